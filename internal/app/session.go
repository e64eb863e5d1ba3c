package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Token prefixes make a leaked secret recognisable.
const (
	sessionTokenPrefix = auth.SessionTokenPrefix
	apiTokenPrefix     = auth.APIKeyPrefix
)

// errBadLogin is the one answer to every failed sign-in, so that a wrong
// username and a wrong password look the same (SEC-10).
var errBadLogin = hub.Errorf(hub.EUnauthorized, "the username or password is not right")

// errSessionEnded asks the person to sign in again.
var errSessionEnded = hub.Errorf(hub.EUnauthorized, "you have been signed out; sign in again")

// Principal is who a request is from: the session and user for a browser,
// and the access actor the policy decides for.
type Principal struct {
	Session *hub.Session
	User    *hub.User
	Agency  *hub.Agency
	Actor   *access.Actor
	// Token is the session token, when the principal came from one.
	Token string
}

// MFAPending reports whether the session still needs its second factor.
func (p *Principal) MFAPending() bool { return p.Session != nil && p.Session.MFAPending }

// Login is the result of a successful password check.
type Login struct {
	Token   string
	User    *hub.User
	Session *hub.Session
}

// SignIn checks a username and password and opens a session. When MFA is
// required the session is "MFA pending" and reaches only the MFA pages.
// Attempts are throttled per account and per client address, never locked
// out for good.
func (a *App) SignIn(ctx context.Context, username, password string) (*Login, error) {
	ri := Request(ctx)
	keys := []string{"user:" + username, "ip:" + ri.Client}
	for _, k := range keys {
		if ok, wait := a.throttle.Allow(k); !ok {
			a.auditAnon(ctx, hub.ActLogin, hub.OutcomeDenied, "throttled")
			return nil, hub.Errorf(hub.ETooMany, "too many sign-in attempts; wait %s and try again", roundUp(wait))
		}
	}
	var u *hub.User
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByUsername(username)
		return err
	})
	if err != nil && !errors.Is(err, hub.ErrNotFound) {
		return nil, err
	}
	fail := func(detail string, u *hub.User) (*Login, error) {
		for _, k := range keys {
			a.throttle.Failure(k)
		}
		e := event(ctx, nil, hub.ActLogin, "user", "")
		e.Outcome, e.Detail = hub.OutcomeFailure, detail
		if u != nil {
			e.ActorID, e.ActorName, e.AgencyID, e.ObjectID = u.ID, u.Username, u.AgencyID, u.ID
		}
		if err := a.db.Tx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(e) }); err != nil {
			return nil, err
		}
		return nil, errBadLogin
	}
	if u == nil || u.PasswordHash == "" {
		a.hasher.DummyVerify(password)
		return fail("unknown username or no password", nil)
	}
	ok, rehash, err := a.hasher.Verify(password, u.PasswordHash)
	if err != nil {
		a.log.Error("stored password hash unreadable", "user_id", u.ID, "err", err)
		return fail("stored hash unreadable", u)
	}
	if !ok {
		return fail("wrong password", u)
	}
	if u.Disabled {
		return fail("account disabled", u)
	}
	for _, k := range keys {
		a.throttle.Success(k)
	}
	var rehashed string
	if rehash {
		if h, err := a.hasher.Hash(password); err == nil {
			rehashed = h
		}
	}
	detail := "password"
	if a.cfg.RequireMFA {
		detail = "password; second factor pending"
	}
	return a.openSession(ctx, u, a.cfg.RequireMFA, detail, func(tx *store.Tx) error {
		if rehashed == "" {
			return nil
		}
		cur, err := tx.User(u.ID)
		if err != nil {
			return err
		}
		cur.PasswordHash = rehashed
		if err := tx.UpdateUser(cur); err != nil && !errors.Is(err, hub.ErrConflict) {
			return err
		}
		return nil
	})
}

// openSession starts a session for u after a successful first factor
// (password or identity provider): a new random token, the session row and
// the "login" audit event, in one transaction with whatever also does.
func (a *App) openSession(ctx context.Context, u *hub.User, mfaPending bool, detail string, also func(tx *store.Tx) error) (*Login, error) {
	ri := Request(ctx)
	token, hash := auth.NewToken(sessionTokenPrefix)
	var s *hub.Session
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		s = &hub.Session{
			IDHash:     hash,
			UserID:     u.ID,
			MFAPending: mfaPending,
			CreatedAt:  tx.Now(),
			LastSeenAt: tx.Now(),
			ExpiresAt:  tx.Now().Add(a.cfg.AbsoluteTimeout),
			Client:     ri.Client,
			UserAgent:  truncate(ri.UserAgent, 200),
		}
		if err := tx.CreateSession(s); err != nil {
			return err
		}
		e := event(ctx, nil, hub.ActLogin, "user", u.ID)
		e.ActorID, e.ActorName, e.AgencyID, e.Role = u.ID, u.Username, u.AgencyID, firstRole(u)
		e.Detail = detail
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return &Login{Token: token, User: u, Session: s}, nil
}

