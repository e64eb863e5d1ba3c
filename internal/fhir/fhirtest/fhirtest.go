// Package fhirtest checks FHIR R4 JSON that Safehub returns against the R4
// rules that apply to it: the resource's elements and their cardinality,
// the required value sets (Flag.status, Bundle.type, Bundle.entry.search.mode,
// OperationOutcome.issue.severity and .code, CapabilityStatement.status,
// .kind and .fhirVersion), the primitive types' formats (id, date,
// dateTime, instant, uri) and the invariants that apply (ref-1, per-1,
// bdl-1, bdl-2, bdl-7, bdl-8, cpb-1, cpb-2, cpb-15, UK Core Flag's
// must-support elements). It is for tests; it is not a general validator.
package fhirtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// R4 value sets (required bindings) and formats.
var (
	FlagStatuses   = []string{"active", "inactive", "entered-in-error"}
	FlagCategories = []string{"diet", "drug", "lab", "admin", "contact", "clinical", "behavioral", "research", "advance-directive", "safety"}
	BundleTypes    = []string{"document", "message", "transaction", "transaction-response", "batch", "batch-response", "history", "searchset", "collection"}
	SearchModes    = []string{"match", "include", "outcome"}
	Severities     = []string{"fatal", "error", "warning", "information"}
	IssueTypes     = []string{"invalid", "structure", "required", "value", "invariant", "security", "login", "unknown", "expired", "forbidden",
		"suppressed", "processing", "not-supported", "duplicate", "multiple-matches", "not-found", "deleted", "too-long", "code-invalid",
		"extension", "too-costly", "business-rule", "conflict", "transient", "lock-error", "no-store", "exception", "timeout",
		"incomplete", "throttled", "informational"}
	PublicationStatuses = []string{"draft", "active", "retired", "unknown"}
	CapabilityKinds     = []string{"instance", "capability", "requirements"}
	RestModes           = []string{"client", "server"}
	TypeInteractions    = []string{"read", "vread", "update", "patch", "delete", "history-instance", "history-type", "create", "search-type"}
	SearchParamTypes    = []string{"number", "date", "string", "token", "reference", "composite", "quantity", "uri", "special"}

	idRE       = regexp.MustCompile(`^[A-Za-z0-9\-\.]{1,64}$`)
	dateRE     = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$`)
	dateTimeRE = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00)))?)?)?$`)
	instantRE  = regexp.MustCompile(`^([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$`)
)

// UKCoreFlag is the profile Flags must claim.
const UKCoreFlag = "https://fhir.hl7.org.uk/StructureDefinition/UKCore-Flag"

// Check parses b as one FHIR resource and checks it, returning every
// problem found (nil when it conforms).
func Check(b []byte) error {
	var r map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	c := &checker{}
	c.resource("", r)
	return errors.Join(c.errs...)
}

type checker struct{ errs []error }

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

// elements checks that obj has only the allowed elements (FHIR JSON
// refuses unknown properties) and the required ones.
func (c *checker) elements(path string, obj map[string]any, allowed, required []string) {
	for k, v := range obj {
		if !slices.Contains(allowed, k) {
			c.fail(path, "unknown element %q", k)
		}
		if isEmpty(v) {
			c.fail(path+"."+k, "is empty (FHIR JSON never holds empty values)")
		}
	}
	for _, k := range required {
		if _, ok := obj[k]; !ok {
			c.fail(path, "required element %q is missing", k)
		}
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func (c *checker) resource(path string, r map[string]any) {
	rt, _ := r["resourceType"].(string)
	if path == "" {
		path = rt
	}
	if id, ok := r["id"]; ok {
		if s, _ := id.(string); !idRE.MatchString(s) {
			c.fail(path+".id", "%q is not a FHIR id", id)
		}
	}
	if m, ok := r["meta"]; ok {
		c.meta(path+".meta", m)
	}
	switch rt {
	case "Flag":
		c.flag(path, r)
	case "Bundle":
		c.bundle(path, r)
	case "OperationOutcome":
		c.outcome(path, r)
	case "CapabilityStatement":
		c.capability(path, r)
	default:
		c.fail(path, "resourceType %q is not one Safehub returns", rt)
	}
}

func (c *checker) meta(path string, v any) {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "is not an object")
		return
	}
	c.elements(path, m, []string{"versionId", "lastUpdated", "profile"}, nil)
	if s, ok := m["lastUpdated"]; ok {
		c.format(path+".lastUpdated", s, instantRE, "instant")
	}
	if p, ok := m["profile"]; ok {
		for i, x := range c.array(path+".profile", p) {
			c.uri(fmt.Sprintf("%s.profile[%d]", path, i), x)
		}
	}
}

