package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// client is an API caller holding one bearer token.
type client struct {
	e     *apptest.Env
	http  *http.Client
	token string
}

func newClient(e *apptest.Env, token string) *client {
	return &client{e: e, http: e.Client(), token: token}
}

// do sends a request with the token. body is sent as given; contentType
// "" sends none. hdr holds extra header pairs.
func (c *client) do(t testing.TB, method, path, contentType, body string, hdr ...string) *apptest.Response {
	t.Helper()
	req, err := http.NewRequest(method, c.e.TS.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return c.e.Do(t, c.http, req)
}

func (c *client) get(t testing.TB, path string) *apptest.Response {
	t.Helper()
	return c.do(t, http.MethodGet, path, "", "")
}

// postJSON sends v (a string is sent as is) as application/json.
func (c *client) postJSON(t testing.TB, path string, v any) *apptest.Response {
	t.Helper()
	return c.do(t, http.MethodPost, path, "application/json", jsonText(t, v))
}

func (c *client) putJSON(t testing.TB, path, ifMatch string, v any) *apptest.Response {
	t.Helper()
	if ifMatch == "" {
		return c.do(t, http.MethodPut, path, "application/json", jsonText(t, v))
	}
	return c.do(t, http.MethodPut, path, "application/json", jsonText(t, v), "If-Match", ifMatch)
}

func jsonText(t testing.TB, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// errorBody decodes an API error, failing the test if the body is not one.
func errorBody(t testing.TB, res *apptest.Response) httpx.ErrorBody {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("error Content-Type = %q", ct)
	}
	var b httpx.ErrorBody
	dec := json.NewDecoder(strings.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("error body %q: %v", res.Body, err)
	}
	if b.RequestID == "" || b.RequestID != res.Header.Get("X-Request-Id") {
		t.Errorf("error body request_id %q, header %q", b.RequestID, res.Header.Get("X-Request-Id"))
	}
	return b
}

// personOut decodes a person body.
func personOut(t testing.TB, res *apptest.Response) api.PersonOut {
	t.Helper()
	var p api.PersonOut
	dec := json.NewDecoder(strings.NewReader(res.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("person body %q: %v", res.Body, err)
	}
	return p
}

// counts is what a refused request must leave unchanged.
type counts struct {
	Persons int
	Audit   int64
}

func countsOf(t testing.TB, e *apptest.Env) counts {
	t.Helper()
	var c counts
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if c.Persons, err = tx.CountPersons(); err != nil {
			return err
		}
		c.Audit, err = tx.AuditSize()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newestEvent(t testing.TB, e *apptest.Env) *hub.AuditEvent {
	t.Helper()
	var out []*hub.AuditEvent
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.FindAuditEvents(store.AuditFilter{Limit: 1})
		return err
	})
	if err != nil || len(out) != 1 {
		t.Fatalf("newest audit event: %v", err)
	}
	return out[0]
}

// basePerson is a valid create body in area, as a map so that cases can
// change or add keys.
func basePerson(area string) map[string]any {
	return map[string]any{
		"area_id":       area,
		"given_name":    "Amelia",
		"family_name":   "Khan",
		"date_of_birth": "2011-03-02",
		"sex":           "female",
		"gender":        "Girl",
		"ethnicity":     "Asian British",
		"language":      "English",
		"aliases":       []any{map[string]any{"given_name": "Millie", "family_name": "Khan", "kind": "nickname"}},
		"addresses":     []any{map[string]any{"line1": "1 High Street", "line2": "Flat 2", "town": "Leicester", "postcode": "LE1 5WW", "from": "2020-01-01"}},
		"phones":        []any{map[string]any{"number": "07700 900123", "kind": "mobile"}},
		"nhs_number":    "943 476 5919",
		"upn":           "K855400523017",
	}
}

// with returns a copy of m with key set to v, or removed when v is nil.
// key may be "addresses.0.postcode" to reach into the first element.
func with(m map[string]any, key string, v any) map[string]any {
	b, _ := json.Marshal(m)
	var c map[string]any
	_ = json.Unmarshal(b, &c)
	parts := strings.Split(key, ".")
	if len(parts) == 3 {
		c[parts[0]].([]any)[0].(map[string]any)[parts[2]] = v
		return c
	}
	if v == nil {
		delete(c, key)
	} else {
		c[key] = v
	}
	return c
}
