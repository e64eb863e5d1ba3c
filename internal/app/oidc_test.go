package app_test

import (
	"context"
	"testing"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

const testIssuer = "https://idp.agency.example"

// newOIDCUser creates a practitioner with no password, linked to
// (testIssuer, subject).
func newOIDCUser(t *testing.T, e *apptest.Env, username, subject string) *hub.User {
	t.Helper()
	u, err := e.App.CreateUser(context.Background(), apptest.System, app.NewUser{
		Username: username, DisplayName: "Linked " + username, Email: username + "@agency.example",
		AgencyID: e.Agencies[hub.AgencySocialCare].ID, AreaIDs: []string{e.Areas["856"].ID}, Roles: []hub.Role{hub.RolePractitioner},
		OIDCIssuer: testIssuer, OIDCSubject: subject,
	})
	if err != nil {
		t.Fatalf("create linked user: %v", err)
	}
	return u
}

// oidcAudit returns the number of audit events and the newest one.
func oidcAudit(t *testing.T, e *apptest.Env) (int64, *hub.AuditEvent) {
	t.Helper()
	var n int64
	var evs []*hub.AuditEvent
	err := e.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		if n, err = tx.AuditSize(); err != nil {
			return err
		}
		evs, err = tx.FindAuditEvents(store.AuditFilter{Limit: 1})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) == 0 {
		return n, nil
	}
	return n, evs[0]
}

func sessionCount(t *testing.T, e *apptest.Env, userID string) int {
	t.Helper()
	var ss []*hub.Session
	err := e.Store.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		ss, err = tx.UserSessions(userID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return len(ss)
}

// TestSignInOIDC checks that a linked user gets a session like a password
// sign-in, MFA pending unless the provider reported a second factor or the
// app does not require one, and that the sign-in is audited.
func TestSignInOIDC(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		for _, tc := range []struct {
			requireMFA, idpMFA bool
			pending            bool
			detail             string
		}{
			{requireMFA: true, idpMFA: false, pending: true, detail: "oidc; second factor pending"},
			{requireMFA: true, idpMFA: true, pending: false, detail: "oidc; second factor at identity provider"},
			{requireMFA: false, idpMFA: false, pending: false, detail: "oidc"},
		} {
			e := apptest.New(t, engine, apptest.Options{RequireMFA: tc.requireMFA})
			u := newOIDCUser(t, e, "jo.linked", "subject-1")
			before, _ := oidcAudit(t, e)
			ctx := app.WithRequest(context.Background(), app.RequestInfo{ID: "req-1", Client: "192.0.2.7", UserAgent: "test"})
			login, err := e.App.SignInOIDC(ctx, testIssuer, "subject-1", tc.idpMFA)
			if err != nil {
				t.Fatalf("requireMFA=%v idpMFA=%v: SignInOIDC = %v", tc.requireMFA, tc.idpMFA, err)
			}
			if login.User.ID != u.ID || login.Token == "" || login.Session.MFAPending != tc.pending {
				t.Errorf("requireMFA=%v idpMFA=%v: login for %s, pending %v; want %s, pending %v", tc.requireMFA, tc.idpMFA, login.User.ID, login.Session.MFAPending, u.ID, tc.pending)
			}
			p, err := e.App.Authenticate(ctx, login.Token)
			if err != nil || p.User.ID != u.ID || p.MFAPending() != tc.pending {
				t.Errorf("requireMFA=%v idpMFA=%v: Authenticate(token) = %v, %v", tc.requireMFA, tc.idpMFA, p, err)
			}
			n, ev := oidcAudit(t, e)
			if n-before != 1 {
				t.Errorf("audit events written = %d, want 1", n-before)
			}
			if ev.Action != hub.ActLogin || ev.Outcome != hub.OutcomeSuccess || ev.ActorID != u.ID || ev.ObjectID != u.ID || ev.Detail != tc.detail || ev.Client != "192.0.2.7" {
				t.Errorf("requireMFA=%v idpMFA=%v: audit event %+v, want a successful login by %s with detail %q", tc.requireMFA, tc.idpMFA, ev, u.ID, tc.detail)
			}
		}
	})
}