func (c *checker) array(path string, v any) []any {
	a, ok := v.([]any)
	if !ok {
		c.fail(path, "is not an array")
	}
	return a
}

func (c *checker) object(path string, v any) map[string]any {
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(path, "is not an object")
	}
	return m
}

func (c *checker) str(path string, v any) string {
	s, ok := v.(string)
	if !ok {
		c.fail(path, "is not a string")
	}
	return s
}

func (c *checker) format(path string, v any, re *regexp.Regexp, kind string) {
	if s := c.str(path, v); !re.MatchString(s) {
		c.fail(path, "%q is not a FHIR %s", s, kind)
	}
}

func (c *checker) uri(path string, v any) {
	if s := c.str(path, v); s == "" || strings.ContainsAny(s, " \t\n") {
		c.fail(path, "%q is not a uri", s)
	}
}

func (c *checker) code(path string, v any, set []string) string {
	s := c.str(path, v)
	if !slices.Contains(set, s) {
		c.fail(path, "%q is not in the value set %v", s, set)
	}
	return s
}

func (c *checker) coding(path string, v any) map[string]any {
	m := c.object(path, v)
	c.elements(path, m, []string{"system", "version", "code", "display", "userSelected"}, nil)
	if s, ok := m["system"]; ok {
		c.uri(path+".system", s)
	}
	return m
}

func (c *checker) codeable(path string, v any) map[string]any {
	m := c.object(path, v)
	c.elements(path, m, []string{"coding", "text"}, nil)
	for i, x := range c.arrayIf(path+".coding", m["coding"]) {
		c.coding(fmt.Sprintf("%s.coding[%d]", path, i), x)
	}
	return m
}

func (c *checker) arrayIf(path string, v any) []any {
	if v == nil {
		return nil
	}
	return c.array(path, v)
}

// reference checks a Reference (ref-1: a reference, an identifier or a
// display is present).
func (c *checker) reference(path string, v any) map[string]any {
	m := c.object(path, v)
	c.elements(path, m, []string{"reference", "type", "identifier", "display"}, nil)
	if m["reference"] == nil && m["identifier"] == nil && m["display"] == nil {
		c.fail(path, "a Reference needs a reference, an identifier or a display")
	}
	if id, ok := m["identifier"]; ok {
		im := c.object(path+".identifier", id)
		c.elements(path+".identifier", im, []string{"use", "type", "system", "value", "period", "assigner"}, nil)
		// UK Core (1.0.0): an identifier has a system and a value.
		if im["system"] == nil || im["value"] == nil {
			c.fail(path+".identifier", "needs a system and a value")
		}
	}
	if t, ok := m["type"]; ok {
		c.uri(path+".type", t)
	}
	return m
}

