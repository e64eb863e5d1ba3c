package server_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/server"
	"github.com/safehub/safehub/internal/store/storetest"
	"github.com/safehub/safehub/internal/web"
)

// leaks are fragments of internal detail no error body may show: driver and
// SQL text, Go stack traces and source paths.
var leaks = []string{"sql", "SQL", "database", "closed", "sqlite", "postgres", "pgx", "pgconn", "SELECT", "goroutine", ".go:", "panic", "runtime.", "/work/", "internal/"}

func checkGeneric(t *testing.T, where string, res *apptest.Response) {
	t.Helper()
	body := res.Body
	for _, l := range leaks {
		if strings.Contains(body, l) {
			t.Errorf("%s: body shows %q: %.500s", where, l, body)
		}
	}
	rid := res.Header.Get("X-Request-Id")
	if rid == "" || !strings.Contains(body, rid) {
		t.Errorf("%s: body does not give the request reference %q", where, rid)
	}
}

// TestInternalError (SEC-35): with the database gone mid-run, a page and an
// API call answer a generic error with a reference and nothing internal, the
// error is logged in full under that reference, the session cookie is kept,
// /healthz says unavailable, and the process keeps serving.
func TestInternalError(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		h := newHarness(t, engine, apptest.Options{RequireMFA: true})
		p := h.NewPerson(t, "856", app.PersonInput{})
		c := h.signIn(t, h.Users[hub.RoleManager])
		tok := h.Token(t, h.Users[hub.RoleManager], hub.ScopePersonRead)
		if res := h.get(t, c, "/persons/"+p.ID); res.StatusCode != http.StatusOK {
			t.Fatalf("GET person before = %d", res.StatusCode)
		}
		if res := h.get(t, nil, "/healthz"); res.StatusCode != http.StatusOK {
			t.Fatalf("/healthz before = %d", res.StatusCode)
		}

		if err := h.Store.SQL().Close(); err != nil {
			t.Fatal(err)
		}

		res := h.send(t, c, request{method: http.MethodGet, path: "/persons/" + p.ID})
		if res.StatusCode < 500 || res.StatusCode > 599 {
			t.Errorf("GET person with the database closed = %d, want 5xx", res.StatusCode)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(res.Body, "Sorry, there is a problem with the service") {
			t.Errorf("GET person with the database closed: not the generic error page: %.300s", res.Body)
		}
		checkGeneric(t, "web", res)
		if len(setCookies(res)) != 0 {
			t.Errorf("an internal error cleared the session cookie: %q", setCookies(res))
		}
		rid := res.Header.Get("X-Request-Id")
		if logs := h.Log.String(); !strings.Contains(logs, rid) || !strings.Contains(logs, "closed") {
			t.Errorf("the log does not hold the error under request id %s", rid)
		}

		res = h.send(t, c, request{method: http.MethodPost, path: "/persons/search", form: map[string][]string{"q": {"Smith"}}})
		if res.StatusCode < 500 {
			t.Errorf("POST search with the database closed = %d, want 5xx", res.StatusCode)
		}
		checkGeneric(t, "web POST", res)

		res = h.send(t, nil, request{method: http.MethodGet, path: "/api/v1/persons/" + p.ID, bearer: tok})
		if res.StatusCode < 500 {
			t.Errorf("API with the database closed = %d, want 5xx", res.StatusCode)
		}
		checkGeneric(t, "API", res)
		var body httpx.ErrorBody
		if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body.Code != hub.EInternal || body.Message != "internal error" {
			t.Errorf("API error body %q, want code internal, message \"internal error\"", res.Body)
		}

		res = h.get(t, nil, "/healthz")
		var hz map[string]string
		if res.StatusCode != http.StatusServiceUnavailable || json.Unmarshal([]byte(res.Body), &hz) != nil || hz["status"] != "unavailable" {
			t.Errorf("/healthz with the database closed = %d %q, want 503 {\"status\":\"unavailable\"}", res.StatusCode, res.Body)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Errorf("/healthz Content-Type %q", res.Header.Get("Content-Type"))
		}
		// Still serving what needs no database.
		if res := h.get(t, nil, "/sign-in"); res.StatusCode != http.StatusOK {
			t.Errorf("GET /sign-in after the failures = %d, want 200", res.StatusCode)
		}
	})
}

// boom is an API surface with routes that panic.
type boom struct{ *api.Handler }

func (b boom) Routes() []httpx.Route {
	return append(b.Handler.Routes(),
		httpx.Route{Pattern: "GET /boom", Auth: httpx.Public, Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			panic("secret detail: SELECT * FROM users at /work/main/internal/x.go:12")
		})},
		httpx.Route{Pattern: "GET /boom-late", Auth: httpx.Public, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte("partial"))
			panic("after writing")
		})},
	)
}

// TestPanicRecovered (SEC-35, 16.5.4): a handler's panic answers the generic
// 500 page with a reference, is logged, and the server goes on serving.
func TestPanicRecovered(t *testing.T) {
	h := newHarness(t, firstEngine(), apptest.Options{RequireMFA: true})
	w, err := web.NewHandler(web.Config{Version: "test"}, h.App, apptest.Assets(t), slogFor(h))
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{TLS: true}, h.App, slogFor(h), w, boom{api.NewHandler(h.App, slogFor(h))})
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	env := *h.Env
	env.TS = ts
	hp := &harness{Env: &env, nonces: map[string]string{}, tokens: map[string]bool{}}

	for range 3 {
		res := hp.get(t, nil, "/boom")
		if res.StatusCode != http.StatusInternalServerError {
			t.Errorf("GET /boom = %d, want 500", res.StatusCode)
		}
		checkGeneric(t, "panic", res)
		if !strings.Contains(h.Log.String(), res.Header.Get("X-Request-Id")) {
			t.Errorf("the panic is not logged under its request id")
		}
	}
	// A panic after the response began cannot change its status; the
	// connection survives and the next request is served.
	hp.get(t, nil, "/boom-late")
	if res := hp.get(t, nil, "/healthz"); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz after panics = %d, want 200", res.StatusCode)
	}
	if res := hp.get(t, nil, "/sign-in"); res.StatusCode != http.StatusOK {
		t.Errorf("/sign-in after panics = %d, want 200", res.StatusCode)
	}
}

func slogFor(h *harness) *slog.Logger { return slog.New(slog.NewJSONHandler(h.Log, nil)) }
