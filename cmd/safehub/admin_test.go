package main

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
)

// A password that passes the policy and names nothing in the partnership.
const cliPassword = "amber-tundra-quill-58"

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, engine)
			c := h.cli()

			r := c.runOK(t, "migrate", "--db", h.dsn, "--status")
			if !strings.Contains(r.stdout, "pending") || strings.Contains(r.stdout, "applied") {
				t.Errorf("migrate --status on an empty database: want every migration pending:\n%s", r.stdout)
			}

			r = c.runOK(t, "migrate", "--db", h.dsn)
			checkAllApplied(t, r.stdout)
			r = c.runOK(t, "migrate", "--db", h.dsn, "--status")
			checkAllApplied(t, r.stdout)
			// Applying again changes nothing.
			r = c.runOK(t, "migrate", "--db", h.dsn)
			checkAllApplied(t, r.stdout)
		})
	}
}

// checkAllApplied checks migrate's listing: one line per migration, each
// applied, and at least the first one.
func checkAllApplied(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	line := regexp.MustCompile(`^\d{4} \S+\s+applied$`)
	for _, l := range lines {
		if !line.MatchString(l) {
			t.Errorf("migrate listing line %q is not an applied migration; listing:\n%s", l, out)
		}
	}
	if !strings.HasPrefix(out, "0001 0001_init") {
		t.Errorf("migrate listing does not start with 0001_init:\n%s", out)
	}
}

func TestMigrateNeedsDB(t *testing.T) {
	t.Parallel()
	r := runCLI(t, "migrate")
	if r.code != 1 || !strings.Contains(r.stderr, "--db") {
		t.Errorf("safehub migrate without --db: %s\nwant exit 1 naming --db", r)
	}
}

func TestUserCommands(t *testing.T) {
	t.Parallel()
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, engine)
			h.seed(t)
			c := h.cli()

			// From --password-file.
			pwFile := filepath.Join(t.TempDir(), "pw")
			if err := os.WriteFile(pwFile, []byte(cliPassword+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			r := c.runOK(t, "user", "add", "--username", "kim.keyworker", "--name", "Kim Keyworker", "--email", "kim@example.org",
				"--agency", "Leicester City Council Children's Social Care", "--areas", "856,Rutland", "--roles", "practitioner,manager", "--password-file", pwFile)
			if !strings.Contains(r.stdout, "added user kim.keyworker") {
				t.Errorf("user add: stdout %q does not confirm the user", r.stdout)
			}

			// From standard input; the agency by a different case.
			c.stdin = cliPassword + "\n"
			r = c.runOK(t, "user", "add", "--username", "sam.school", "--name", "Sam School", "--agency", "llr education safeguarding service", "--roles", "education")
			c.stdin = ""
			if !strings.Contains(r.stderr, "Password") {
				t.Errorf("user add without --password-file does not prompt on stderr: %q", r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, cliPassword) {
				t.Errorf("user add echoes the password:\n%s", r)
			}

			// The passwords work: sign in through the app.
			db, a := h.open(t)
			for _, u := range []string{"kim.keyworker", "sam.school"} {
				if _, err := a.SignIn(context.Background(), u, cliPassword); err != nil {
					t.Errorf("sign in as %s with the password given to user add: %v", u, err)
				}
			}
			db.Close()

			list := userRows(t, c)
			kim, ok := list["kim.keyworker"]
			if !ok {
				t.Fatalf("user list does not show kim.keyworker:\n%v", list)
			}
			for _, want := range []string{"Kim Keyworker", "Leicester City Council Children's Social Care", "practitioner,manager", "active"} {
				if !strings.Contains(kim, want) {
					t.Errorf("user list row %q lacks %q", kim, want)
				}
			}
			if !strings.Contains(list["sam.school"], "education") {
				t.Errorf("user list row for sam.school = %q, want the education role", list["sam.school"])
			}
			if _, ok := list["pat.practitioner"]; !ok {
				t.Errorf("user list does not show the seeded pat.practitioner")
			}

			// Disable, enable.
			r = c.runOK(t, "user", "disable", "--username", "kim.keyworker")
			if !strings.Contains(r.stdout, "kim.keyworker: done (disable)") {
				t.Errorf("user disable: stdout %q", r.stdout)
			}
			if row := userRows(t, c)["kim.keyworker"]; !strings.HasSuffix(row, "disabled") {
				t.Errorf("after user disable, row = %q, want disabled", row)
			}
			db, a = h.open(t)
			if _, err := a.SignIn(context.Background(), "kim.keyworker", cliPassword); err == nil {
				t.Errorf("a disabled user can still sign in")
			}
			db.Close()
			c.runOK(t, "user", "enable", "--username", "kim.keyworker")
			if row := userRows(t, c)["kim.keyworker"]; !strings.HasSuffix(row, "active") {
				t.Errorf("after user enable, row = %q, want active", row)
			}

			// reset-mfa: enrol the user directly, then reset.
			db, _ = h.open(t)
			err := db.Tx(context.Background(), func(tx *store.Tx) error {
				u, err := tx.UserByUsername("kim.keyworker")
				if err != nil {
					return err
				}
				u.MFASecret, u.MFAEnrolled = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", true
				return tx.UpdateUser(u)
			})
			db.Close()
			if err != nil {
				t.Fatal(err)
			}
			if row := userRows(t, c)["kim.keyworker"]; !strings.Contains(row, " yes ") {
				t.Errorf("enrolled user's row = %q, want MFA yes", row)
			}
			c.runOK(t, "user", "reset-mfa", "--username", "kim.keyworker")
			if row := userRows(t, c)["kim.keyworker"]; !strings.Contains(row, " no ") {
				t.Errorf("after reset-mfa, row = %q, want MFA no", row)
			}

			// An unknown user.
			r = c.run(t, "user", "disable", "--username", "no.such.user")
			if r.code != 1 || !strings.Contains(r.stderr, "not") {
				t.Errorf("user disable of an unknown user: %s", r)
			}
		})
	}
}

