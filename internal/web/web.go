// Package web is Safehub's browser interface: server-rendered pages in the
// GOV.UK Frontend style, html/template with one typed data struct per page,
// htmx for partial updates, and the embedded static bundle.
//
// Handlers parse the form, call one app use case and render; they hold no
// business rules. NewHandler returns the surface; Routes lists its routes
// for the server to mount and for the access-matrix test to walk.
package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
	"github.com/safehub/safehub/internal/web/static"
)

//go:embed templates/*.html templates/partials/*.html
var templateFS embed.FS

// Config configures the web surface.
type Config struct {
	// Demo shows the demo banner on every page.
	Demo bool
	// Version is shown in the footer.
	Version string
	// OIDC, when set, offers sign-in through an identity provider.
	OIDC *OIDC
}

// Handler is the web surface.
type Handler struct {
	cfg    Config
	app    *app.App
	assets *static.Assets
	log    *slog.Logger
	pages  map[string]*template.Template
}

// NewHandler parses every template (failing at start-up if one is missing
// or broken) and returns the surface.
func NewHandler(cfg Config, a *app.App, assets *static.Assets, log *slog.Logger) (*Handler, error) {
	h := &Handler{cfg: cfg, app: a, assets: assets, log: log, pages: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"asset":           assets.URL,
		"integrity":       assets.Integrity,
		"fieldID":         fieldID,
		"formatID":        formatIdentifier,
		"formatPhone":     ident.FormatPhone,
		"londonTime":      londonTime,
		"londonDate":      londonDate,
		"untilDate":       untilDate,
		"purposeLabel":    func(code string) string { return a.ShareConfig().PurposeLabel(code) },
		"currentPostcode": currentPostcode,
		"inc":             func(i int) int { return i + 1 },
		"scopeName":       func(s hub.Scope) string { return strings.ReplaceAll(string(s), ":", "_") },
	}
	// Every page gets the layout and the partials (sections that several
	// pages, or several features, contribute).
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout and partials: %w", err)
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", n, err)
		}
		h.pages[name] = t
	}
	for _, want := range pageNames {
		if h.pages[want] == nil {
			return nil, fmt.Errorf("template %s.html is missing", want)
		}
	}
	return h, nil
}

// pageNames lists the templates the handlers render, checked at start-up.
// Feature files add theirs in init functions.
var pageNames = []string{"error", "signin", "mfa", "mfa_enrol", "home", "persons_search", "person", "person_form", "person_access", "account",
	"admin_users", "admin_user", "admin_agencies", "admin_clients", "audit", "audit_breakglass", "notifications"}

// Page is what every page's data carries for the layout.
type Page struct {
	Title   string
	Nonce   string
	Demo    bool
	Version string
	User    *hub.User
	// Unread is the user's unread notification count, for the badge.
	Unread int
	Nav    []NavItem
	Back   string
	Flash  string
	Errors []FieldError
}

// NavItem is one link of the service navigation.
type NavItem struct {
	Label, Href string
	Active      bool
}

// FieldError is a problem with the form, shown in the error summary and
// beside the field.
type FieldError struct {
	Field   string
	Message string
}

// FieldError returns the error for field, or nil.
func (p Page) FieldError(field string) *FieldError {
	for i := range p.Errors {
		if p.Errors[i].Field == field {
			return &p.Errors[i]
		}
	}
	return nil
}

// SetError records err on the page: a validation error against its field,
// anything else as a message at the top.
func (p *Page) SetError(err error) {
	p.Errors = append(p.Errors, FieldError{Field: hub.ErrorField(err), Message: errorSentence(err)})
}

// errorSentence makes a domain error read as a sentence: "Date of birth is
// in the future".
func errorSentence(err error) string {
	msg := hub.ErrorMessage(err)
	f := hub.ErrorField(err)
	if f == "" {
		return capitalise(msg)
	}
	return capitalise(fieldLabel(f) + " " + msg)
}

func fieldLabel(f string) string {
	if l, ok := fieldLabels[f]; ok {
		return l
	}
	// "addresses[0].postcode" → "Address 1 postcode"
	s := f
	for _, r := range []struct{ from, to string }{{"addresses[", "address "}, {"phones[", "phone "}, {"aliases[", "other name "}} {
		if strings.HasPrefix(s, r.from) {
			rest := s[len(r.from):]
			if i := strings.Index(rest, "]"); i > 0 {
				n := 0
				fmt.Sscanf(rest[:i], "%d", &n)
				s = fmt.Sprintf("%s%d%s", r.to, n+1, rest[i+1:])
			}
		}
	}
	s = strings.NewReplacer(".", " ", "_", " ").Replace(s)
	return s
}

var fieldLabels = map[string]string{
	"nhs_number": "NHS number", "upn": "Unique pupil number", "pnc_id": "PNC id", "pnc": "PNC id", "local_id": "Local authority id",
	"given_name": "Given name", "family_name": "Family name", "date_of_birth": "Date of birth", "dob": "Date of birth",
	"q": "Search", "area_id": "Area", "code": "The code", "password": "The password", "new_password": "The new password",
	"current_password": "The current password", "username": "Username", "display_name": "Name", "reason": "The reason",
	"identifiers.nhs": "NHS number", "identifiers.upn": "Unique pupil number", "identifiers.pnc": "PNC id", "identifiers.la": "Local authority id",
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// fieldID turns a form field name into an HTML id: "aliases[0].given_name"
// → "aliases-0-given-name".
func fieldID(name string) string {
	r := strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-")
	return r.Replace(name)
}

func formatIdentifier(id hub.Identifier) string {
	if id.Kind == hub.IdentNHS {
		return ident.FormatNHSNumber(id.Value)
	}
	return id.Value
}

func londonTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(app.London).Format("2 Jan 2006 15:04")
}

