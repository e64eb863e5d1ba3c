package app_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

func userCount(t testing.TB, e *apptest.Env) int {
	t.Helper()
	var n int
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		_, n, err = tx.FindUsers(store.UserFilter{Limit: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCreateUserPasswordPolicy checks that the password rules are applied
// when an administrator creates an account (SEC-01, SEC-02) and that a
// refused account leaves no trace but the refusal.
func TestCreateUserPasswordPolicy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		adm := e.RoleActor(hub.RoleAdmin)
		in := app.NewUser{Username: "jo.bloggs", DisplayName: "Jo Bloggs", AgencyID: e.Agencies[hub.AgencyPolice].ID, AreaIDs: []string{e.Areas["856"].ID}, Roles: []hub.Role{hub.RolePolice}}
		for _, tc := range []struct{ name, password, why string }{
			{"empty", "", "is required"},
			{"seven characters", "Tr0ub4d", "at least 15"},
			{"fourteen characters", "abcdefghijklmn", "at least 15"},
			{"common", "1qaz2wsx3edc4rfv", "too common"},
			{"common with digits", "123456789qwerty42", "too common"},
			{"contains the username", "jo.bloggs-orchard", "too easy to guess"},
			{"contains the display name", "Bloggs Bloggs Bloggs 1", "too easy to guess"},
			{"contains the agency", "Test Police 12345", "too easy to guess"},
			{"contains safehub", "safehub-safehub-1", "too easy to guess"},
			{"too long", strings.Repeat("x", 129), "at most 128"},
			{"NUL", "long enough pass\x00phrase", "NUL"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				users := userCount(t, e)
				in := in
				in.Password = tc.password
				err := refused(t, e, hub.EInvalid, "password", 0, func() error { _, err := e.App.CreateUser(ctx, adm, in); return err })
				if !strings.Contains(hub.ErrorMessage(err), tc.why) {
					t.Errorf("CreateUser(password %q) message = %q, want it to say %q", tc.password, hub.ErrorMessage(err), tc.why)
				}
				if got := userCount(t, e); got != users {
					t.Errorf("users = %d after a refused CreateUser, want %d", got, users)
				}
			})
		}
		in.Password = "correct horse battery staple"
		if _, err := e.App.CreateUser(ctx, adm, in); err != nil {
			t.Fatalf("CreateUser(good password) = %v", err)
		}
		if _, err := e.App.CreateUser(ctx, e.RoleActor(hub.RoleManager), in); !errors.Is(err, hub.ErrForbidden) {
			t.Errorf("CreateUser(by a manager) = %v, want forbidden", err)
		}
	})
}

// TestUpdateUserPasswordPolicy checks that an administrator's password
// reset obeys the same rules as account creation, including the user's own
// names.
func TestUpdateUserPasswordPolicy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		adm := e.RoleActor(hub.RoleAdmin)
		u := e.Users[hub.RolePolice]
		for _, pw := range []string{"short", "1qaz2wsx3edc4rfv", "test.police-orchard", "Test Police officer 1"} {
			refused(t, e, hub.EInvalid, "password", 0, func() error {
				_, err := e.App.UpdateUser(ctx, adm, u.ID, app.UserChange{Password: &pw})
				return err
			})
		}
		pw := "another perfectly fine passphrase"
		if _, err := e.App.UpdateUser(ctx, adm, u.ID, app.UserChange{Password: &pw}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.SignIn(ctx, u.Username, pw); err != nil {
			t.Errorf("SignIn with the reset password = %v", err)
		}
	})
}

