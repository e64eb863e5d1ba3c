// Package fhirapi is Safehub's FHIR R4 surface for health systems, under
// /fhir/: a child's active safeguarding flags looked up by NHS number.
//
//	POST /fhir/Flag/_search   form body patient:identifier=https://fhir.nhs.uk/Id/nhs-number|NNNNNNNNNN
//	GET  /fhir/Flag?…         the same, for clients that cannot POST
//	GET  /fhir/Flag/{id}      one flag
//	GET  /fhir/metadata       the CapabilityStatement (public)
//
// Clients authenticate with bearer tokens holding the scope flag:read; the
// optional header X-Safehub-Practitioner names the practitioner or role
// asking, and is recorded with the look-up. Every answer is
// application/fhir+json; every error is an OperationOutcome with the right
// status (400 for any refused search, never an empty bundle; 401 without a
// token; 403 without flag:read; 413 for an oversized search; 415 for a body
// that is not a form; 429 when a client exceeds its rate).
//
// The NHS number never reaches a log: the server's access log names the
// route pattern only, and nothing here logs a request's query or body.
package fhirapi

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/fhir"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Config configures the surface.
type Config struct {
	// BaseURL is the FHIR API's absolute URL, for Bundle entries' fullUrl
	// and the CapabilityStatement ("https://hub.example.org/fhir"). Empty:
	// built from each request's Host, with https when TLS is set.
	BaseURL string
	TLS     bool
	// Version is the software version the CapabilityStatement names.
	Version string
	// Rate and Burst limit each client's requests (defaults: 20 a second,
	// bursts of 40).
	Rate  rate.Limit
	Burst int
}

// Handler is the FHIR surface, a server.PrefixSurface.
type Handler struct {
	lk      *app.FlagLookups
	log     *slog.Logger
	cfg     Config
	started time.Time

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// NewHandler returns the FHIR surface over the look-up service.
func NewHandler(lk *app.FlagLookups, log *slog.Logger, cfg Config) *Handler {
	if cfg.Rate == 0 {
		cfg.Rate = 20
	}
	if cfg.Burst <= 0 {
		cfg.Burst = 40
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	return &Handler{lk: lk, log: log, cfg: cfg, started: time.Now().UTC().Truncate(time.Second), limiters: map[string]*rate.Limiter{}}
}

// Prefix is the path prefix the surface owns.
func (h *Handler) Prefix() string { return "/fhir/" }

// Routes lists the surface's routes.
func (h *Handler) Routes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "POST /fhir/Flag/_search", Auth: httpx.Token, Action: access.FlagLookup, Handler: f(h.searchPOST), Errors: h, Authenticate: h.lk.Authenticate},
		{Pattern: "GET /fhir/Flag", Auth: httpx.Token, Action: access.FlagLookup, Handler: f(h.searchGET), Errors: h, Authenticate: h.lk.Authenticate},
		{Pattern: "GET /fhir/Flag/{id}", Auth: httpx.Token, Action: access.FlagLookup, Handler: f(h.read), Errors: h, Authenticate: h.lk.Authenticate},
		// The CapabilityStatement is public, as FHIR clients expect: it
		// describes the API and holds nothing about anyone.
		{Pattern: "GET /fhir/metadata", Auth: httpx.Public, Handler: f(h.metadata), Errors: h},
	}
}

// errMediaType refuses a search body that is not a form (415).
var errMediaType = errors.New("the search must be sent as application/x-www-form-urlencoded")

// errRate refuses a client over its rate (429).
var errRate = hub.Errorf(hub.ETooMany, "too many requests from this client; slow down and try again in a moment")

// RenderError writes err as an OperationOutcome with its status.
func (h *Handler) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	status, issue, text := http.StatusUnsupportedMediaType, fhir.IssueNotSupported, errMediaType.Error()
	if !errors.Is(err, errMediaType) {
		httpx.LogError(h.log, r, err)
		status = httpx.Status(err)
		issue = issueFor(status)
		var se *fhir.SearchError
		if errors.As(err, &se) {
			issue = se.Issue
		}
		text = hub.ErrorMessage(err)
		if f := hub.ErrorField(err); f != "" && se == nil && !strings.HasPrefix(text, f) {
			text = f + ": " + text
		}
		switch {
		case status == http.StatusServiceUnavailable:
		case status >= 500:
			text = "internal error"
		}
	}
	if rid := httpx.RequestID(r.Context()); rid != "" && status >= 500 {
		text += " (request " + rid + ")"
	}
	o := fhir.NewOutcome(fhir.SeverityError, issue, text)
	if status == http.StatusNotFound && errors.Is(err, hub.ErrNotFound) && hub.ErrorMessage(err) == "page not found" {
		o.Issue[0].Details.Text = "no such FHIR interaction here: Safehub serves Flag search and read, and metadata"
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	if status == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
		// A client revoked since its token was cached, found out inside the
		// look-up's transaction.
		w.Header().Set("WWW-Authenticate", `Bearer realm="safehub", error="invalid_token"`)
	}
	write(w, status, o)
}