func (c *checker) flag(path string, r map[string]any) {
	c.elements(path, r, []string{"resourceType", "id", "meta", "identifier", "status", "category", "code", "subject", "period", "encounter", "author"},
		[]string{"status", "code", "subject"})
	c.code(path+".status", r["status"], FlagStatuses)
	for i, cat := range c.arrayIf(path+".category", r["category"]) {
		p := fmt.Sprintf("%s.category[%d]", path, i)
		cc := c.codeable(p, cat)
		for j, x := range c.arrayIf(p+".coding", cc["coding"]) {
			cd, _ := x.(map[string]any)
			if cd["system"] == "http://terminology.hl7.org/CodeSystem/flag-category" {
				c.code(fmt.Sprintf("%s.coding[%d].code", p, j), cd["code"], FlagCategories)
			}
		}
	}
	if code, ok := r["code"]; ok {
		cc := c.codeable(path+".code", code)
		if cc["coding"] == nil && cc["text"] == nil {
			c.fail(path+".code", "needs a coding or a text")
		}
	}
	if s, ok := r["subject"]; ok {
		c.reference(path+".subject", s)
	}
	if a, ok := r["author"]; ok {
		c.reference(path+".author", a)
	}
	if p, ok := r["period"]; ok {
		pm := c.object(path+".period", p)
		c.elements(path+".period", pm, []string{"start", "end"}, nil)
		for _, k := range []string{"start", "end"} {
			if v, ok := pm[k]; ok {
				c.format(path+".period."+k, v, dateTimeRE, "dateTime")
			}
		}
		// per-1: start ≤ end (the same precision here, so text order).
		if s, e := pm["start"], pm["end"]; s != nil && e != nil && fmt.Sprint(s) > fmt.Sprint(e) {
			c.fail(path+".period", "per-1: start %v is after end %v", s, e)
		}
	}
	profiles, _ := r["meta"].(map[string]any)
	if ps, _ := profiles["profile"].([]any); !slices.Contains(ps, any(UKCoreFlag)) {
		c.fail(path+".meta.profile", "does not claim the UK Core Flag profile")
	}
}

func (c *checker) bundle(path string, r map[string]any) {
	c.elements(path, r, []string{"resourceType", "id", "meta", "identifier", "type", "timestamp", "total", "link", "entry", "signature"}, []string{"type"})
	typ := c.code(path+".type", r["type"], BundleTypes)
	if t, ok := r["total"]; ok {
		// bdl-1: total only when a search or history.
		if typ != "searchset" && typ != "history" {
			c.fail(path+".total", "bdl-1: only a searchset or history has a total")
		}
		n, ok := t.(json.Number)
		if v, err := n.Int64(); !ok || err != nil || v < 0 {
			c.fail(path+".total", "%v is not an unsignedInt", t)
		}
	} else if typ == "searchset" {
		c.fail(path+".total", "a searchset states its total")
	}
	seen := map[string]bool{}
	for i, e := range c.arrayIf(path+".entry", r["entry"]) {
		p := fmt.Sprintf("%s.entry[%d]", path, i)
		em := c.object(p, e)
		c.elements(p, em, []string{"link", "fullUrl", "resource", "search", "request", "response"}, []string{"resource"})
		if s, ok := em["search"]; ok {
			// bdl-2: entry.search only when a search.
			if typ != "searchset" {
				c.fail(p+".search", "bdl-2: only a searchset's entries have search")
			}
			sm := c.object(p+".search", s)
			c.elements(p+".search", sm, []string{"mode", "score"}, nil)
			if m, ok := sm["mode"]; ok {
				c.code(p+".search.mode", m, SearchModes)
			}
		}
		if em["request"] != nil || em["response"] != nil {
			c.fail(p, "bdl-3/bdl-4: request and response belong to batches, transactions and history only")
		}
		if u, ok := em["fullUrl"]; ok {
			s := c.str(p+".fullUrl", u)
			if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "urn:uuid:") {
				c.fail(p+".fullUrl", "%q is not an absolute URL", s)
			}
			if strings.Contains(s, "/_history/") {
				c.fail(p+".fullUrl", "bdl-8: %q is version specific", s)
			}
			if seen[s] {
				c.fail(p+".fullUrl", "bdl-7: %q is not unique", s)
			}
			seen[s] = true
			if res, ok := em["resource"].(map[string]any); ok {
				if id, _ := res["id"].(string); id == "" || !strings.HasSuffix(s, "/"+fmt.Sprint(res["resourceType"])+"/"+id) {
					c.fail(p+".fullUrl", "%q does not name the entry's resource", s)
				}
			}
		} else if typ == "searchset" {
			c.fail(p, "a searchset entry has a fullUrl")
		}
		if res, ok := em["resource"]; ok {
			c.resource(p+".resource", c.object(p+".resource", res))
		}
	}
}

