package static

import (
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/fstest"
)

// newTestFS returns a small bundle laid out like dist/.
func newTestFS() fstest.MapFS {
	return fstest.MapFS{
		"manifest.json": {Data: []byte(`{
			"app.js": "app-JS123456.js",
			"app.css": "app-CSS12345.css",
			"favicon.ico": "assets/favicon-ICO12345.ico",
			"bold.woff2": "assets/bold-FNT12345.woff2",
			"favicon.svg": "assets/favicon-SVG12345.svg",
			"icon.png": "assets/icon-PNG12345.png",
			"manifest.webmanifest": "assets/manifest-WM123456.webmanifest",
			"data.json": "assets/data-JSN12345.json"
		}`)},
		"app-JS123456.js":                      {Data: []byte("console.log('hi')\n")},
		"app-CSS12345.css":                     {Data: []byte("body{color:red}\n")},
		"assets/favicon-ICO12345.ico":          {Data: []byte("ico")},
		"assets/bold-FNT12345.woff2":           {Data: []byte("wOF2")},
		"assets/favicon-SVG12345.svg":          {Data: []byte("<svg/>")},
		"assets/icon-PNG12345.png":             {Data: []byte("\x89PNG")},
		"assets/manifest-WM123456.webmanifest": {Data: []byte(`{"icons":[]}`)},
		"assets/data-JSN12345.json":            {Data: []byte(`{}`)},
		"assets/unlisted-AAAAAAAA.js":          {Data: []byte("not in the manifest")},
		".gitkeep":                             {Data: nil},
	}
}

func mustLoadFS(tb testing.TB, fsys fs.FS) *Assets {
	tb.Helper()
	a, err := LoadFS(fsys)
	if err != nil {
		tb.Fatalf("LoadFS: %v", err)
	}
	return a
}

func TestURL(t *testing.T) {
	a := mustLoadFS(t, newTestFS())
	tests := []struct {
		logical, want string
	}{
		{"app.js", "/static/app-JS123456.js"},
		{"app.css", "/static/app-CSS12345.css"},
		{"favicon.ico", "/static/assets/favicon-ICO12345.ico"},
	}
	for _, tt := range tests {
		t.Run(tt.logical, func(t *testing.T) {
			if got := a.URL(tt.logical); got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.logical, got, tt.want)
			}
			got, ok := a.Lookup(tt.logical)
			if !ok || got != tt.want {
				t.Errorf("Lookup(%q) = %q, %v, want %q, true", tt.logical, got, ok, tt.want)
			}
		})
	}
}

func TestUnknownName(t *testing.T) {
	a := mustLoadFS(t, newTestFS())
	if got, ok := a.Lookup("app.jss"); ok || got != "" {
		t.Errorf(`Lookup("app.jss") = %q, %v, want "", false`, got, ok)
	}
	for name, f := range map[string]func(string) string{"URL": a.URL, "Integrity": a.Integrity} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.Contains(msg, `"app.jss"`) {
					t.Errorf("%s(%q) panicked with %v, want a message naming the asset", name, "app.jss", r)
				}
			}()
			f("app.jss")
			t.Errorf("%s(%q) did not panic", name, "app.jss")
		})
	}
}

func TestIntegrity(t *testing.T) {
	a := mustLoadFS(t, newTestFS())
	sum := sha512.Sum384([]byte("console.log('hi')\n"))
	want := "sha384-" + base64.StdEncoding.EncodeToString(sum[:])
	if got := a.Integrity("app.js"); got != want {
		t.Errorf("Integrity(%q) = %q, want %q", "app.js", got, want)
	}
}

func TestLoadFSErrors(t *testing.T) {
	tests := []struct {
		name    string
		fsys    fstest.MapFS
		wantErr string
		wantIs  error
	}{
		{
			name:    "missing manifest",
			fsys:    fstest.MapFS{".gitkeep": {}},
			wantErr: "front-end bundle missing: run `make assets`",
			wantIs:  ErrBundleMissing,
		},
		{
			name:    "empty manifest",
			fsys:    fstest.MapFS{"manifest.json": {Data: []byte(`{}`)}},
			wantErr: "front-end bundle missing",
			wantIs:  ErrBundleMissing,
		},
		{
			name:    "bad json",
			fsys:    fstest.MapFS{"manifest.json": {Data: []byte(`{`)}},
			wantErr: "parse asset manifest",
		},
		{
			name:    "listed file missing",
			fsys:    fstest.MapFS{"manifest.json": {Data: []byte(`{"app.js":"app-X.js"}`)}},
			wantErr: `"app.js" maps to "app-X.js"`,
		},
		{
			name: "traversal in manifest",
			fsys: fstest.MapFS{
				"manifest.json": {Data: []byte(`{"x":"../static.go"}`)},
			},
			wantErr: "invalid path",
		},
		{
			name: "manifest lists itself",
			fsys: fstest.MapFS{
				"manifest.json": {Data: []byte(`{"m":"manifest.json"}`)},
			},
			wantErr: "invalid path",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFS(tt.fsys)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("LoadFS() error = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("LoadFS() error = %v, want errors.Is %v", err, tt.wantIs)
			}
		})
	}
}