// londonDate is the London calendar day of t, as people write it.
func londonDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(app.London).Format("2 January 2006")
}

// untilDate is the last London day of a period that ends at t (shares end
// at the midnight after their last day).
func untilDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return londonDate(t.Add(-time.Nanosecond))
}

func currentPostcode(p *hub.Person) string {
	for _, a := range p.Addresses {
		if a.Current() {
			return a.Postcode
		}
	}
	return ""
}

// page starts the layout data for a request.
func (h *Handler) page(r *http.Request, title, nav string) Page {
	p := Page{Title: title, Nonce: httpx.NonceFrom(r.Context()), Demo: h.cfg.Demo, Version: h.cfg.Version}
	if pr := httpx.PrincipalFrom(r.Context()); pr != nil && !pr.MFAPending() {
		p.User = pr.User
		p.Nav = navFor(pr, nav)
		if n, err := h.app.UnreadCount(r.Context(), pr); err == nil {
			p.Unread = n
		}
	}
	return p
}

// render writes a page with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t := h.pages[name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.Error("render", "request_id", httpx.RequestID(r.Context()), "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type errorPage struct {
	Page
	Heading      string
	Message      string
	RequestID    string
	BreakGlassID string
}

// RenderError answers a request that failed: sign-in redirects for missing
// sessions, otherwise an error page with the status for err.
func (h *Handler) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	httpx.LogError(h.log, r, err)
	if errors.Is(err, httpx.ErrMFAPending) {
		if r.Method == http.MethodGet {
			http.Redirect(w, r, "/sign-in/mfa", http.StatusSeeOther)
			return
		}
	}
	status := httpx.Status(err)
	if status == http.StatusUnauthorized && r.Method == http.MethodGet && r.Header.Get("HX-Request") == "" {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return
	}
	if status == http.StatusUnauthorized && r.Header.Get("HX-Request") != "" {
		w.Header().Set("HX-Redirect", "/sign-in")
	}
	p := errorPage{Page: h.page(r, "", ""), RequestID: httpx.RequestID(r.Context())}
	switch status {
	case http.StatusNotFound:
		p.Title, p.Heading, p.Message = "Page not found", "Page not found", "There is no such page, or it is not one you can see."
	case http.StatusForbidden:
		p.Title, p.Heading, p.Message = "Not allowed", "You cannot do this", hub.ErrorMessage(err)
	case http.StatusUnauthorized:
		p.Title, p.Heading, p.Message = "Sign in", "Sign in to continue", hub.ErrorMessage(err)
	case http.StatusTooManyRequests:
		p.Title, p.Heading, p.Message = "Too many attempts", "Too many attempts", hub.ErrorMessage(err)
	case http.StatusServiceUnavailable:
		p.Title, p.Heading, p.Message = "Service unavailable", "Sorry, the service is unavailable", hub.ErrorMessage(err)
	case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusMethodNotAllowed, http.StatusUnsupportedMediaType:
		p.Title, p.Heading, p.Message = "There is a problem", "There is a problem", errorSentence(err)
	default:
		status = http.StatusInternalServerError
		p.Title, p.Heading, p.Message = "Sorry, there is a problem with the service", "Sorry, there is a problem with the service", "Something went wrong. Nothing you entered has been lost if you saw no confirmation; try again. If it keeps happening, tell the service desk the reference below."
	}
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, status, "error", p)
}

// notFound renders the 404 page for a record the actor cannot see. When
// the actor's role may break glass, the page offers it for any well-formed
// id, so the offer reveals nothing about whether the record exists.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request, personID string) {
	p := errorPage{Page: h.page(r, "Page not found", ""), Heading: "Page not found", Message: "There is no such record, or it is not one you can see.", RequestID: httpx.RequestID(r.Context())}
	if a := httpx.ActorFrom(r.Context()); a != nil && personID != "" && hub.ValidID(personID) && h.app.CanBreakGlass(a) {
		p.BreakGlassID = personID
	}
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, http.StatusNotFound, "error", p)
}

// failed renders err: not-found as the 404 page, anything else through
// RenderError.
func (h *Handler) failed(w http.ResponseWriter, r *http.Request, err error) {
	if httpx.Status(err) == http.StatusNotFound {
		h.notFound(w, r, "")
		return
	}
	h.RenderError(w, r, err)
}

// pathID returns the request's {id}, or renders a 400 naming the id and
// returns false when it is not a record identifier.
func (h *Handler) pathID(w http.ResponseWriter, r *http.Request) (string, bool) {
	id := r.PathValue("id")
	if !hub.ValidID(id) {
		h.RenderError(w, r, hub.Invalid("id", "is not a record identifier"))
		return "", false
	}
	return id, true
}
