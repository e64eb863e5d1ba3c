// Package httpx holds what Safehub's HTTP surfaces (web UI, JSON API) share:
// the route description that the access-matrix test reads, the request's
// principal and metadata in its context, and the one mapping from domain
// error codes to HTTP status codes.
//
// It imports hub, access and app; the surfaces import it.
package httpx

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
)

// Auth says what a route requires of the request before its handler runs.
type Auth int

// Authentication levels.
const (
	// Public routes need nothing: sign-in pages, health checks, static files.
	Public Auth = iota
	// MFAPending routes need a session that has passed the password but may
	// still lack its second factor: the MFA pages and sign-out.
	MFAPending
	// Session routes need a fully signed-in browser session.
	Session
	// Token routes need a bearer token (JSON API and FHIR).
	Token
)

func (a Auth) String() string {
	switch a {
	case Public:
		return "public"
	case MFAPending:
		return "mfa-pending"
	case Session:
		return "session"
	case Token:
		return "token"
	}
	return "unknown"
}

// Route is one entry of a surface's route table.
type Route struct {
	// Pattern is the http.ServeMux pattern, "METHOD /path/{id}".
	Pattern string
	Auth    Auth
	// Action is the function-level permission the route needs; empty for
	// routes any authenticated principal may use.
	Action  access.Action
	Handler http.Handler
	// Errors, if set, renders the guard's refusals for this route (the
	// FHIR API answers with OperationOutcome); otherwise the web surface
	// renders them for browser routes and the JSON API for token routes.
	Errors ErrorRenderer
	// MaxBodyBytes, if set, bounds this route's request body instead of the
	// server's limit (attachment uploads need more than a form).
	MaxBodyBytes int64
	// Authenticate, if set, checks a Token route's bearer token instead of
	// app.AuthenticateToken (the FHIR look-up checks tokens from a cache
	// and again inside the transaction that records each look-up).
	Authenticate func(ctx context.Context, token string) (*access.Actor, error)
}

// ErrorRenderer writes an error response in a surface's own format.
type ErrorRenderer interface {
	RenderError(w http.ResponseWriter, r *http.Request, err error)
}

type ctxKey int

const (
	principalKey ctxKey = iota
	actorKey
	nonceKey
	slotKey
)

// ActorSlot carries the request's actor back out to the middleware that
// started the request (for the access log), since authentication happens
// further in, on a derived request.
type ActorSlot struct{ Actor *access.Actor }

// WithActorSlot returns a context carrying an empty slot.
func WithActorSlot(ctx context.Context) (context.Context, *ActorSlot) {
	s := &ActorSlot{}
	return context.WithValue(ctx, slotKey, s), s
}

func fillSlot(ctx context.Context, a *access.Actor) {
	if s, ok := ctx.Value(slotKey).(*ActorSlot); ok {
		s.Actor = a
	}
}

// WithPrincipal stores the signed-in principal in ctx.
func WithPrincipal(ctx context.Context, p *app.Principal) context.Context {
	ctx = context.WithValue(ctx, principalKey, p)
	if p != nil && p.Actor != nil {
		ctx = context.WithValue(ctx, actorKey, p.Actor)
		fillSlot(ctx, p.Actor)
	}
	return ctx
}

// PrincipalFrom returns the signed-in principal, or nil.
func PrincipalFrom(ctx context.Context) *app.Principal {
	p, _ := ctx.Value(principalKey).(*app.Principal)
	return p
}

// WithActor stores the acting principal (session user or token) in ctx.
func WithActor(ctx context.Context, a *access.Actor) context.Context {
	fillSlot(ctx, a)
	return context.WithValue(ctx, actorKey, a)
}

// ActorFrom returns the actor of the request, or nil.
func ActorFrom(ctx context.Context) *access.Actor {
	a, _ := ctx.Value(actorKey).(*access.Actor)
	return a
}

// WithNonce stores the response's CSP nonce.
func WithNonce(ctx context.Context, n string) context.Context {
	return context.WithValue(ctx, nonceKey, n)
}

// NonceFrom returns the response's CSP nonce.
func NonceFrom(ctx context.Context) string {
	n, _ := ctx.Value(nonceKey).(string)
	return n
}

// NewRequestID returns a random request identifier.
func NewRequestID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
}

// RequestID returns the request's id, set by the server's middleware.
func RequestID(ctx context.Context) string { return app.Request(ctx).ID }

// Status maps a domain error to an HTTP status code. This is the only place
// where codes meet statuses.
func Status(err error) int {
	switch hub.ErrorCode(err) {
	case "":
		return http.StatusOK
	case hub.EInvalid:
		return http.StatusBadRequest
	case hub.ENotFound:
		return http.StatusNotFound
	case hub.EConflict:
		return http.StatusConflict
	case hub.EUnauthorized:
		return http.StatusUnauthorized
	case hub.EForbidden:
		return http.StatusForbidden
	case hub.ETooLarge:
		return http.StatusRequestEntityTooLarge
	case hub.ETooMany:
		return http.StatusTooManyRequests
	case hub.EUnavailable:
		return http.StatusServiceUnavailable
	case hub.EMethod:
		return http.StatusMethodNotAllowed
	case hub.EUnsupported:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON API's error shape.
type ErrorBody struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// LogError logs unexpected errors in full (domain errors are expected and
// logged by the access log's status alone).
func LogError(log *slog.Logger, r *http.Request, err error) {
	if Status(err) >= 500 {
		log.Error("request failed", "request_id", RequestID(r.Context()), "method", r.Method, "route", r.Pattern, "err", err)
	}
}

// WriteJSONError writes err as the API's error body with its status.
func WriteJSONError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	LogError(log, r, err)
	status := Status(err)
	body := ErrorBody{Code: hub.ErrorCode(err), Message: hub.ErrorMessage(err), Field: hub.ErrorField(err), RequestID: RequestID(r.Context())}
	if status >= 500 {
		body.Code, body.Message = hub.EInternal, "internal error"
		if status == http.StatusServiceUnavailable {
			body.Code, body.Message = hub.EUnavailable, hub.ErrorMessage(err)
		}
	}
	WriteJSON(w, status, body)
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

// IsClientError reports whether err is the caller's fault.
func IsClientError(err error) bool {
	s := Status(err)
	return s >= 400 && s < 500
}

// ErrMethodNotAllowed and friends are small helpers for handlers.
var errNoPrincipal = errors.New("no principal in request context")

// MustActor returns the request's actor or panics: routes that need one are
// only reached through the authentication middleware.
func MustActor(r *http.Request) *access.Actor {
	a := ActorFrom(r.Context())
	if a == nil {
		panic(errNoPrincipal)
	}
	return a
}