// issueFor is the OperationOutcome issue type for an HTTP status.
func issueFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return fhir.IssueInvalid
	case http.StatusUnauthorized:
		return fhir.IssueLogin
	case http.StatusForbidden:
		return fhir.IssueForbidden
	case http.StatusNotFound:
		return fhir.IssueNotFound
	case http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType:
		return fhir.IssueNotSupported
	case http.StatusConflict:
		return fhir.IssueConflict
	case http.StatusRequestEntityTooLarge:
		return fhir.IssueTooLong
	case http.StatusTooManyRequests:
		return fhir.IssueThrottled
	case http.StatusServiceUnavailable:
		return fhir.IssueTransient
	}
	return fhir.IssueException
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", fhir.MediaType+"; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// allow applies the client's rate limit.
func (h *Handler) allow(a *access.Actor) bool {
	h.mu.Lock()
	l, ok := h.limiters[a.ID]
	if !ok {
		l = rate.NewLimiter(h.cfg.Rate, h.cfg.Burst)
		h.limiters[a.ID] = l
	}
	h.mu.Unlock()
	return l.Allow()
}

func (h *Handler) base(r *http.Request) string {
	if h.cfg.BaseURL != "" {
		return h.cfg.BaseURL
	}
	scheme := "http"
	if h.cfg.TLS || r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/fhir"
}

// practitioner reads the optional practitioner header (at most once).
func practitioner(r *http.Request) (string, error) {
	vs := r.Header.Values(fhir.PractitionerHeader)
	switch len(vs) {
	case 0:
		return "", nil
	case 1:
		return fhir.ParsePractitioner(vs[0])
	}
	return "", &fhir.SearchError{Param: fhir.PractitionerHeader, Issue: fhir.IssueInvalid, Msg: "is given more than once"}
}

// searchPOST is the preferred search: the parameters in a form body, so
// the NHS number stays out of the URL.
func (h *Handler) searchPOST(w http.ResponseWriter, r *http.Request) {
	actor := httpx.MustActor(r)
	if !h.allow(actor) {
		h.RenderError(w, r, errRate)
		return
	}
	if r.URL.RawQuery != "" {
		h.RenderError(w, r, &fhir.SearchError{Issue: fhir.IssueNotSupported, Msg: "send the search parameters in the form body, not in the URL"})
		return
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		h.RenderError(w, r, errMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, fhir.MaxSearchBytes+1))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.RenderError(w, r, fhir.ErrSearchTooLong)
			return
		}
		h.RenderError(w, r, &fhir.SearchError{Issue: fhir.IssueStructure, Msg: "the request body could not be read"})
		return
	}
	if len(body) > fhir.MaxSearchBytes {
		h.RenderError(w, r, fhir.ErrSearchTooLong)
		return
	}
	s, err := fhir.ParseFlagSearch(string(body))
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.answer(w, r, actor, s)
}

// searchGET is the same search in the URL, for clients that need it. The
// server's access log records the route pattern only, never the query.
func (h *Handler) searchGET(w http.ResponseWriter, r *http.Request) {
	actor := httpx.MustActor(r)
	if !h.allow(actor) {
		h.RenderError(w, r, errRate)
		return
	}
	s, err := fhir.ParseFlagSearch(r.URL.RawQuery)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.answer(w, r, actor, s)
}

func (h *Handler) answer(w http.ResponseWriter, r *http.Request, actor *access.Actor, s *fhir.FlagSearch) {
	pr, err := practitioner(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	res, err := h.lk.LookUp(r.Context(), actor, s.NHSNumber, pr, s.Count)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	flags := make([]*fhir.Flag, len(res.Flags))
	for i, f := range res.Flags {
		flags[i] = fhir.NewFlag(f, res.NHSNumber, res.Agencies[f.OwnerAgencyID])
	}
	write(w, http.StatusOK, fhir.NewSearchSet(h.base(r), hub.NewID(), res.At, flags, res.Total))
}

// onlyFormat refuses any query parameter but _format (JSON) on a read or
// the metadata.
func onlyFormat(r *http.Request) error {
	if r.URL.RawQuery == "" {
		return nil
	}
	vals, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return &fhir.SearchError{Issue: fhir.IssueStructure, Msg: "the query string is not valid"}
	}
	for k, vs := range vals {
		if k != "_format" || len(vs) != 1 || !fhir.JSONFormat(vs[0]) {
			return &fhir.SearchError{Issue: fhir.IssueNotSupported, Msg: "this interaction takes no parameters but _format=json"}
		}
	}
	return nil
}

func (h *Handler) read(w http.ResponseWriter, r *http.Request) {
	actor := httpx.MustActor(r)
	if !h.allow(actor) {
		h.RenderError(w, r, errRate)
		return
	}
	if err := onlyFormat(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	pr, err := practitioner(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	res, err := h.lk.ReadFlag(r.Context(), actor, r.PathValue("id"), pr)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", `W/"`+strconv.Itoa(res.Flag.Version)+`"`)
	write(w, http.StatusOK, fhir.NewFlag(res.Flag, res.NHSNumber, res.Agency))
}

func (h *Handler) metadata(w http.ResponseWriter, r *http.Request) {
	if err := onlyFormat(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	write(w, http.StatusOK, fhir.NewCapabilityStatement(h.base(r), h.cfg.Version, h.started))
}
