// Package app holds Safehub's use cases: what a signed-in person or a
// machine client can do, each as one method that checks access, validates,
// runs in one transaction and writes its audit event in that transaction.
//
// Surfaces (web, api, cmd) call app; app calls the store. App uses the
// store's concrete types: there is one store with two engines behind it, and
// tests run against both real engines rather than a fake.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Config holds the settings use cases need.
type Config struct {
	// IdleTimeout ends a session after this long without a request;
	// AbsoluteTimeout ends it this long after sign-in whatever happens.
	IdleTimeout     time.Duration
	AbsoluteTimeout time.Duration
	// RequireMFA makes every interactive account enrol and use TOTP. Only
	// demo mode turns it off.
	RequireMFA bool
	// BreakGlassDuration is how long a break-glass grant lasts.
	BreakGlassDuration time.Duration
	// TOTPIssuer names the service in authenticator apps.
	TOTPIssuer string
	// PasswordParams are the argon2id parameters for new hashes.
	PasswordParams auth.Params
	// PasswordPolicy sets the password rules.
	PasswordPolicy auth.PasswordPolicy
	// Missing holds the local rules of missing episodes, return home
	// interviews and NRM referrals (issue 4, part C: the repeat-missing
	// rule, the RHI and NRM timescales, Philomena reviews).
	Missing MissingConfig
	// Flags configures health flags (categories, review interval,
	// referral services, the hub's consultation line).
	Flags FlagConfig
	// Cases configures casework part B (issue 4): case reviews, notes,
	// attachments and service pathways.
	Cases CaseConfig
	// Referrals configures casework part A (issue 4): referrals, the
	// combined risk assessment's screening tool and review intervals, and
	// the deadline job.
	Referrals ReferralConfig
	// Shares configures cross-border sharing (issue 6): lawful bases,
	// purposes, expiry limits and which parts need approval.
	Shares ShareConfig
}

// DefaultConfig returns the production defaults (security.md SEC-16: idle
// 15 minutes, absolute 10 hours, one shift).
func DefaultConfig() Config {
	return Config{
		IdleTimeout:        15 * time.Minute,
		AbsoluteTimeout:    10 * time.Hour,
		RequireMFA:         true,
		BreakGlassDuration: 4 * time.Hour,
		TOTPIssuer:         "Safehub",
		PasswordParams:     auth.DefaultParams,
		PasswordPolicy:     auth.DefaultPasswordPolicy,
		Missing:            DefaultMissingConfig(),
		Flags:              DefaultFlagConfig(),
		Cases:              DefaultCaseConfig(),
		Referrals:          DefaultReferralConfig(),
		Shares:             DefaultShareConfig(),
	}
}

// App is the use-case layer.
type App struct {
	db       *store.DB
	cfg      Config
	clock    hub.Clock
	log      *slog.Logger
	hasher   *auth.Hasher
	throttle *auth.Throttle
	sender   Sender
	// deliveries counts notifications committed but not yet handed to
	// the sender.
	deliveries sync.WaitGroup
}

// New returns an App over db.
func New(db *store.DB, cfg Config, clock hub.Clock, log *slog.Logger) (*App, error) {
	if clock == nil {
		clock = hub.SystemClock{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	hasher, err := auth.NewHasher(cfg.PasswordParams, 0)
	if err != nil {
		return nil, err
	}
	return &App{
		db:       db,
		cfg:      cfg,
		clock:    clock,
		log:      log,
		hasher:   hasher,
		throttle: auth.NewThrottle(func() time.Time { return clock.Now() }),
		sender:   LogSender{Log: log},
	}, nil
}

// Config returns the app's configuration.
func (a *App) Config() Config { return a.cfg }

// DB returns the store, for the CLI's maintenance commands.
func (a *App) DB() *store.DB { return a.db }

// Now returns the app clock's time in UTC.
func (a *App) Now() time.Time { return a.clock.Now().UTC() }

// Today returns today's date in Europe/London, the date staff mean.
func (a *App) Today() hub.Date { return hub.DateOf(a.Now().In(London)) }

// London is the time zone every date and time is shown in.
var London = mustLoadLocation("Europe/London")

// RequestInfo describes the request a use case runs for, for the audit log.
type RequestInfo struct {
	ID        string
	Client    string
	UserAgent string
	// Purpose is the reason the actor gave, where the surface asks for one.
	Purpose string
}

type requestKey struct{}

// WithRequest returns a context carrying request information.
func WithRequest(ctx context.Context, ri RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, ri)
}

// Request returns the request information carried by ctx.
func Request(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(requestKey{}).(RequestInfo)
	return ri
}

// event starts an audit event for actor a in ctx.
func event(ctx context.Context, a *access.Actor, action, objectType, objectID string) *hub.AuditEvent {
	ri := Request(ctx)
	e := &hub.AuditEvent{
		Action:     action,
		ObjectType: objectType,
		ObjectID:   objectID,
		Outcome:    hub.OutcomeSuccess,
		RequestID:  ri.ID,
		Client:     ri.Client,
		Purpose:    ri.Purpose,
	}
	if a != nil {
		e.ActorID, e.ActorName, e.AgencyID, e.Role = a.ID, a.Name, a.AgencyID, a.Role()
	}
	return e
}

// SharedKey returns a 32-byte secret key shared by every server of this
// database, made at random the first time it is asked for (for example
// the key that signs a sign-in flow's cookie, so that the callback may
// reach another server than the one that began the flow).
func (a *App) SharedKey(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, err
	}
	var v string
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		v, err = tx.SettingOrSet("key."+name, base64.RawStdEncoding.EncodeToString(fresh))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("shared key %s: %w", name, err)
	}
	k, err := base64.RawStdEncoding.DecodeString(v)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("shared key %s: the stored key is malformed", name)
	}
	return k, nil
}