// userRows runs user list and returns each row by username.
func userRows(t *testing.T, c cli) map[string]string {
	t.Helper()
	r := c.runOK(t, "user", "list")
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "USERNAME") {
		t.Fatalf("user list has no header:\n%s", r.stdout)
	}
	rows := map[string]string{}
	for _, l := range lines[1:] {
		name, _, _ := strings.Cut(l, " ")
		rows[name] = strings.TrimSpace(l)
	}
	return rows
}

func TestUserAddBadInput(t *testing.T) {
	t.Parallel()
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, engine)
			h.seed(t)
			good := map[string]string{
				"--username": "lee.lookup", "--name": "Lee Lookup", "--agency": "Leicestershire Police", "--areas": "855", "--roles": "police",
			}
			cases := []struct {
				name     string
				flag     string
				value    string
				password string
				want     []string // in stderr
			}{
				{"unknown role", "--roles", "police,wizard", cliPassword, []string{"roles", `"wizard"`}},
				{"unknown agency", "--agency", "Ministry of Magic", cliPassword, []string{"agency", `"Ministry of Magic"`, "Leicestershire Police"}},
				{"unknown area", "--areas", "999", cliPassword, []string{"areas", `"999"`}},
				{"short password", "", "", "short-pw", []string{"password", "at least 15 characters"}},
				{"common password", "", "", "passwordpassword", []string{"password"}},
				{"bad username", "--username", "Lee Lookup!", cliPassword, []string{"username", "lower-case"}},
				{"short username", "--username", "le", cliPassword, []string{"username", "3 to 64"}},
				{"no name", "--name", "", cliPassword, []string{"display_name"}},
				{"bad email", "--email", "not-an-email", cliPassword, []string{"email"}},
				{"no password", "", "", "", []string{"password"}},
			}
			for _, tc := range cases {
				t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
					args := []string{"user", "add"}
					for f, v := range good {
						if f == tc.flag {
							continue
						}
						args = append(args, f, v)
					}
					if tc.flag != "" {
						args = append(args, tc.flag, tc.value)
					}
					c := h.cli()
					if tc.password != "" {
						c.stdin = tc.password + "\n"
					}
					r := c.run(t, args...)
					if r.code != 1 {
						t.Fatalf("user add with %s: %s\nwant exit 1", tc.name, r)
					}
					// The message starts with the field, as "roles: unknown role …".
					if field := tc.want[0]; !strings.Contains(r.stderr, "safehub user: "+field+": ") && tc.name != "no password" {
						t.Errorf("user add with %s: stderr does not start the message with %q:\n%s", tc.name, field+": ", r.stderr)
					}
					for _, w := range tc.want {
						if !strings.Contains(r.stderr, w) {
							t.Errorf("user add with %s: stderr does not contain %q:\n%s", tc.name, w, r.stderr)
						}
					}
				})
			}
			if _, ok := userRows(t, h.cli())["lee.lookup"]; ok {
				t.Errorf("a refused user add created the user anyway")
			}
		})
	}
}

