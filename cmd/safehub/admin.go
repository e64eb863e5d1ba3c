package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strings"
	"text/tabwriter"

	"golang.org/x/term"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/audit"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// dbFlags are the flags of commands that open the database.
type dbFlags struct {
	db, keyFile, checkpointFile string
}

func (d *dbFlags) register(fs *flag.FlagSet, getenv func(string) string) {
	fs.StringVar(&d.db, "db", getenv("SAFEHUB_DB"), "database: a SQLite file path or a postgres:// URL (env SAFEHUB_DB)")
	fs.StringVar(&d.keyFile, "audit-key-file", getenv("SAFEHUB_AUDIT_KEY_FILE"), "audit signing key file (env SAFEHUB_AUDIT_KEY_FILE)")
	fs.StringVar(&d.checkpointFile, "checkpoint-file", getenv("SAFEHUB_CHECKPOINT_FILE"), "append-only checkpoint file (env SAFEHUB_CHECKPOINT_FILE)")
}

// open opens the store and the app for a maintenance command, which acts
// as the system actor named after the operating-system user.
func (d *dbFlags) open(ctx context.Context, e *env) (*store.DB, *app.App, *access.Actor, error) {
	if d.db == "" {
		return nil, nil, nil, errors.New("--db is required: a SQLite file path or a postgres:// URL")
	}
	skey, err := loadOrCreateAuditKey(d.keyFile)
	if err != nil {
		return nil, nil, nil, err
	}
	log := newLogger(e.stderr, "text", "warn")
	db, err := store.Open(ctx, d.db, store.Options{Audit: store.AuditOptions{SignerKey: skey, Publish: checkpointPublisher(d.checkpointFile, log)}})
	if err != nil {
		return nil, nil, nil, err
	}
	a, err := app.New(db, app.DefaultConfig(), nil, log)
	if err != nil {
		db.Close()
		return nil, nil, nil, err
	}
	name := "unknown"
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return db, a, app.System(name), nil
}

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags("migrate", "Apply pending database migrations (they are also applied at start-up), or list them with --status.", e)
	dsn := fs.String("db", e.getenv("SAFEHUB_DB"), "database: a SQLite file path or a postgres:// URL (env SAFEHUB_DB)")
	status := fs.Bool("status", false, "list migrations and whether each is applied, and change nothing")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := store.OpenNoMigrate(*dsn, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	if !*status {
		if err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	ms, err := db.MigrationStatus(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		state := "pending"
		if m.Applied {
			state = "applied"
		}
		fmt.Fprintf(e.stdout, "%04d %-30s %s\n", m.Version, m.Name, state)
	}
	return nil
}

func runUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stderr, "Usage: safehub user add|list|disable|enable|reset-mfa [flags]\n\nRun safehub user <subcommand> -h for its flags.")
		if len(args) == 0 {
			return exitError{code: 2}
		}
		return nil
	}
	sub, args := args[0], args[1:]
	var d dbFlags
	switch sub {
	case "add":
		fs := newFlags("user add", "Add an interactive account. The password is read from --password-file or standard input.", e)
		d.register(fs, e.getenv)
		username := fs.String("username", "", "login name (lower case)")
		name := fs.String("name", "", "full name")
		email := fs.String("email", "", "work email (optional)")
		agency := fs.String("agency", "", "agency name or id")
		areas := fs.String("areas", "", "comma-separated area codes or names")
		roles := fs.String("roles", "", "comma-separated roles: "+rolesList())
		pwFile := fs.String("password-file", "", "file holding the password (default: read from standard input)")
		oidcIssuer := fs.String("oidc-issuer", e.getenv("SAFEHUB_OIDC_ISSUER"), "identity provider issuer, for accounts that sign in through it (env SAFEHUB_OIDC_ISSUER)")
		oidcSubject := fs.String("oidc-subject", "", "the user's subject (sub) at the identity provider; with it no password is needed")
		if err := fs.Parse(args); err != nil {
			return err
		}
		var pw string
		if *oidcSubject == "" || *pwFile != "" {
			var err error
			if pw, err = readPassword(e, *pwFile); err != nil {
				return err
			}
		}
		if *oidcSubject == "" {
			*oidcIssuer = ""
		} else if *oidcIssuer == "" {
			return errors.New("oidc-issuer: is required with --oidc-subject")
		}
		db, a, actor, err := d.open(ctx, e)
		if err != nil {
			return err
		}
		defer db.Close()
		rs, err := hub.ParseRoles(*roles)
		if err != nil {
			return userError(err)
		}
		agID, err := findAgency(ctx, a, *agency)
		if err != nil {
			return err
		}
		areaIDs, err := findAreas(ctx, a, *areas)
		if err != nil {
			return err
		}
		u, err := a.CreateUser(ctx, actor, app.NewUser{Username: *username, DisplayName: *name, Email: *email, AgencyID: agID, AreaIDs: areaIDs, Roles: rs, Password: pw, OIDCIssuer: *oidcIssuer, OIDCSubject: *oidcSubject})
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(e.stdout, "added user %s (%s); they set up their authenticator at first sign-in\n", u.Username, u.ID)
		return nil
	case "list":
		fs := newFlags("user list", "List accounts.", e)
		d.register(fs, e.getenv)
		if err := fs.Parse(args); err != nil {
			return err
		}
		db, a, actor, err := d.open(ctx, e)
		if err != nil {
			return err
		}
		defer db.Close()
		users, _, err := a.Users(ctx, actor, store.UserFilter{Limit: 1000})
		if err != nil {
			return err
		}
		ags, err := a.Agencies(ctx)
		if err != nil {
			return err
		}
		names := map[string]string{}
		for _, ag := range ags {
			names[ag.ID] = ag.Name
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tNAME\tAGENCY\tROLES\tMFA\tSTATUS")
		for _, u := range users {
			status, mfa := "active", "no"
			if u.Disabled {
				status = "disabled"
			}
			if u.MFAEnrolled {
				mfa = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.DisplayName, names[u.AgencyID], joinRoles(u.Roles), mfa, status)
		}
		return tw.Flush()
	case "disable", "enable", "reset-mfa":
		fs := newFlags("user "+sub, map[string]string{
			"disable":   "Disable an account; all its sessions end at their next request.",
			"enable":    "Enable a disabled account.",
			"reset-mfa": "Clear an account's authenticator; the user sets one up again at next sign-in. Ends their sessions.",
		}[sub], e)
		d.register(fs, e.getenv)
		username := fs.String("username", "", "login name")
		if err := fs.Parse(args); err != nil {
			return err
		}
		db, a, actor, err := d.open(ctx, e)
		if err != nil {
			return err
		}
		defer db.Close()
		u, err := a.UserByUsername(ctx, actor, *username)
		if err != nil {
			return userError(err)
		}
		ch := app.UserChange{Version: u.Version}
		switch sub {
		case "disable":
			t := true
			ch.Disabled = &t
		case "enable":
			f := false
			ch.Disabled = &f
		case "reset-mfa":
			ch.ResetMFA = true
		}
		if _, err := a.UpdateUser(ctx, actor, u.ID, ch); err != nil {
			return userError(err)
		}
		fmt.Fprintf(e.stdout, "%s: done (%s)\n", u.Username, sub)
		return nil
	}
	return exitError{code: 2, msg: fmt.Sprintf("safehub user: unknown subcommand %q (add, list, disable, enable, reset-mfa)", sub)}
}