// TestUpdateUserEndsSessions checks that disabling a user (or changing
// their roles) ends every session at once (SEC-18) and that a disabled user
// cannot sign in.
func TestUpdateUserEndsSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		adm := e.RoleActor(hub.RoleAdmin)
		u := e.Users[hub.RolePractitioner]
		var tokens []string
		for range 3 {
			l, err := e.App.SignIn(ctx, u.Username, apptest.Password)
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, l.Token)
		}
		for _, tok := range tokens {
			if _, err := e.App.Authenticate(ctx, tok); err != nil {
				t.Fatalf("Authenticate before disabling = %v", err)
			}
		}
		// A change that does not touch access keeps the sessions.
		name := "Test Practitioner Renamed"
		if _, err := e.App.UpdateUser(ctx, adm, u.ID, app.UserChange{DisplayName: &name}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Authenticate(ctx, tokens[0]); err != nil {
			t.Fatalf("Authenticate after a rename = %v", err)
		}

		disabled := true
		ev := oneEvent(t, e, 0, func() error {
			_, err := e.App.UpdateUser(ctx, adm, u.ID, app.UserChange{Disabled: &disabled})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: adm.ID, Action: hub.ActDisable, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})
		if !strings.Contains(ev.Detail, "3 sessions ended") {
			t.Errorf("disable event detail = %q, want it to count 3 sessions ended", ev.Detail)
		}
		for i, tok := range tokens {
			if _, err := e.App.Authenticate(ctx, tok); !errors.Is(err, hub.ErrUnauthorized) {
				t.Errorf("Authenticate(session %d) after disabling = %v, want unauthorized", i, err)
			}
		}
		if _, err := e.App.SignIn(ctx, u.Username, apptest.Password); !errors.Is(err, hub.ErrUnauthorized) {
			t.Errorf("SignIn of a disabled user = %v, want unauthorized", err)
		}
		if ev := newestEvents(t, e, 1)[0]; ev.Outcome != hub.OutcomeFailure || ev.Detail != "account disabled" {
			t.Errorf("disabled sign-in audited as %s %q", ev.Outcome, ev.Detail)
		}

		// Roles: a change of role ends sessions too, so the new role
		// applies on the next request.
		m := e.Users[hub.RoleManager]
		l, err := e.App.SignIn(ctx, m.Username, apptest.Password)
		if err != nil {
			t.Fatal(err)
		}
		roles := []hub.Role{hub.RolePartner}
		if _, err := e.App.UpdateUser(ctx, adm, m.ID, app.UserChange{Roles: &roles}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.Authenticate(ctx, l.Token); !errors.Is(err, hub.ErrUnauthorized) {
			t.Errorf("Authenticate after a role change = %v, want unauthorized", err)
		}

		// A stale version is a conflict and changes nothing.
		cur, err := e.App.User(ctx, adm, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		refused(t, e, hub.EConflict, "", 0, func() error {
			_, err := e.App.UpdateUser(ctx, adm, m.ID, app.UserChange{Version: cur.Version - 1, Disabled: &disabled})
			return err
		})
		if got, _ := e.App.User(ctx, adm, m.ID); got.Disabled {
			t.Error("stale UpdateUser disabled the user")
		}
	})
}