// Authenticate finds the session for a token, ends it if it has been idle
// too long or reached its absolute lifetime or its user is disabled, and
// returns the principal. Every failure is errSessionEnded.
func (a *App) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" {
		return nil, errSessionEnded
	}
	hash := auth.HashToken(token)
	now := a.Now()
	var p *Principal
	var expired bool
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		s, err := tx.Session(hash)
		if err != nil {
			return err
		}
		if !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) >= a.cfg.IdleTimeout {
			expired = true
			return nil
		}
		u, err := tx.User(s.UserID)
		if err != nil {
			return err
		}
		if u.Disabled {
			expired = true
			return nil
		}
		ag, err := tx.Agency(u.AgencyID)
		if err != nil {
			return err
		}
		p = &Principal{Session: s, User: u, Agency: ag, Actor: actorFor(u, ag), Token: token}
		return nil
	})
	if errors.Is(err, hub.ErrNotFound) {
		return nil, errSessionEnded
	}
	if err != nil {
		return nil, err
	}
	if expired {
		if err := a.db.Tx(ctx, func(tx *store.Tx) error { return tx.DeleteSession(hash) }); err != nil {
			return nil, err
		}
		return nil, errSessionEnded
	}
	// Record activity at most every 30 seconds: enough for a 15-minute idle
	// timeout, and most requests then write nothing.
	if now.Sub(p.Session.LastSeenAt) > 30*time.Second {
		if err := a.db.Tx(ctx, func(tx *store.Tx) error { return tx.TouchSession(hash, now) }); err != nil {
			return nil, err
		}
		p.Session.LastSeenAt = now
	}
	return p, nil
}

func actorFor(u *hub.User, ag *hub.Agency) *access.Actor {
	return &access.Actor{
		ID:         u.ID,
		Name:       u.Username,
		AgencyID:   u.AgencyID,
		AgencyKind: ag.Kind,
		Roles:      u.Roles,
		AreaIDs:    u.AreaIDs,
	}
}

// SignOut ends the principal's session.
func (a *App) SignOut(ctx context.Context, p *Principal) error {
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSession(p.Session.IDHash); err != nil {
			return err
		}
		return tx.AppendAudit(event(ctx, p.Actor, hub.ActLogout, "user", p.User.ID))
	})
}

// MFAEnrolment is what the enrolment page shows: the secret as a QR code
// and as text for typing into an app.
type MFAEnrolment struct {
	Secret string
	URL    string
	QRPNG  []byte
}

// StartMFAEnrolment gives an MFA-pending principal who has not enrolled a
// TOTP secret to add to an authenticator app. An unconfirmed secret made
// earlier is shown again, so a code mistyped after scanning still works
// with the same app entry.
func (a *App) StartMFAEnrolment(ctx context.Context, p *Principal) (*MFAEnrolment, error) {
	if p.User.MFAEnrolled {
		return nil, hub.Errorf(hub.EConflict, "an authenticator is already set up for this account; ask an administrator to reset it")
	}
	var key *otp.Key
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(p.User.ID)
		if err != nil {
			return err
		}
		if u.MFASecret != "" && !u.MFAEnrolled {
			key, err = auth.TOTPKeyFromSecret(a.cfg.TOTPIssuer, u.Username, u.MFASecret)
			return err
		}
		if key, err = auth.NewTOTPKey(a.cfg.TOTPIssuer, u.Username); err != nil {
			return err
		}
		u.MFASecret, u.MFAEnrolled, u.MFALastStep = key.Secret(), false, 0
		return tx.UpdateUser(u)
	})
	if err != nil {
		return nil, err
	}
	png, err := auth.TOTPQRCodePNG(key, 240)
	if err != nil {
		return nil, err
	}
	return &MFAEnrolment{Secret: key.Secret(), URL: key.URL(), QRPNG: png}, nil
}