func TestAPIClientCommands(t *testing.T) {
	t.Parallel()
	for _, engine := range pgtest.Engines() {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, engine)
			h.seed(t)
			c := h.cli()
			m := h.startMain(t, func(m *Main) { m.Config.AllowDemoData = true })

			r := c.runOK(t, "apiclient", "add", "--scope", "person:read,flag:read", "--name", "Royal Infirmary ED", "--agency", "University Hospitals of Leicester NHS Trust")
			token := strings.TrimSpace(r.stdout)
			if strings.Count(r.stdout, "\n") != 1 || strings.ContainsAny(token, " \t") || len(token) < 30 {
				t.Fatalf("apiclient add: stdout should be the token alone on one line, got %q", r.stdout)
			}
			if strings.Contains(r.stderr, token) {
				t.Errorf("apiclient add prints the token on stderr as well")
			}
			if !strings.Contains(r.stderr, "shown once") {
				t.Errorf("apiclient add does not warn that the token is shown once: %q", r.stderr)
			}

			var me api.Me
			if code := getJSON(t, m.URL()+"/api/v1/me", token, &me); code != http.StatusOK {
				t.Fatalf("GET /api/v1/me with the new token: status %d, want 200", code)
			}
			if !me.Machine || me.Name != "Royal Infirmary ED" || strings.Join(me.Scopes, ",") != "person:read,flag:read" {
				t.Errorf("GET /api/v1/me = %+v, want the machine client with its scopes", me)
			}

			r = c.runOK(t, "apiclient", "list")
			if strings.Contains(r.stdout, token) {
				t.Errorf("apiclient list shows the whole token:\n%s", r.stdout)
			}
			var id string
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.Contains(l, "Royal Infirmary ED") {
					id, _, _ = strings.Cut(l, " ")
					if !strings.Contains(l, "person:read,flag:read") || !strings.HasSuffix(strings.TrimSpace(l), "active") {
						t.Errorf("apiclient list row %q: want the scopes and active", l)
					}
					prefix := strings.Fields(l)
					found := false
					for _, f := range prefix {
						if p, ok := strings.CutSuffix(f, "…"); ok && len(p) > 4 && strings.HasPrefix(token, p) {
							found = true
						}
					}
					if !found {
						t.Errorf("apiclient list row %q does not show the token's prefix", l)
					}
				}
			}
			if id == "" {
				t.Fatalf("apiclient list does not show the client:\n%s", r.stdout)
			}

			r = c.runOK(t, "apiclient", "revoke", "--id", id)
			if !strings.Contains(r.stdout, "revoked "+id) {
				t.Errorf("apiclient revoke: stdout %q", r.stdout)
			}
			if code := getJSON(t, m.URL()+"/api/v1/me", token, nil); code != http.StatusUnauthorized {
				t.Errorf("GET /api/v1/me with a revoked token: status %d, want 401", code)
			}
			r = c.runOK(t, "apiclient", "list")
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.HasPrefix(l, id) && !strings.HasSuffix(strings.TrimSpace(l), "revoked") {
					t.Errorf("after revoke, apiclient list row = %q, want revoked", l)
				}
			}

			// A personal token acts as the user.
			r = c.runOK(t, "apiclient", "add", "--scope", "person:read", "--name", "Pat's script", "--user", "pat.practitioner")
			if code := getJSON(t, m.URL()+"/api/v1/me", strings.TrimSpace(r.stdout), &me); code != http.StatusOK || me.Machine || me.Name != "pat.practitioner" {
				t.Errorf("GET /api/v1/me with a personal token: status %d, %+v; want pat.practitioner, not a machine", code, me)
			}

			// Bad input names the field.
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"--scope", "person:delete", "--name", "X", "--agency", "Leicestershire Police"}, "scopes"},
				{[]string{"--scope", "person:read", "--name", "X", "--agency", "Nowhere"}, "agency"},
				{[]string{"--scope", "person:read", "--agency", "Leicestershire Police"}, "name"},
				{[]string{"--name", "X", "--agency", "Leicestershire Police"}, "scopes"},
				{[]string{"--scope", "person:read", "--name", "X", "--user", "no.such.user"}, "not"},
			} {
				r := c.run(t, append([]string{"apiclient", "add"}, tc.args...)...)
				if r.code != 1 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
					t.Errorf("apiclient add %s: %s\nwant exit 1, no stdout, stderr naming %q", strings.Join(tc.args, " "), r, tc.want)
				}
			}
			r = c.run(t, "apiclient", "revoke", "--id", "no-such-id")
			if r.code != 1 {
				t.Errorf("apiclient revoke of an unknown id: %s\nwant exit 1", r)
			}
		})
	}
}

// TestAdminCommandsNeedDB: maintenance commands refuse to run without a
// database or audit key, saying which is missing.
func TestAdminCommandsNeedDB(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"user", "list"}, {"apiclient", "list"}, {"audit", "checkpoint"}} {
		r := runCLI(t, args...)
		if r.code != 1 || !strings.Contains(r.stderr, "--db") {
			t.Errorf("safehub %s without --db: %s\nwant exit 1 naming --db", strings.Join(args, " "), r)
		}
	}
	r := cli{env: map[string]string{"SAFEHUB_DB": filepath.Join(t.TempDir(), "x.db")}}.run(t, "user", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "--audit-key-file") {
		t.Errorf("safehub user list without an audit key: %s\nwant exit 1 naming --audit-key-file", r)
	}
}