// TestAPITokens checks bearer tokens: revoked tokens and personal tokens of
// disabled users fail, and scopes bound what a token may do.
func TestAPITokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		adm := e.RoleActor(hub.RoleAdmin)
		prac := e.Users[hub.RolePractitioner]

		for _, bad := range []string{"", "Bearer", "not-a-token", "shk_" + strings.Repeat("A", 43)} {
			if _, _, err := e.App.AuthenticateToken(ctx, bad); !errors.Is(err, hub.ErrUnauthorized) {
				t.Errorf("AuthenticateToken(%q) = %v, want unauthorized", bad, err)
			}
		}

		// A personal token acts as its user, within its scopes.
		readTok := e.Token(t, prac, hub.ScopePersonRead)
		actor, c, err := e.App.AuthenticateToken(ctx, readTok)
		if err != nil {
			t.Fatal(err)
		}
		if actor.ID != prac.ID || actor.Machine || !actor.Token || c.UserID != prac.ID || actor.AgencyID != prac.AgencyID {
			t.Errorf("personal token actor = %+v", actor)
		}
		p := e.NewPerson(t, "856", app.PersonInput{GivenName: "Tia", FamilyName: "Token"})
		if _, err := e.App.ViewPerson(ctx, actor, p.ID); err != nil {
			t.Errorf("ViewPerson with person:read = %v", err)
		}
		in := app.PersonInput{AreaID: e.Areas["856"].ID, GivenName: "New", FamilyName: "Person"}
		refused(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.CreatePerson(ctx, actor, in); return err })
		refused(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.UpdatePerson(ctx, actor, p.ID, 1, input(p)); return err })

		// Write without read: may create but not view or search.
		writeTok := e.Token(t, prac, hub.ScopePersonWrite)
		wa, _, err := e.App.AuthenticateToken(ctx, writeTok)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.CreatePerson(ctx, wa, in); err != nil {
			t.Errorf("CreatePerson with person:write = %v", err)
		}
		refused(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.ViewPerson(ctx, wa, p.ID); return err })
		refused(t, e, hub.EForbidden, "", 0, func() error { _, err := e.App.SearchPersons(ctx, wa, app.PersonQuery{Text: "Token"}); return err })

		// A token's scopes never exceed its user's roles: an analyst's
		// person:write token may not create.
		analystTok := e.Token(t, e.Users[hub.RoleAnalyst], hub.ScopePersonRead, hub.ScopePersonWrite)
		aa, _, err := e.App.AuthenticateToken(ctx, analystTok)
		if err != nil {
			t.Fatal(err)
		}
		if access.Can(aa, access.PersonCreate) || !access.Can(aa, access.PersonRead) {
			t.Errorf("analyst token: create %v read %v, want false true", access.Can(aa, access.PersonCreate), access.Can(aa, access.PersonRead))
		}

		// A machine client acts for its agency with no areas: it sees no
		// person, and the refusal is a not found.
		machTok := e.Token(t, nil, hub.ScopePersonRead)
		ma, _, err := e.App.AuthenticateToken(ctx, machTok)
		if err != nil {
			t.Fatal(err)
		}
		if !ma.Machine || ma.Role() != "machine" {
			t.Errorf("machine actor = %+v", ma)
		}
		if _, err := e.App.ViewPerson(ctx, ma, p.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("ViewPerson(machine) = %v, want not found", err)
		}
		if res, err := e.App.SearchPersons(ctx, ma, app.PersonQuery{Text: "Token"}); err != nil || res.Total != 0 {
			t.Errorf("SearchPersons(machine) = %d results (%v), want 0", res.Total, err)
		}

		// Revoked: refused from the next request.
		clients, err := e.App.APIClients(ctx, adm)
		if err != nil {
			t.Fatal(err)
		}
		var readID string
		for _, cl := range clients {
			if strings.HasPrefix(readTok, cl.TokenPrefix) && cl.UserID == prac.ID && cl.HasScope(hub.ScopePersonRead) && !cl.HasScope(hub.ScopePersonWrite) {
				readID = cl.ID
			}
		}
		if readID == "" {
			t.Fatal("personal read token not listed")
		}
		if err := e.App.RevokeAPIClient(ctx, adm, readID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.App.AuthenticateToken(ctx, readTok); !errors.Is(err, hub.ErrUnauthorized) {
			t.Errorf("AuthenticateToken(revoked) = %v, want unauthorized", err)
		}
		if _, _, err := e.App.AuthenticateToken(ctx, writeTok); err != nil {
			t.Errorf("revoking one token broke another: %v", err)
		}
		if err := e.App.RevokeAPIClient(ctx, e.RoleActor(hub.RoleManager), readID); !errors.Is(err, hub.ErrForbidden) {
			t.Errorf("RevokeAPIClient(manager) = %v, want forbidden", err)
		}

		// Disabled user: every personal token fails; machine tokens live on.
		disabled := true
		if _, err := e.App.UpdateUser(ctx, adm, prac.ID, app.UserChange{Disabled: &disabled}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.App.AuthenticateToken(ctx, writeTok); !errors.Is(err, hub.ErrUnauthorized) {
			t.Errorf("AuthenticateToken(disabled user's token) = %v, want unauthorized", err)
		}
		if _, _, err := e.App.AuthenticateToken(ctx, machTok); err != nil {
			t.Errorf("machine token after disabling an unrelated user = %v", err)
		}
		enabled := false
		if _, err := e.App.UpdateUser(ctx, adm, prac.ID, app.UserChange{Disabled: &enabled}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.App.AuthenticateToken(ctx, writeTok); err != nil {
			t.Errorf("AuthenticateToken after re-enabling = %v", err)
		}
	})
}

