package app

import (
	"context"
	"errors"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// errOIDCNoAccount is the one answer to a verified identity-provider sign-in
// that finds no account that may sign in, so that an unknown subject and a
// disabled account look the same.
var errOIDCNoAccount = hub.Errorf(hub.EUnauthorized, "your organisation's account cannot be used to sign in to Safehub; ask your Safehub administrator")

// SignInOIDC opens a session for the user an identity provider has vouched
// for. issuer and subject come from an ID token the caller has verified
// (signature, issuer, audience, expiry and nonce); the account is found by
// that pair alone, never by email address (security.md SEC-13). mfa says
// whether the identity provider reported a second factor: if it did the
// session is complete, and otherwise, when the app requires MFA, it is MFA
// pending exactly as after a password, and the user must enter their
// Safehub code.
//
// An unknown subject and a disabled account are refused with the same
// EUnauthorized error, and audited as failures.
func (a *App) SignInOIDC(ctx context.Context, issuer, subject string, mfa bool) (*Login, error) {
	refuse := func(u *hub.User, detail string) (*Login, error) {
		if err := a.auditOIDCFailure(ctx, u, detail); err != nil {
			return nil, err
		}
		return nil, errOIDCNoAccount
	}
	if issuer == "" || subject == "" {
		// Accounts with no link have an empty pair; never match those.
		return refuse(nil, "oidc: token without issuer or subject")
	}
	var u *hub.User
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByOIDC(issuer, subject)
		return err
	})
	if errors.Is(err, hub.ErrNotFound) {
		return refuse(nil, "oidc: no account linked to this subject")
	}
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return refuse(u, "oidc: account disabled")
	}
	pending := a.cfg.RequireMFA && !mfa
	detail := "oidc"
	switch {
	case pending:
		detail = "oidc; second factor pending"
	case mfa:
		detail = "oidc; second factor at identity provider"
	}
	return a.openSession(ctx, u, pending, detail, nil)
}

// RecordOIDCFailure audits an identity-provider sign-in that the web surface
// refused before it could call SignInOIDC: a missing or mismatched state, an
// error from the provider, a token that failed verification, a wrong nonce,
// or no second factor where one is required. detail is a short,
// non-personal note ("oidc: state mismatch"). issuer and subject, when they
// come from a verified token, attribute the event to the linked account if
// there is one; pass them empty otherwise.
//
// It returns an error only when the audit event cannot be written.
func (a *App) RecordOIDCFailure(ctx context.Context, issuer, subject, detail string) error {
	var u *hub.User
	if issuer != "" && subject != "" {
		err := a.db.Read(ctx, func(tx *store.Tx) error {
			var err error
			u, err = tx.UserByOIDC(issuer, subject)
			return err
		})
		if err != nil && !errors.Is(err, hub.ErrNotFound) {
			return err
		}
	}
	return a.auditOIDCFailure(ctx, u, detail)
}

// auditOIDCFailure writes the audit event for a refused identity-provider
// sign-in, attributed to u when it is known.
func (a *App) auditOIDCFailure(ctx context.Context, u *hub.User, detail string) error {
	e := event(ctx, nil, hub.ActLogin, "user", "")
	e.Outcome, e.Detail = hub.OutcomeFailure, truncate(detail, 200)
	if u != nil {
		e.ActorID, e.ActorName, e.AgencyID, e.ObjectID = u.ID, u.Username, u.AgencyID, u.ID
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(e) })
}
