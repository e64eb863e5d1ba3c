// Package api is Safehub's JSON API under /api/v1, for scripts and partner
// systems. Callers authenticate with bearer tokens (machine clients or
// personal tokens), never cookies, so cross-site request forgery does not
// apply. Request bodies are strict: unknown fields, duplicate keys, trailing
// data and wrong types are refused with an error naming the field.
//
// Wire types (DTOs) are declared here, separate from the hub types, so the
// API stays stable when the schema changes. The OpenAPI document served at
// /api/v1/openapi.json is kept in step with Routes by a test.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// Handler is the JSON API surface.
type Handler struct {
	app *app.App
	log *slog.Logger
}

// NewHandler returns the API surface.
func NewHandler(a *app.App, log *slog.Logger) *Handler { return &Handler{app: a, log: log} }

// featureRoutes are the route tables of feature files (casework, flags),
// added in their init functions.
var featureRoutes []func(h *Handler) []httpx.Route

// Routes lists the API's routes.
func (h *Handler) Routes() []httpx.Route {
	rs := h.baseRoutes()
	for _, feature := range featureRoutes {
		rs = append(rs, feature(h)...)
	}
	return rs
}

func (h *Handler) baseRoutes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	return []httpx.Route{
		{Pattern: "GET /api/v1/openapi.json", Auth: httpx.Public, Handler: f(h.openAPI)},
		{Pattern: "GET /api/v1/me", Auth: httpx.Token, Handler: f(h.me)},
		{Pattern: "POST /api/v1/persons/_search", Auth: httpx.Token, Action: access.PersonSearch, Handler: f(h.searchPersons)},
		{Pattern: "POST /api/v1/persons", Auth: httpx.Token, Action: access.PersonCreate, Handler: f(h.createPerson)},
		{Pattern: "GET /api/v1/persons/{id}", Auth: httpx.Token, Action: access.PersonRead, Handler: f(h.person)},
		{Pattern: "PUT /api/v1/persons/{id}", Auth: httpx.Token, Action: access.PersonUpdate, Handler: f(h.updatePerson)},
		{Pattern: "GET /api/v1/persons/{id}/access-log", Auth: httpx.Token, Action: access.PersonAccessLog, Handler: f(h.accessLog)},
	}
}

// RenderError writes err as the API's JSON error.
func (h *Handler) RenderError(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteJSONError(w, r, h.log, err)
}

// maxDepth bounds JSON nesting.
const maxDepth = 20

// decode reads a strict JSON body into v: application/json only, no unknown
// fields, no duplicate keys, no trailing data, bounded depth. Errors name
// the field.
func decode(r *http.Request, v any) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &hub.Error{Code: hub.EInvalid, Field: "Content-Type", Message: "must be application/json"}
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return hub.Errorf(hub.ETooLarge, "the request body is larger than %d bytes", mbe.Limit)
		}
		return hub.Errorf(hub.EInvalid, "the request body could not be read")
	}
	if !utf8.Valid(body) {
		// encoding/json would silently turn bad bytes into U+FFFD.
		return hub.Errorf(hub.EInvalid, "the request body must be UTF-8 text")
	}
	if err := checkStructure(body); err != nil {
		return err
	}
	// Every body is an object: encoding/json would take null (or nothing
	// but whitespace) as "no change" and leave v as it was.
	switch t := bytes.TrimLeft(body, " \t\r\n"); {
	case len(t) == 0:
		return hub.Errorf(hub.EInvalid, "the request body is empty: send a JSON object")
	case t[0] == 'n':
		return hub.Errorf(hub.EInvalid, "the request body must be an object, not null")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return hub.Errorf(hub.EInvalid, "the request body has data after the JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return hub.Errorf(hub.EInvalid, "the request body has data after the JSON object")
	}
	return nil
}

