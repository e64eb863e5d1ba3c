package app_test

import (
	"context"
	"errors"
	"testing"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/storetest"
)

// principalOf signs u in through the app and returns the principal.
func principalOf(t *testing.T, e *apptest.Env, u *hub.User) *app.Principal {
	t.Helper()
	ctx := context.Background()
	login, err := e.App.SignIn(ctx, u.Username, apptest.Password)
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.App.Authenticate(ctx, login.Token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPersonalTokens: a user makes a token for scripts that acts as them
// within its scopes, sees it listed, and revokes it; they cannot give it
// the health systems' flag:read scope or revoke someone else's token.
func TestPersonalTokens(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		ctx := context.Background()
		prac := principalOf(t, e, e.Users[hub.RolePractitioner])
		police := principalOf(t, e, e.Users[hub.RolePolice])

		if _, _, err := e.App.CreatePersonalToken(ctx, prac, "nightly report", []hub.Scope{hub.ScopeFlagRead}); hub.ErrorField(err) != "scopes" {
			t.Errorf("CreatePersonalToken(flag:read) = %v, want refused naming scopes", err)
		}
		if _, _, err := e.App.CreatePersonalToken(ctx, prac, "nightly report", nil); hub.ErrorField(err) != "scopes" {
			t.Errorf("CreatePersonalToken(no scopes) = %v, want refused naming scopes", err)
		}
		if _, _, err := e.App.CreatePersonalToken(ctx, prac, "", []hub.Scope{hub.ScopePersonRead}); hub.ErrorField(err) != "name" {
			t.Errorf("CreatePersonalToken(no name) = %v, want refused naming name", err)
		}
		c, token, err := e.App.CreatePersonalToken(ctx, prac, "nightly report", []hub.Scope{hub.ScopePersonRead})
		if err != nil {
			t.Fatal(err)
		}
		actor, _, err := e.App.AuthenticateToken(ctx, token)
		if err != nil {
			t.Fatalf("AuthenticateToken(new personal token) = %v", err)
		}
		if actor.ID != prac.User.ID || actor.Machine || len(actor.Scopes) != 1 || actor.Scopes[0] != hub.ScopePersonRead {
			t.Errorf("token acts as %+v, want the practitioner with person:read only", actor)
		}
		list, err := e.App.PersonalTokens(ctx, prac)
		if err != nil || len(list) != 1 || list[0].ID != c.ID {
			t.Errorf("PersonalTokens() = %v, %v; want the one token", list, err)
		}
		if others, _ := e.App.PersonalTokens(ctx, police); len(others) != 0 {
			t.Errorf("another user sees %d tokens, want none", len(others))
		}
		if err := e.App.RevokePersonalToken(ctx, police, c.ID); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("RevokePersonalToken(someone else's) = %v, want not found", err)
		}
		if err := e.App.RevokePersonalToken(ctx, prac, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.App.AuthenticateToken(ctx, token); hub.ErrorCode(err) != hub.EUnauthorized {
			t.Errorf("AuthenticateToken(revoked) = %v, want unauthorized", err)
		}
	})
}
