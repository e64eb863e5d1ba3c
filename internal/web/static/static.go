// Package static embeds the browser bundle built from frontend/ and serves it
// under content-hashed URLs.
//
// `make assets` (cd frontend && node build.mjs) writes the bundle to dist/:
// app-[hash].js, app-[hash].css, assets/[name]-[hash].* and manifest.json,
// which maps logical names ("app.js", "favicon.ico") to those files. Templates
// ask Assets.URL for a logical name and get "/static/app-ABC123.js"; because
// the name changes whenever the content does, every file is served as
// immutable. dist/ is not committed apart from an empty .gitkeep, so the
// package compiles in a fresh clone and Load reports ErrBundleMissing until
// the bundle is built.
//
// The package imports only the standard library.
package static

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// Prefix is the URL path under which Handler serves the bundle.
const Prefix = "/static/"

// manifestName is the build's manifest in dist/; it is not itself served.
const manifestName = "manifest.json"

//go:embed all:dist
var dist embed.FS

// ErrBundleMissing is returned by Load when the front-end bundle has not been
// built into dist/.
var ErrBundleMissing = errors.New("front-end bundle missing: run `make assets`")

// Assets is the set of files in a built bundle, by logical name and by URL.
// It is safe for concurrent use.
type Assets struct {
	byName map[string]*asset // logical name -> file
	byPath map[string]*asset // path relative to dist -> file
}

type asset struct {
	path        string // relative to dist, e.g. "assets/favicon-3TMZVIO7.ico"
	url         string // Prefix + path
	data        []byte
	contentType string
	etag        string // quoted, derived from the content
	integrity   string // "sha384-…"
}

// Load reads the bundle embedded in the binary. It returns ErrBundleMissing
// when dist/manifest.json is absent.
func Load() (*Assets, error) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("open embedded bundle: %w", err)
	}
	return LoadFS(sub)
}

// LoadFS reads a bundle laid out like dist/: a manifest.json at the root
// mapping logical names to paths relative to the root. Every listed file must
// exist. Tests in other packages can pass an fstest.MapFS.
func LoadFS(fsys fs.FS) (*Assets, error) {
	raw, err := fs.ReadFile(fsys, manifestName)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrBundleMissing
	}
	if err != nil {
		return nil, fmt.Errorf("read asset manifest: %w", err)
	}
	var manifest map[string]string
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, fmt.Errorf("parse asset manifest: %w", err)
	}
	if len(manifest) == 0 {
		return nil, fmt.Errorf("asset manifest lists no files: %w", ErrBundleMissing)
	}

	a := &Assets{
		byName: make(map[string]*asset, len(manifest)),
		byPath: make(map[string]*asset, len(manifest)),
	}
	for name, p := range manifest {
		if name == "" {
			return nil, errors.New("asset manifest has an empty logical name")
		}
		if !validPath(p) || p == manifestName {
			return nil, fmt.Errorf("asset manifest: %q maps to invalid path %q", name, p)
		}
		f, ok := a.byPath[p]
		if !ok {
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, fmt.Errorf("asset manifest: %q maps to %q: %w", name, p, err)
			}
			f = newAsset(p, data)
			a.byPath[p] = f
		}
		a.byName[name] = f
	}
	return a, nil
}

func newAsset(p string, data []byte) *asset {
	sum384 := sha512.Sum384(data)
	sum256 := sha256.Sum256(data)
	return &asset{
		path:        p,
		url:         Prefix + p,
		data:        data,
		contentType: contentType(p),
		etag:        `"` + base64.RawURLEncoding.EncodeToString(sum256[:18]) + `"`,
		integrity:   "sha384-" + base64.StdEncoding.EncodeToString(sum384[:]),
	}
}

// URL returns the URL of the file with the given logical name, such as
// "/static/app-ABC123.js" for "app.js". It panics on a name that is not in the
// manifest: templates call it while they are parsed or first executed at
// start-up, so a typo stops the server rather than breaking a page.
func (a *Assets) URL(logical string) string {
	return a.mustFind(logical).url
}

// Lookup returns the URL of the file with the given logical name and whether
// the manifest lists it.
func (a *Assets) Lookup(logical string) (string, bool) {
	f, ok := a.byName[logical]
	if !ok {
		return "", false
	}
	return f.url, true
}

// Integrity returns the Subresource Integrity value ("sha384-…") of the file
// with the given logical name, for integrity= attributes. Like URL, it panics
// on an unknown name.
func (a *Assets) Integrity(logical string) string {
	return a.mustFind(logical).integrity
}

func (a *Assets) mustFind(logical string) *asset {
	f, ok := a.byName[logical]
	if !ok {
		panic(fmt.Sprintf("static: unknown asset %q: not in the bundle's manifest.json (check the name, or rebuild with `make assets`)", logical))
	}
	return f
}

// Handler serves the bundle's files at Prefix + their hashed path, for GET
// and HEAD. Mount it on Prefix, for example mux.Handle("/static/", h).
//
// Files are cacheable for a year and immutable, carry an ETag derived from
// their content (If-None-Match gives 304) and nosniff. Anything not listed in
// the manifest is 404, including the manifest itself, directories and paths
// containing "..", a backslash or NUL; other methods are 405.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(a.serve)
}

func (a *Assets) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	p, ok := strings.CutPrefix(r.URL.Path, Prefix)
	if !ok || !validPath(p) || strings.Contains(r.URL.RawPath, "..") {
		http.NotFound(w, r)
		return
	}
	f, ok := a.byPath[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", f.etag)
	// ServeContent answers If-None-Match with 304 and HEAD without a body,
	// and handles Range requests. A zero modification time omits
	// Last-Modified.
	http.ServeContent(w, r, f.path, time.Time{}, bytes.NewReader(f.data))
}

// validPath reports whether p is a plain relative file path: no "..", no
// backslash or NUL, no leading or doubled slash.
func validPath(p string) bool {
	if p == "" || strings.Contains(p, "..") || strings.ContainsAny(p, "\\\x00") {
		return false
	}
	return fs.ValidPath(p)
}

// contentTypes is fixed here rather than taken from mime.TypeByExtension,
// which consults the host's MIME tables.
var contentTypes = map[string]string{
	".css":         "text/css; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".png":         "image/png",
	".svg":         "image/svg+xml",
	".ico":         "image/x-icon",
	".txt":         "text/plain; charset=utf-8",
}

func contentType(p string) string {
	if ct, ok := contentTypes[path.Ext(p)]; ok {
		return ct
	}
	return "application/octet-stream"
}