func TestHandlerServes(t *testing.T) {
	a := mustLoadFS(t, newTestFS())
	h := a.Handler()
	tests := []struct {
		path, contentType, body string
	}{
		{"/static/app-JS123456.js", "text/javascript; charset=utf-8", "console.log('hi')\n"},
		{"/static/app-CSS12345.css", "text/css; charset=utf-8", "body{color:red}\n"},
		{"/static/assets/favicon-ICO12345.ico", "image/x-icon", "ico"},
		{"/static/assets/bold-FNT12345.woff2", "font/woff2", "wOF2"},
		{"/static/assets/favicon-SVG12345.svg", "image/svg+xml", "<svg/>"},
		{"/static/assets/icon-PNG12345.png", "image/png", "\x89PNG"},
		{"/static/assets/manifest-WM123456.webmanifest", "application/manifest+json", `{"icons":[]}`},
		{"/static/assets/data-JSN12345.json", "application/json", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
			res := rec.Result()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status = %d, want 200", tt.path, res.StatusCode)
			}
			wantHeaders := map[string]string{
				"Content-Type":           tt.contentType,
				"Cache-Control":          "public, max-age=31536000, immutable",
				"X-Content-Type-Options": "nosniff",
			}
			for k, want := range wantHeaders {
				if got := res.Header.Get(k); got != want {
					t.Errorf("GET %s: %s = %q, want %q", tt.path, k, got, want)
				}
			}
			if res.Header.Get("ETag") == "" {
				t.Errorf("GET %s: no ETag", tt.path)
			}
			if got := rec.Body.String(); got != tt.body {
				t.Errorf("GET %s: body = %q, want %q", tt.path, got, tt.body)
			}
		})
	}
}

func TestHandlerNotModified(t *testing.T) {
	a := mustLoadFS(t, newTestFS())
	h := a.Handler()
	const p = "/static/app-JS123456.js"

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
	etag := rec.Result().Header.Get("ETag")
	if !strings.HasPrefix(etag, `"`) || !strings.HasSuffix(etag, `"`) || len(etag) < 10 {
		t.Fatalf("GET %s: ETag = %q, want a quoted strong validator", p, etag)
	}

	for _, inm := range []string{etag, `"other", ` + etag, "*"} {
		req := httptest.NewRequest(http.MethodGet, p, nil)
		req.Header.Set("If-None-Match", inm)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match %s: status = %d, want 304", p, inm, rec.Code)
		}
		if rec.Body.Len() != 0 {
			t.Errorf("GET %s with If-None-Match %s: body has %d bytes, want none", p, inm, rec.Body.Len())
		}
	}

	req := httptest.NewRequest(http.MethodGet, p, nil)
	req.Header.Set("If-None-Match", `"stale"`)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("GET %s with a stale If-None-Match: status = %d, want 200", p, rec.Code)
	}
}

func TestHandlerHead(t *testing.T) {
	a := mustLoadFS(t, newTestFS())
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodHead, "/static/app-CSS12345.css", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("HEAD: status = %d, want 200", rec.Code)
	}
	if got, want := rec.Header().Get("Content-Type"), "text/css; charset=utf-8"; got != want {
		t.Errorf("HEAD: Content-Type = %q, want %q", got, want)
	}
	if got, want := rec.Header().Get("Content-Length"), "16"; got != want {
		t.Errorf("HEAD: Content-Length = %q, want %q", got, want)
	}
	if rec.Body.Len() != 0 {
		t.Errorf("HEAD: body has %d bytes, want none", rec.Body.Len())
	}
}