func (c *checker) outcome(path string, r map[string]any) {
	c.elements(path, r, []string{"resourceType", "id", "meta", "issue"}, []string{"issue"})
	for i, x := range c.array(path+".issue", r["issue"]) {
		p := fmt.Sprintf("%s.issue[%d]", path, i)
		m := c.object(p, x)
		c.elements(p, m, []string{"severity", "code", "details", "diagnostics", "location", "expression"}, []string{"severity", "code"})
		c.code(p+".severity", m["severity"], Severities)
		c.code(p+".code", m["code"], IssueTypes)
		if d, ok := m["details"]; ok {
			c.codeable(p+".details", d)
		}
	}
}

func (c *checker) capability(path string, r map[string]any) {
	c.elements(path, r, []string{"resourceType", "id", "meta", "url", "version", "name", "title", "status", "experimental", "date", "publisher",
		"contact", "description", "kind", "software", "implementation", "fhirVersion", "format", "patchFormat", "implementationGuide", "rest"},
		[]string{"status", "date", "kind", "fhirVersion", "format"})
	c.code(path+".status", r["status"], PublicationStatuses)
	c.format(path+".date", r["date"], dateTimeRE, "dateTime")
	kind := c.code(path+".kind", r["kind"], CapabilityKinds)
	if v := c.str(path+".fhirVersion", r["fhirVersion"]); v != "4.0.1" {
		c.fail(path+".fhirVersion", "%q, want 4.0.1", v)
	}
	if len(c.array(path+".format", r["format"])) == 0 {
		c.fail(path+".format", "at least one format")
	}
	// cpb-1: rest, messaging or document; cpb-2: description, software or
	// implementation; cpb-15: an instance has an implementation.
	if r["rest"] == nil && r["messaging"] == nil && r["document"] == nil {
		c.fail(path, "cpb-1: needs rest, messaging or document")
	}
	if r["description"] == nil && r["software"] == nil && r["implementation"] == nil {
		c.fail(path, "cpb-2: needs a description, software or implementation")
	}
	if kind == "instance" && r["implementation"] == nil {
		c.fail(path, "cpb-15: an instance statement has an implementation")
	}
	if im, ok := r["implementation"]; ok {
		m := c.object(path+".implementation", im)
		c.elements(path+".implementation", m, []string{"description", "url", "custodian"}, []string{"description"})
	}
	if sw, ok := r["software"]; ok {
		m := c.object(path+".software", sw)
		c.elements(path+".software", m, []string{"name", "version", "releaseDate"}, []string{"name"})
	}
	for i, x := range c.arrayIf(path+".rest", r["rest"]) {
		p := fmt.Sprintf("%s.rest[%d]", path, i)
		m := c.object(p, x)
		c.elements(p, m, []string{"mode", "documentation", "security", "resource", "interaction", "searchParam", "operation", "compartment"}, []string{"mode"})
		c.code(p+".mode", m["mode"], RestModes)
		for j, y := range c.arrayIf(p+".resource", m["resource"]) {
			q := fmt.Sprintf("%s.resource[%d]", p, j)
			rm := c.object(q, y)
			c.elements(q, rm, []string{"type", "profile", "supportedProfile", "documentation", "interaction", "versioning", "readHistory",
				"updateCreate", "conditionalCreate", "conditionalRead", "conditionalUpdate", "conditionalDelete", "referencePolicy",
				"searchInclude", "searchRevInclude", "searchParam", "operation"}, []string{"type"})
			for k, z := range c.arrayIf(q+".interaction", rm["interaction"]) {
				im := c.object(fmt.Sprintf("%s.interaction[%d]", q, k), z)
				c.code(fmt.Sprintf("%s.interaction[%d].code", q, k), im["code"], TypeInteractions)
			}
			for k, z := range c.arrayIf(q+".searchParam", rm["searchParam"]) {
				sp := fmt.Sprintf("%s.searchParam[%d]", q, k)
				sm := c.object(sp, z)
				c.elements(sp, sm, []string{"name", "definition", "type", "documentation"}, []string{"name", "type"})
				c.code(sp+".type", sm["type"], SearchParamTypes)
			}
		}
	}
}