// TestSignInOIDCRefused checks that only the exact (issuer, subject) pair
// finds an account (never the empty pair of a password-only account), that
// unknown and disabled accounts get the same answer, and that each refusal
// is audited and opens no session.
func TestSignInOIDCRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{RequireMFA: true})
		linked := newOIDCUser(t, e, "jo.linked", "subject-1")
		disabled := newOIDCUser(t, e, "jo.disabled", "subject-2")
		err := e.Store.Tx(context.Background(), func(tx *store.Tx) error {
			u, err := tx.User(disabled.ID)
			if err != nil {
				return err
			}
			u.Disabled = true
			return tx.UpdateUser(u)
		})
		if err != nil {
			t.Fatal(err)
		}
		var message string
		for _, tc := range []struct {
			name            string
			issuer, subject string
			detail          string
			actor           string
		}{
			{"unknown subject", testIssuer, "subject-9", "oidc: no account linked to this subject", ""},
			{"subject differs in case", testIssuer, "SUBJECT-1", "oidc: no account linked to this subject", ""},
			{"another issuer", "https://idp.other.example", "subject-1", "oidc: no account linked to this subject", ""},
			{"issuer with a trailing slash", testIssuer + "/", "subject-1", "oidc: no account linked to this subject", ""},
			{"empty pair (password-only accounts have it)", "", "", "oidc: token without issuer or subject", ""},
			{"empty subject", testIssuer, "", "oidc: token without issuer or subject", ""},
			{"disabled account", testIssuer, "subject-2", "oidc: account disabled", disabled.ID},
		} {
			before, _ := oidcAudit(t, e)
			login, err := e.App.SignInOIDC(context.Background(), tc.issuer, tc.subject, true)
			if login != nil || hub.ErrorCode(err) != hub.EUnauthorized {
				t.Errorf("%s: SignInOIDC = %v, %v; want an unauthorized error", tc.name, login, err)
				continue
			}
			if message == "" {
				message = hub.ErrorMessage(err)
			}
			if got := hub.ErrorMessage(err); got != message {
				t.Errorf("%s: message %q differs from %q", tc.name, got, message)
			}
			n, ev := oidcAudit(t, e)
			if n-before != 1 {
				t.Errorf("%s: audit events written = %d, want 1", tc.name, n-before)
			}
			if ev.Action != hub.ActLogin || ev.Outcome != hub.OutcomeFailure || ev.Detail != tc.detail || ev.ActorID != tc.actor {
				t.Errorf("%s: audit event %+v, want a failed login by %q with detail %q", tc.name, ev, tc.actor, tc.detail)
			}
		}
		for _, u := range []*hub.User{linked, disabled, e.Users[hub.RolePractitioner]} {
			if n := sessionCount(t, e, u.ID); n != 0 {
				t.Errorf("%s has %d sessions after refused sign-ins, want 0", u.Username, n)
			}
		}
	})
}

// TestRecordOIDCFailure checks that a refusal the web surface makes is
// audited, attributed to the linked account when the token named one.
func TestRecordOIDCFailure(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		u := newOIDCUser(t, e, "jo.linked", "subject-1")
		for _, tc := range []struct {
			issuer, subject, actor string
		}{
			{"", "", ""},
			{testIssuer, "subject-9", ""},
			{testIssuer, "subject-1", u.ID},
		} {
			before, _ := oidcAudit(t, e)
			if err := e.App.RecordOIDCFailure(context.Background(), tc.issuer, tc.subject, "oidc: state mismatch"); err != nil {
				t.Fatalf("RecordOIDCFailure = %v", err)
			}
			n, ev := oidcAudit(t, e)
			if n-before != 1 || ev.Action != hub.ActLogin || ev.Outcome != hub.OutcomeFailure || ev.Detail != "oidc: state mismatch" || ev.ActorID != tc.actor {
				t.Errorf("(%q, %q): %d events, newest %+v; want one failed login by %q", tc.issuer, tc.subject, n-before, ev, tc.actor)
			}
		}
	})
}
