// Package server composes Safehub's HTTP surfaces (the web UI, the JSON API,
// /healthz and /metrics) into one handler, and wraps every route in the
// shared middleware: request id, panic recovery, access log, security
// headers, body limits, cross-origin protection, authentication and the
// function-level access check.
//
// Every route comes from a surface's route table; Routes returns the
// combined table so the access-matrix test can walk it.
package server

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Config configures the HTTP layer.
type Config struct {
	// TLS says the server is reached over HTTPS (directly or through a
	// proxy), which turns on HSTS.
	TLS bool
	// MaxBodyBytes bounds request bodies (default 1 MiB).
	MaxBodyBytes int64
	// TrustedProxies are the addresses whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// TrustedOrigins may make cross-origin state-changing requests (exact
	// origins, e.g. "https://hub.example.org" behind a proxy that rewrites Host).
	TrustedOrigins []string
	// MetricsToken, if set, lets a scraper read /metrics from anywhere with
	// "Authorization: Bearer <token>". Without it, /metrics answers only
	// direct requests from the machine itself.
	MetricsToken string
}

// Surface is a set of routes: the web UI or the JSON API.
type Surface interface {
	Routes() []httpx.Route
}

// ErrorRenderer renders the answer to a request that lacks the
// authentication its route needs, or that the actor's roles do not allow.
// The web surface renders pages; the API answers JSON.
type ErrorRenderer = httpx.ErrorRenderer

// PrefixSurface is an extra surface that owns every path under a prefix
// (the FHIR API under /fhir/), and renders errors for unmatched paths there.
type PrefixSurface interface {
	Surface
	ErrorRenderer
	Prefix() string
}

// Server is the composed handler.
type Server struct {
	cfg     Config
	app     *app.App
	log     *slog.Logger
	reg     *prometheus.Registry
	routes  []httpx.Route
	extra   []PrefixSurface
	mux     *http.ServeMux
	handler http.Handler

	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	web ErrorRenderer
	api ErrorRenderer

	// bodyLimits are the routes' own body limits, by pattern.
	bodyLimits map[string]int64
}

// New composes the surfaces. web renders errors for browser routes and api
// for token routes.
func New(cfg Config, a *app.App, log *slog.Logger, web, api interface {
	Surface
	ErrorRenderer
}, extra ...PrefixSurface) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	s := &Server{cfg: cfg, app: a, log: log, web: web, api: api}
	s.reg = prometheus.NewRegistry()
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "safehub_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "safehub_http_request_seconds", Help: "HTTP request duration by route.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16)}, []string{"route"})
	s.reg.MustRegister(s.requests, s.duration)

	s.routes = append(s.routes,
		httpx.Route{Pattern: "GET /healthz", Auth: httpx.Public, Handler: http.HandlerFunc(s.healthz)},
		httpx.Route{Pattern: "GET /metrics", Auth: httpx.Public, Handler: s.metricsOnly(promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))},
		httpx.Route{Pattern: "POST /csp-report", Auth: httpx.Public, Handler: http.HandlerFunc(s.cspReport)},
	)
	s.routes = append(s.routes, web.Routes()...)
	s.routes = append(s.routes, api.Routes()...)
	s.extra = extra
	for _, x := range extra {
		s.routes = append(s.routes, x.Routes()...)
	}

	mux := http.NewServeMux()
	s.bodyLimits = map[string]int64{}
	for _, rt := range s.routes {
		mux.Handle(rt.Pattern, s.guard(rt))
		if rt.MaxBodyBytes > 0 {
			s.bodyLimits[rt.Pattern] = rt.MaxBodyBytes
		}
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			log.Warn("ignoring trusted origin", "origin", o, "err", err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorsFor(r.URL.Path).RenderError(w, r, httpx.ErrCrossOrigin)
	}))
	s.mux = mux
	s.handler = s.outer(cop.Handler(http.HandlerFunc(s.route)))
	return s
}

// Registry returns the metrics registry, for other components' collectors.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Routes returns the combined route table.
func (s *Server) Routes() []httpx.Route { return s.routes }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// outer is the middleware every request passes, matched or not.
func (s *Server) outer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := httpx.NewRequestID()
		nonce := newNonce()
		ctx := app.WithRequest(r.Context(), app.RequestInfo{ID: rid, Client: s.clientAddr(r), UserAgent: r.UserAgent()})
		ctx = httpx.WithNonce(ctx, nonce)
		ctx, slot := httpx.WithActorSlot(ctx)
		r = r.WithContext(ctx)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		s.headers(rec.Header(), r, nonce)
		rec.Header().Set("X-Request-Id", rid)
		r.Body = http.MaxBytesReader(rec, r.Body, s.bodyLimit(r))
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic", "request_id", rid, "panic", fmt.Sprint(v), "route", r.Pattern)
				if !rec.wrote {
					rec.Header().Set("Cache-Control", "no-store")
					s.web.RenderError(rec, r, errPanic)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			d := time.Since(start)
			s.requests.WithLabelValues(route, strconv.Itoa(rec.status)).Inc()
			s.duration.WithLabelValues(route).Observe(d.Seconds())
			// The access log names the route pattern, never the path's query
			// string, and no personal data.
			attrs := []any{"request_id", rid, "method", r.Method, "route", route, "status", rec.status, "duration_ms", float64(d.Microseconds()) / 1000, "bytes", rec.bytes}
			if slot.Actor != nil {
				attrs = append(attrs, "actor_id", slot.Actor.ID)
			}
			s.log.Info("http", attrs...)
		}()
		next.ServeHTTP(rec, r)
	})
}

