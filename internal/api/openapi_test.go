package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/store/storetest"
)

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Security   []map[string][]string                 `json:"security"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
		} `json:"schemas"`
	} `json:"components"`
}

type operation struct {
	Security   *[]map[string][]string `json:"security"`
	Parameters []parameter            `json:"parameters"`
	Responses  map[string]any         `json:"responses"`
}

type parameter struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

func loadOpenAPI(t *testing.T) (openAPIDoc, []byte) {
	t.Helper()
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(raw) {
		t.Fatal("openapi.json is not valid JSON")
	}
	var doc openAPIDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc, raw
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// TestOpenAPIMatchesRoutes checks that the OpenAPI document and the route
// table describe the same API: every route is documented with its method,
// and every documented operation is a route.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	doc, raw := loadOpenAPI(t)
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	if !bytes.Equal(raw, api.OpenAPI()) {
		t.Error("the embedded document differs from openapi.json")
	}

	type op struct{ Method, Path string }
	var routes []op
	auth := map[op]httpx.Auth{}
	for _, rt := range api.NewHandler(nil, nil).Routes() {
		method, path, ok := strings.Cut(rt.Pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") {
			t.Errorf("route %q is not METHOD /api/v1/…", rt.Pattern)
			continue
		}
		o := op{strings.ToLower(method), path}
		routes = append(routes, o)
		auth[o] = rt.Auth
	}
	var documented []op
	for path, item := range doc.Paths {
		for key, body := range item {
			switch {
			case slices.Contains(httpMethods, key):
				documented = append(documented, op{key, path})
				var o operation
				if err := json.Unmarshal(body, &o); err != nil {
					t.Errorf("%s %s: %v", key, path, err)
					continue
				}
				if len(o.Responses) == 0 {
					t.Errorf("%s %s documents no responses", key, path)
				}
				// Public routes say so; token routes inherit the bearer
				// requirement.
				public := o.Security != nil && len(*o.Security) == 0
				if a, ok := auth[op{key, path}]; ok && public != (a == httpx.Public) {
					t.Errorf("%s %s: documented public = %v, route auth %s", key, path, public, a)
				}
				checkPathParams(t, path, item, o.Parameters)
			case key == "parameters" || key == "summary" || key == "description":
			default:
				t.Errorf("path %s has unknown key %q", path, key)
			}
		}
	}
	sortOps := func(ops []op) {
		sort.Slice(ops, func(i, j int) bool {
			return ops[i].Path+" "+ops[i].Method < ops[j].Path+" "+ops[j].Method
		})
	}
	sortOps(routes)
	sortOps(documented)
	if diff := cmp.Diff(routes, documented); diff != "" {
		t.Errorf("routes (-) and documented operations (+) differ:\n%s", diff)
	}
	if len(doc.Security) != 1 || doc.Security[0]["bearer"] == nil {
		t.Errorf("top-level security = %v, want bearer", doc.Security)
	}
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// checkPathParams checks that each {name} in path is declared as a
// required path parameter, on the path or the operation, and no other.
func checkPathParams(t *testing.T, path string, item map[string]json.RawMessage, opParams []parameter) {
	t.Helper()
	var params []parameter
	if raw, ok := item["parameters"]; ok {
		if err := json.Unmarshal(raw, &params); err != nil {
			t.Errorf("%s parameters: %v", path, err)
		}
	}
	params = append(params, opParams...)
	var declared []string
	for _, p := range params {
		if p.In != "path" {
			continue
		}
		if !p.Required {
			t.Errorf("%s: path parameter %s is not required", path, p.Name)
		}
		declared = append(declared, p.Name)
	}
	var want []string
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		want = append(want, m[1])
	}
	slices.Sort(declared)
	slices.Sort(want)
	if !slices.Equal(declared, want) {
		t.Errorf("%s: path parameters declared %v, in the path %v", path, declared, want)
	}
}

// checkSchemas checks that each named schema lists exactly the JSON fields
// of the DTO given for it.
func checkSchemas(t *testing.T, doc openAPIDoc, dtos map[string]any) {
	t.Helper()
	for schema, v := range dtos {
		s, ok := doc.Components.Schemas[schema]
		if !ok {
			t.Errorf("schema %s is missing", schema)
			continue
		}
		var documented []string
		for k := range s.Properties {
			documented = append(documented, k)
		}
		slices.Sort(documented)
		if diff := cmp.Diff(jsonFields(reflect.TypeOf(v)), documented); diff != "" {
			t.Errorf("schema %s properties differ from %T's JSON fields (-code +doc):\n%s", schema, v, diff)
		}
	}
}

// TestOpenAPISchemas checks that every $ref resolves and that the schemas
// list exactly the JSON fields of the DTOs they describe.
func TestOpenAPISchemas(t *testing.T) {
	doc, raw := loadOpenAPI(t)
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`"\$ref"\s*:\s*"([^"]*)"`).FindAllStringSubmatch(string(raw), -1) {
		ref := m[1]
		node := tree
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			obj, ok := node.(map[string]any)
			if !ok || obj[part] == nil {
				t.Errorf("$ref %q does not resolve", ref)
				break
			}
			node = obj[part]
		}
	}
	checkSchemas(t, doc, map[string]any{
		"PersonIn":  api.PersonIn{},
		"Person":    api.PersonOut{},
		"Alias":     api.AliasDTO{},
		"Address":   api.AddressIn{},
		"Phone":     api.PhoneIn{},
		"SearchIn":  api.SearchIn{},
		"SearchOut": api.SearchOut{},
		"Me":        api.Me{},
		"Error":     httpx.ErrorBody{},
	})
	// The access log's event items.
	var al struct {
		Properties struct {
			Events struct {
				Items struct {
					Properties map[string]any `json:"properties"`
				} `json:"items"`
			} `json:"events"`
		} `json:"properties"`
	}
	var all struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(all.Components.Schemas["AccessLog"], &al); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for k := range al.Properties.Events.Items.Properties {
		documented = append(documented, k)
	}
	slices.Sort(documented)
	if diff := cmp.Diff(jsonFields(reflect.TypeOf(api.AccessEvent{})), documented); diff != "" {
		t.Errorf("AccessLog event properties differ from api.AccessEvent (-code +doc):\n%s", diff)
	}
}

// jsonFields lists the JSON names of a struct's fields, sorted.
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

// TestOpenAPIServed checks that the document is served without a token.
func TestOpenAPIServed(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	res := newClient(e, "").get(t, "/api/v1/openapi.json")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json = %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if res.Body != string(api.OpenAPI()) {
		t.Error("served document differs from the embedded one")
	}
}