func rolesList() string {
	s := make([]string, len(hub.Roles))
	for i, r := range hub.Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

func joinRoles(rs []hub.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// userError shows a domain error's message, which names the field.
func userError(err error) error {
	if c := hub.ErrorCode(err); c != hub.EInternal {
		if f := hub.ErrorField(err); f != "" {
			return fmt.Errorf("%s: %s", f, hub.ErrorMessage(err))
		}
		return errors.New(hub.ErrorMessage(err))
	}
	return err
}

func readPassword(e *env, file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	fmt.Fprint(e.stderr, "Password (then Enter): ")
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(e.stderr)
		if err != nil {
			return "", err
		}
		return string(b), nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", errors.New("no password given on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func findAgency(ctx context.Context, a *app.App, s string) (string, error) {
	ags, err := a.Agencies(ctx)
	if err != nil {
		return "", err
	}
	for _, ag := range ags {
		if ag.ID == s || strings.EqualFold(ag.Name, s) {
			return ag.ID, nil
		}
	}
	names := make([]string, len(ags))
	for i, ag := range ags {
		names[i] = ag.Name
	}
	return "", fmt.Errorf("agency: no agency %q (known: %s)", s, strings.Join(names, "; "))
}

func findAreas(ctx context.Context, a *app.App, list string) ([]string, error) {
	areas, err := a.Areas(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range splitComma(list) {
		found := ""
		for _, ar := range areas {
			if ar.ID == s || ar.Code == s || strings.EqualFold(ar.Name, s) {
				found = ar.ID
			}
		}
		if found == "" {
			return nil, fmt.Errorf("areas: no area %q", s)
		}
		out = append(out, found)
	}
	return out, nil
}

func runAPIClient(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stderr, "Usage: safehub apiclient add|list|revoke [flags]\n\nRun safehub apiclient <subcommand> -h for its flags.")
		if len(args) == 0 {
			return exitError{code: 2}
		}
		return nil
	}
	sub, args := args[0], args[1:]
	var d dbFlags
	switch sub {
	case "add":
		fs := newFlags("apiclient add", "Add a machine client (or, with --user, a personal token) and print its bearer token once.", e)
		d.register(fs, e.getenv)
		name := fs.String("name", "", "client name, e.g. \"Leicester Royal Infirmary ED\"")
		setting := fs.String("setting", "", "where it is used (defaults to the name)")
		agency := fs.String("agency", "", "agency name or id")
		scopes := fs.String("scope", "", "comma-separated scopes: flag:read, person:read, person:write")
		username := fs.String("user", "", "make a personal token acting as this user")
		if err := fs.Parse(args); err != nil {
			return err
		}
		db, a, actor, err := d.open(ctx, e)
		if err != nil {
			return err
		}
		defer db.Close()
		in := app.NewAPIClient{Name: *name, Setting: *setting}
		if in.Setting == "" {
			in.Setting = in.Name
		}
		for _, s := range splitComma(*scopes) {
			in.Scopes = append(in.Scopes, hub.Scope(s))
		}
		if *username != "" && *agency != "" {
			return errors.New("agency: a personal token (--user) belongs to the user's own agency; leave out --agency")
		}
		if *username != "" {
			u, err := a.UserByUsername(ctx, actor, *username)
			if err != nil {
				return userError(err)
			}
			in.UserID, in.AgencyID = u.ID, u.AgencyID
		} else if in.AgencyID, err = findAgency(ctx, a, *agency); err != nil {
			return err
		}
		c, token, err := a.CreateAPIClient(ctx, actor, in)
		if err != nil {
			return userError(err)
		}
		fmt.Fprintf(e.stderr, "added client %s (%s). The token below is shown once; store it now.\n", c.Name, c.ID)
		fmt.Fprintln(e.stdout, token)
		return nil
	case "list":
		fs := newFlags("apiclient list", "List clients.", e)
		d.register(fs, e.getenv)
		if err := fs.Parse(args); err != nil {
			return err
		}
		db, a, actor, err := d.open(ctx, e)
		if err != nil {
			return err
		}
		defer db.Close()
		cs, err := a.APIClients(ctx, actor)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSETTING\tSCOPES\tTOKEN\tSTATUS")
		for _, c := range cs {
			status := "active"
			if c.Revoked() {
				status = "revoked"
			}
			sc := make([]string, len(c.Scopes))
			for i, s := range c.Scopes {
				sc[i] = string(s)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s…\t%s\n", c.ID, c.Name, c.Setting, strings.Join(sc, ","), c.TokenPrefix, status)
		}
		return tw.Flush()
	case "revoke":
		fs := newFlags("apiclient revoke", "Revoke a client; its token stops working at once.", e)
		d.register(fs, e.getenv)
		id := fs.String("id", "", "client id (see apiclient list)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		db, a, actor, err := d.open(ctx, e)
		if err != nil {
			return err
		}
		defer db.Close()
		if err := a.RevokeAPIClient(ctx, actor, *id); err != nil {
			return userError(err)
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", *id)
		return nil
	}
	return exitError{code: 2, msg: fmt.Sprintf("safehub apiclient: unknown subcommand %q (add, list, revoke)", sub)}
}

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stderr, "Usage: safehub audit verify|checkpoint [flags]\n\nverify recomputes the audit log's tree, checks every signature and the published checkpoints, and exits non-zero naming the first bad entry.\ncheckpoint signs and publishes a checkpoint of the log now.")
		if len(args) == 0 {
			return exitError{code: 2}
		}
		return nil
	}
	sub, args := args[0], args[1:]
	switch sub {
	case "verify":
		fs := newFlags("audit verify", "Verify the audit log. Exit 0 when intact; 1 naming the first bad entry when not.", e)
		dsn := fs.String("db", e.getenv("SAFEHUB_DB"), "database (env SAFEHUB_DB)")
		keyFile := fs.String("audit-key-file", e.getenv("SAFEHUB_AUDIT_KEY_FILE"), "audit key file; its verifier key is read from FILE.pub (env SAFEHUB_AUDIT_KEY_FILE)")
		vkeyFlag := fs.String("verifier-key", "", "verifier key text, instead of reading FILE.pub")
		cpFile := fs.String("checkpoint-file", e.getenv("SAFEHUB_CHECKPOINT_FILE"), "published checkpoint file to check the log against (env SAFEHUB_CHECKPOINT_FILE)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		vkey := *vkeyFlag
		if vkey == "" {
			if *keyFile == "" {
				return errors.New("give --audit-key-file (its .pub is read) or --verifier-key")
			}
			b, err := os.ReadFile(*keyFile + ".pub")
			if err != nil {
				return fmt.Errorf("read verifier key: %w", err)
			}
			vkey = strings.TrimSpace(string(b))
		}
		v, err := audit.NewVerifier(vkey)
		if err != nil {
			return err
		}
		var external [][]byte
		if *cpFile != "" {
			// A configured checkpoint file that is missing is itself a
			// finding: deleting it would hide a rollback of the database.
			f, err := os.Open(*cpFile)
			if err != nil {
				return exitError{code: 1, msg: fmt.Sprintf("audit log NOT verified: checkpoint file: %v", err)}
			}
			external, err = audit.ParseCheckpointFile(f)
			f.Close()
			if err != nil {
				return exitError{code: 1, msg: fmt.Sprintf("audit log NOT verified: checkpoint file: %v", err)}
			}
		}
		db, err := store.OpenNoMigrate(*dsn, store.Options{})
		if err != nil {
			return err
		}
		defer db.Close()
		rep, err := db.VerifyAudit(ctx, v, external)
		if err != nil {
			return err
		}
		if !rep.OK() {
			msg := fmt.Sprintf("audit log NOT intact: first bad entry %d: %s", rep.FirstBad, rep.Problem)
			for _, p := range rep.Problems[1:] {
				msg += fmt.Sprintf("\n  also: entry %d: %s", p.Index, p.Msg)
			}
			return exitError{code: 1, msg: msg}
		}
		fmt.Fprintf(e.stdout, "audit log intact: %d entries, %d checkpoints verified (%d published), root %s\n", rep.Entries, rep.Checkpoints, len(external), rep.Root)
		return nil
	case "checkpoint":
		fs := newFlags("audit checkpoint", "Sign and publish a checkpoint of the audit log now.", e)
		var d dbFlags
		d.register(fs, e.getenv)
		if err := fs.Parse(args); err != nil {
			return err
		}
		db, _, _, err := d.open(ctx, e)
		if err != nil {
			return err
		}
		defer db.Close()
		signed, err := db.Checkpoint(ctx)
		if err != nil {
			return err
		}
		fmt.Fprint(e.stdout, string(signed))
		return nil
	}
	return exitError{code: 2, msg: fmt.Sprintf("safehub audit: unknown subcommand %q (verify, checkpoint)", sub)}
}