// checkStructure walks the JSON tokens once to refuse what encoding/json
// accepts silently: duplicate keys and excessive nesting.
func checkStructure(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		object bool
		keys   map[string]bool
		expect bool // in an object, the next string token is a key
		path   string
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return hub.Errorf(hub.EInvalid, "the request body is not valid JSON")
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if len(stack) >= maxDepth {
					return hub.Errorf(hub.EInvalid, "the request body is nested too deeply")
				}
				if top != nil && top.object {
					top.expect = true
				}
				stack = append(stack, &frame{object: t == '{', keys: map[string]bool{}, expect: t == '{'})
				continue
			case '}', ']':
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].object {
					stack[len(stack)-1].expect = true
				}
				continue
			}
		case string:
			if top != nil && top.object && top.expect {
				// encoding/json matches keys to fields case-insensitively,
				// so "Given_Name" after "given_name" would overwrite it.
				k := strings.ToLower(strings.ToUpper(t))
				if top.keys[k] {
					return &hub.Error{Code: hub.EInvalid, Field: t, Message: "is given more than once"}
				}
				top.keys[k] = true
				top.expect = false
				continue
			}
		}
		if top != nil && top.object {
			top.expect = true
		}
	}
}

// jsonError turns encoding/json's errors into field-level domain errors.
func jsonError(err error) error {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return &hub.Error{Code: hub.EInvalid, Field: ute.Field, Message: fmt.Sprintf("must be %s, not %s", jsonKind(ute.Type.Kind().String()), ute.Value)}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return hub.Errorf(hub.EInvalid, "the request body is not valid JSON (at byte %d)", se.Offset)
	}
	if s := err.Error(); strings.HasPrefix(s, "json: unknown field ") {
		return &hub.Error{Code: hub.EInvalid, Field: strings.Trim(strings.TrimPrefix(s, "json: unknown field "), `"`), Message: "is not a field this API accepts"}
	}
	var he *hub.Error
	if errors.As(err, &he) {
		return he
	}
	return hub.Errorf(hub.EInvalid, "the request body could not be read as JSON")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	if strings.HasPrefix(k, "int") || strings.HasPrefix(k, "uint") || strings.HasPrefix(k, "float") {
		return "a number"
	}
	return k
}

// Me is who the token acts as.
type Me struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	AgencyID string   `json:"agency_id"`
	Machine  bool     `json:"machine"`
	Roles    []string `json:"roles"`
	Scopes   []string `json:"scopes"`
}

func (h *Handler) me(w http.ResponseWriter, r *http.Request) {
	a := httpx.MustActor(r)
	m := Me{ID: a.ID, Name: a.Name, AgencyID: a.AgencyID, Machine: a.Machine, Roles: []string{}, Scopes: []string{}}
	for _, ro := range a.Roles {
		m.Roles = append(m.Roles, string(ro))
	}
	for _, s := range a.Scopes {
		m.Scopes = append(m.Scopes, string(s))
	}
	httpx.WriteJSON(w, http.StatusOK, m)
}

func pathID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !hub.ValidID(id) {
		return "", &hub.Error{Code: hub.EInvalid, Field: "id", Message: "is not a record identifier"}
	}
	return id, nil
}

func parseVersion(s string) (int, error) {
	s = strings.Trim(strings.TrimPrefix(strings.TrimSpace(s), "W/"), `"`)
	v, err := strconv.Atoi(s)
	if err != nil || v < 1 {
		return 0, &hub.Error{Code: hub.EInvalid, Field: "If-Match", Message: "must be the record's version, as its ETag gives"}
	}
	return v, nil
}

// pageOf reads a list's limit and offset query parameters: limit a whole
// number from 1 to 200 (def when absent), offset 0 or more (0 when absent).
// Anything else is refused, naming the parameter.
func pageOf(q url.Values, def int) (limit, offset int, err error) {
	limit = def
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 200 {
			return 0, 0, hub.Invalid("limit", "must be a whole number from 1 to 200")
		}
	}
	if s := q.Get("offset"); s != "" {
		if offset, err = strconv.Atoi(s); err != nil || offset < 0 {
			return 0, 0, hub.Invalid("offset", "must be a whole number, 0 or more")
		}
	}
	return limit, offset, nil
}