// TestMFAAudit checks that each second-factor attempt writes one audit
// event, that a code is accepted once only, and that success replaces the
// session token.
func TestMFAAudit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{RequireMFA: true})
		u := e.Users[hub.RoleNurse]
		var l *app.Login
		ev := oneEvent(t, e, 0, func() (err error) { l, err = e.App.SignIn(ctx, u.Username, apptest.Password); return err })
		checkEvent(t, ev, wantEvent{ActorID: u.ID, Action: hub.ActLogin, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})
		if !l.Session.MFAPending || ev.Detail != "password; second factor pending" {
			t.Fatalf("session pending %v, detail %q", l.Session.MFAPending, ev.Detail)
		}
		pr, err := e.App.Authenticate(ctx, l.Token)
		if err != nil || !pr.MFAPending() {
			t.Fatalf("Authenticate = %v, pending %v", err, pr.MFAPending())
		}
		e.Clock.Advance(30 * time.Second)
		code, err := auth.TOTPCode(apptest.MFASecret, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		wrong := "000000"
		if wrong == code {
			wrong = "111111"
		}
		ev = oneEvent(t, e, 0, func() error {
			if _, err := e.App.CompleteMFA(ctx, pr, wrong); hub.ErrorField(err) != "code" {
				t.Errorf("CompleteMFA(wrong) = %v, want invalid code", err)
			}
			return nil
		})
		checkEvent(t, ev, wantEvent{ActorID: u.ID, Action: hub.ActMFA, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeFailure})

		var tok string
		ev = oneEvent(t, e, 0, func() (err error) { tok, err = e.App.CompleteMFA(ctx, pr, code); return err })
		checkEvent(t, ev, wantEvent{ActorID: u.ID, Action: hub.ActMFA, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeSuccess})
		if tok == l.Token {
			t.Error("the session token did not change after the second factor")
		}
		if _, err := e.App.Authenticate(ctx, l.Token); !errors.Is(err, hub.ErrUnauthorized) {
			t.Errorf("the pre-MFA token still works: %v", err)
		}
		if p2, err := e.App.Authenticate(ctx, tok); err != nil || p2.MFAPending() {
			t.Errorf("Authenticate(new token) = %v", err)
		}

		// The same code again, in a new sign-in: refused as a replay.
		l2, err := e.App.SignIn(ctx, u.Username, apptest.Password)
		if err != nil {
			t.Fatal(err)
		}
		pr2, err := e.App.Authenticate(ctx, l2.Token)
		if err != nil {
			t.Fatal(err)
		}
		ev = oneEvent(t, e, 0, func() error {
			_, err := e.App.CompleteMFA(ctx, pr2, code)
			if hub.ErrorField(err) != "code" || !strings.Contains(hub.ErrorMessage(err), "already been used") {
				t.Errorf("CompleteMFA(replay) = %v", err)
			}
			return nil
		})
		checkEvent(t, ev, wantEvent{ActorID: u.ID, Action: hub.ActMFA, ObjectType: "user", ObjectID: u.ID, Outcome: hub.OutcomeFailure})
	})
}

func TestSharedKey(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		k1, err := e.App.SharedKey(ctx, "oidc-flow")
		if err != nil {
			t.Fatal(err)
		}
		k2, err := e.App.SharedKey(ctx, "oidc-flow")
		if err != nil {
			t.Fatal(err)
		}
		other, err := e.App.SharedKey(ctx, "something-else")
		if err != nil {
			t.Fatal(err)
		}
		if len(k1) != 32 || !bytes.Equal(k1, k2) || bytes.Equal(k1, other) {
			t.Errorf("shared keys: %x, %x, %x; want the same 32 bytes twice and another key for another name", k1, k2, other)
		}
	})
}