func TestHandlerMethodNotAllowed(t *testing.T) {
	a := mustLoadFS(t, newTestFS())
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		rec := httptest.NewRecorder()
		a.Handler().ServeHTTP(rec, httptest.NewRequest(method, "/static/app-JS123456.js", nil))
		if rec.Code != http.StatusMethodNotAllowed {
			t.Errorf("%s: status = %d, want 405", method, rec.Code)
		}
		if got, want := rec.Header().Get("Allow"), "GET, HEAD"; got != want {
			t.Errorf("%s: Allow = %q, want %q", method, got, want)
		}
	}
}

func TestHandlerNotFound(t *testing.T) {
	a := mustLoadFS(t, newTestFS())
	h := a.Handler()
	paths := []string{
		"/static/",
		"/static/assets/",
		"/static/assets",
		"/static/nope.js",
		"/static/manifest.json",
		"/static/.gitkeep",
		"/static/assets/unlisted-AAAAAAAA.js",
		"/static/../static.go",
		"/static/%2e%2e/",
		"/static/%2e%2e/static.go",
		"/static/assets/../app-JS123456.js",
		"/static/app-JS123456.js%00",
		"/static/assets%5cfavicon-ICO12345.ico",
		"/static//app-JS123456.js",
		"/static/./app-JS123456.js",
		"/app-JS123456.js",
		"/staticapp-JS123456.js",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s: status = %d, want 404", p, rec.Code)
			}
			if got := rec.Header().Get("Cache-Control"); got != "" {
				t.Errorf("GET %s: Cache-Control = %q, want none on a 404", p, got)
			}
		})
	}
}

// TestHandlerOnMux checks the handler as the web package mounts it: the mux
// cleans paths before the handler sees them, and nothing outside the bundle
// comes back.
func TestHandlerOnMux(t *testing.T) {
	a := mustLoadFS(t, newTestFS())
	mux := http.NewServeMux()
	mux.Handle(Prefix, a.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	res, err := srv.Client().Get(srv.URL + a.URL("app.js"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET %s: status = %d, want 200", a.URL("app.js"), res.StatusCode)
	}

	for _, p := range []string{"/static/%2e%2e/static.go", "/static/app-JS123456.js%00", "/static/%5c..%5cstatic.go"} {
		res, err := srv.Client().Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status = %d, want 404", p, res.StatusCode)
		}
	}
}

// TestEmbeddedBundle checks the bundle built by `make assets`. Outside CI it
// skips when the bundle has not been built; in CI (CI=true) the bundle is
// always built first, so its absence is a failure.
func TestEmbeddedBundle(t *testing.T) {
	if _, err := fs.Stat(dist, "dist/"+manifestName); err != nil {
		if os.Getenv("CI") != "true" {
			t.Skip("front-end bundle not built; run `make assets`")
		}
		t.Fatalf("front-end bundle missing in CI: %v", err)
	}
	a, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	h := a.Handler()
	for _, name := range []string{"app.js", "app.css", "favicon.ico", "favicon.svg", "govuk-icon-180.png", "govuk-icon-mask.svg", "manifest.webmanifest"} {
		t.Run(name, func(t *testing.T) {
			url, ok := a.Lookup(name)
			if !ok {
				t.Fatalf("Lookup(%q): not in the manifest", name)
			}
			if !strings.HasPrefix(a.Integrity(name), "sha384-") {
				t.Errorf("Integrity(%q) = %q, want a sha384- value", name, a.Integrity(name))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
			if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
				t.Errorf("GET %s: status = %d with %d bytes, want 200 with content", url, rec.Code, rec.Body.Len())
			}
		})
	}

	// Every url() in the stylesheet must point at a file the handler serves.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, a.URL("app.css"), nil))
	css := rec.Body.String()
	if strings.Contains(css, "/assets/fonts/") || strings.Contains(css, "/assets/images/") {
		t.Errorf("app.css still refers to GOV.UK's unbundled /assets/ paths")
	}
	rest, refs := css, 0
	for {
		_, after, ok := strings.Cut(rest, `url("./`)
		if !ok {
			break
		}
		ref, tail, _ := strings.Cut(after, `")`)
		rest = tail
		refs++
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, Prefix+ref, nil))
		if rec.Code != http.StatusOK {
			t.Errorf("app.css url(./%s): GET %s%s status = %d, want 200", ref, Prefix, ref, rec.Code)
		}
	}
	if refs == 0 {
		t.Errorf("app.css has no url(\"./…\") references; the GOV.UK fonts and crest should be bundled")
	}
}