// CompleteMFA checks a TOTP code for an MFA-pending session (confirming
// enrolment if the user has just enrolled) and, when it is right, replaces
// the session with a fresh, fully signed-in one: the token changes, so a
// token seen before sign-in is worthless after. Returns the new token.
func (a *App) CompleteMFA(ctx context.Context, p *Principal, code string) (string, error) {
	key := "mfa:" + p.User.ID
	if ok, wait := a.throttle.Allow(key); !ok {
		a.auditUser(ctx, p, hub.ActMFA, hub.OutcomeDenied, "throttled")
		return "", hub.Errorf(hub.ETooMany, "too many wrong codes; wait %s and try again", roundUp(wait))
	}
	token, hash := auth.NewToken(sessionTokenPrefix)
	var bad error
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(p.User.ID)
		if err != nil {
			return err
		}
		if u.MFASecret == "" {
			return hub.Errorf(hub.EConflict, "set up an authenticator first")
		}
		step, err := auth.CheckTOTP(u.MFASecret, code, tx.Now(), u.MFALastStep)
		if err != nil {
			bad = err
			e := event(ctx, p.Actor, hub.ActMFA, "user", u.ID)
			e.Outcome, e.Detail = hub.OutcomeFailure, "wrong or reused code"
			return tx.AppendAudit(e)
		}
		enrolling := !u.MFAEnrolled
		u.MFAEnrolled, u.MFALastStep = true, step
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if err := tx.DeleteSession(p.Session.IDHash); err != nil {
			return err
		}
		s := *p.Session
		s.IDHash, s.MFAPending, s.LastSeenAt = hash, false, tx.Now()
		if err := tx.CreateSession(&s); err != nil {
			return err
		}
		e := event(ctx, p.Actor, hub.ActMFA, "user", u.ID)
		e.Detail = "second factor accepted"
		if enrolling {
			e.Detail = "authenticator enrolled"
		}
		return tx.AppendAudit(e)
	})
	if err != nil {
		return "", err
	}
	if bad != nil {
		a.throttle.Failure(key)
		if errors.Is(bad, auth.ErrReplay) {
			return "", hub.Invalid("code", "this code has already been used; wait for the next one")
		}
		return "", hub.Invalid("code", "the code is not right; check the time on your phone and try the current code")
	}
	a.throttle.Success(key)
	return token, nil
}

// ChangePassword changes the principal's own password after checking the
// current one. With endOthers set, every other session of the user ends.
func (a *App) ChangePassword(ctx context.Context, p *Principal, current, next string, endOthers bool) error {
	if ok, wait := a.throttle.Allow("pw:" + p.User.ID); !ok {
		return hub.Errorf(hub.ETooMany, "too many attempts; wait %s and try again", roundUp(wait))
	}
	ok, _, err := a.hasher.Verify(current, p.User.PasswordHash)
	if err != nil || !ok {
		a.throttle.Failure("pw:" + p.User.ID)
		a.auditUser(ctx, p, hub.ActUpdate, hub.OutcomeFailure, "password change: current password wrong")
		return hub.Invalid("current_password", "is not right")
	}
	if err := a.cfg.PasswordPolicy.Check(next, p.User.Username, p.User.DisplayName, p.Agency.Name); err != nil {
		return err
	}
	if next == current {
		return hub.Invalid("new_password", "must differ from the current password")
	}
	h, err := a.hasher.Hash(next)
	if err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(p.User.ID)
		if err != nil {
			return err
		}
		u.PasswordHash, u.PasswordChangedAt = h, tx.Now()
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		e := event(ctx, p.Actor, hub.ActUpdate, "user", u.ID)
		e.Detail = "password changed"
		if endOthers {
			n, err := tx.DeleteUserSessions(u.ID, p.Session.IDHash)
			if err != nil {
				return err
			}
			e.Detail += fmt.Sprintf("; %d other sessions ended", n)
		}
		return tx.AppendAudit(e)
	})
}

// Sessions lists the principal's sessions.
func (a *App) Sessions(ctx context.Context, p *Principal) ([]*hub.Session, error) {
	var out []*hub.Session
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.UserSessions(p.User.ID)
		return err
	})
	return out, err
}

// EndOtherSessions ends every session of the principal's user but this one.
func (a *App) EndOtherSessions(ctx context.Context, p *Principal) (int64, error) {
	var n int64
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.DeleteUserSessions(p.User.ID, p.Session.IDHash)
		if err != nil {
			return err
		}
		e := event(ctx, p.Actor, hub.ActLogout, "user", p.User.ID)
		e.Detail = fmt.Sprintf("%d other sessions ended", n)
		return tx.AppendAudit(e)
	})
	return n, err
}

// auditAnon records an authentication event with no known actor.
func (a *App) auditAnon(ctx context.Context, action, outcome, detail string) {
	e := event(ctx, nil, action, "user", "")
	e.Outcome, e.Detail = outcome, detail
	if err := a.db.Tx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(e) }); err != nil {
		a.log.Error("audit write failed", "action", action, "err", err)
	}
}

func (a *App) auditUser(ctx context.Context, p *Principal, action, outcome, detail string) {
	e := event(ctx, p.Actor, action, "user", p.User.ID)
	e.Outcome, e.Detail = outcome, detail
	if err := a.db.Tx(ctx, func(tx *store.Tx) error { return tx.AppendAudit(e) }); err != nil {
		a.log.Error("audit write failed", "action", action, "err", err)
	}
}

func firstRole(u *hub.User) string {
	if len(u.Roles) == 0 {
		return ""
	}
	return string(u.Roles[0])
}

func roundUp(d time.Duration) string {
	if d < time.Second {
		d = time.Second
	}
	return d.Round(time.Second).String()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