var errPanic = errors.New("internal error")

// bodyLimit is the limit on r's body: its route's own, if it has one
// (attachment uploads), or the server's.
func (s *Server) bodyLimit(r *http.Request) int64 {
	if len(s.bodyLimits) > 0 && s.mux != nil {
		if _, p := s.mux.Handler(r); p != "" {
			if n, ok := s.bodyLimits[p]; ok {
				return n
			}
		}
	}
	return s.cfg.MaxBodyBytes
}

// route dispatches through the mux, answering requests that match no route
// with the surfaces' own 404 and 405 pages rather than the mux's plain text.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	errs := s.errorsFor(r.URL.Path)
	if len(allow) > 0 {
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		errs.RenderError(w, r, errMethod)
		return
	}
	errs.RenderError(w, r, errNoRoute)
}

// errorsFor is the surface that answers errors for a path that no route
// handled: the JSON API under /api/, an extra surface under its prefix, the
// web pages elsewhere.
func (s *Server) errorsFor(path string) ErrorRenderer {
	for _, x := range s.extra {
		if strings.HasPrefix(path, x.Prefix()) {
			return x
		}
	}
	if strings.HasPrefix(path, "/api/") {
		return s.api
	}
	return s.web
}

var (
	errNoRoute = hub.NotFound("page")
	errMethod  = &hub.Error{Code: hub.EMethod, Message: "this method is not allowed here"}
)

// headers sets the security headers every response carries (SEC-31).
func (s *Server) headers(h http.Header, r *http.Request, nonce string) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; report-uri /csp-report")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	if s.cfg.TLS {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
}

func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// clientAddr is the request's client address: the connection's peer, or the
// last untrusted address in X-Forwarded-For when the peer is a trusted proxy.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || len(s.cfg.TrustedProxies) == 0 || !s.trusted(peer) {
		return host
	}
	xff := r.Header.Values("X-Forwarded-For")
	var hops []string
	for _, v := range xff {
		for _, h := range strings.Split(v, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return host
		}
		if !s.trusted(a) {
			return a.String()
		}
	}
	return host
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// guard wraps a route's handler in its authentication and function-level
// access check.
func (s *Server) guard(rt httpx.Route) http.Handler {
	h := rt.Handler
	var errs ErrorRenderer = s.web
	if rt.Auth == httpx.Token {
		errs = s.api
	}
	if rt.Errors != nil {
		errs = rt.Errors
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch rt.Auth {
		case httpx.Public:
			h.ServeHTTP(w, r)
			return
		case httpx.Token:
			tok, ok := bearer(r)
			if !ok {
				w.Header().Set("WWW-Authenticate", `Bearer realm="safehub"`)
				errs.RenderError(w, r, httpx.ErrNoToken)
				return
			}
			var actor *access.Actor
			var err error
			if rt.Authenticate != nil {
				actor, err = rt.Authenticate(r.Context(), tok)
			} else {
				actor, _, err = s.app.AuthenticateToken(r.Context(), tok)
			}
			if err != nil {
				w.Header().Set("WWW-Authenticate", `Bearer realm="safehub", error="invalid_token"`)
				errs.RenderError(w, r, err)
				return
			}
			r = r.WithContext(httpx.WithActor(r.Context(), actor))
			w.Header().Set("Cache-Control", "no-store")
		default:
			c, err := r.Cookie(httpx.SessionCookie)
			if err != nil {
				errs.RenderError(w, r, httpx.ErrNoSession)
				return
			}
			p, err := s.app.Authenticate(r.Context(), c.Value)
			if err != nil {
				// Forget the cookie only when the session has ended, not
				// when the store failed to answer.
				if httpx.Status(err) == http.StatusUnauthorized {
					httpx.ClearSessionCookie(w)
				}
				errs.RenderError(w, r, err)
				return
			}
			if rt.Auth == httpx.Session && p.MFAPending() {
				errs.RenderError(w, r, httpx.ErrMFAPending)
				return
			}
			r = r.WithContext(httpx.WithPrincipal(r.Context(), p))
			w.Header().Set("Cache-Control", "no-store")
		}
		if rt.Action != "" && !access.Can(httpx.ActorFrom(r.Context()), rt.Action) {
			errs.RenderError(w, r, httpx.ErrForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const p = "Bearer "
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(h[len(p):]), true
}

// metricsOnly serves h to a scraper with the metrics token, or to a direct
// request from the machine itself: a loopback peer with no forwarding
// header (a request through a local reverse proxy carries one, so the
// metrics are not published through it). Anyone else is told the page
// does not exist.
func (s *Server) metricsOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if t := s.cfg.MetricsToken; t != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if ok && subtle.ConstantTimeCompare([]byte(got), []byte(t)) == 1 {
				h.ServeHTTP(w, r)
				return
			}
		}
		host, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			host = r.RemoteAddr
		}
		peer, err := netip.ParseAddr(host)
		forwarded := r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != ""
		if err == nil && peer.Unmap().IsLoopback() && !forwarded {
			h.ServeHTTP(w, r)
			return
		}
		s.web.RenderError(w, r, errNoRoute)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.app.DB().Ping(ctx); err != nil {
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// cspReport accepts CSP violation reports and logs their directive only.
func (s *Server) cspReport(w http.ResponseWriter, r *http.Request) {
	var body [4096]byte
	n, _ := r.Body.Read(body[:])
	s.log.Warn("csp violation reported", "request_id", httpx.RequestID(r.Context()), "bytes", n)
	w.WriteHeader(http.StatusNoContent)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
