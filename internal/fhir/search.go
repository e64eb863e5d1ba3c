package fhir

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
)

// The Flag search. FHIR R4 searches a reference by the identifier it holds
// with the :identifier modifier (search.html §3.1.1.4.9):
// patient:identifier=system|value. Our flags hold the child as such a
// logical reference, so that is the one search offered. The chain
// patient.identifier searches the identifier of the referenced Patient
// resource, which needs resolvable references and Patient resources; we
// have neither, so it is refused with a pointer to the modifier.
//
// Every refusal is an error: a typo in an NHS number must never look like
// "no flag" (an empty bundle), and one search finds one child (no
// enumeration).

// Limits of a search.
const (
	// MaxCount is the most flags one search returns, and the default.
	MaxCount = 20
	// MaxSearchBytes bounds a search's parameters (query or form body).
	MaxSearchBytes = 2048
	// PractitionerHeader optionally names the practitioner or role making
	// a look-up ("Dr A Khan, ED registrar"); it is recorded with the
	// look-up and passed to the child's lead practitioner.
	PractitionerHeader = "X-Safehub-Practitioner"
	// MaxPractitioner bounds the header's length, in characters.
	MaxPractitioner = 100
)

// ParamIdentifier is the one search parameter that finds flags.
const ParamIdentifier = "patient:identifier"

// FlagSearch is a parsed Flag search.
type FlagSearch struct {
	// NHSNumber is the child's NHS number, canonical (ten digits).
	NHSNumber string
	// Count is how many flags to return at most (0 returns only the
	// total).
	Count int
}

// SearchError is a refused search: the parameter it is about, the
// OperationOutcome issue type and a message safe to show (it never echoes
// the value). It unwraps to a hub.Error with code invalid (or too_large),
// so the HTTP layer maps it to 400 (or 413).
type SearchError struct {
	Param string
	Issue string
	Msg   string
	code  string
}

func (e *SearchError) Error() string {
	if e.Param == "" {
		return e.Msg
	}
	return e.Param + ": " + e.Msg
}

// Unwrap returns the domain error.
func (e *SearchError) Unwrap() error {
	code := e.code
	if code == "" {
		code = hub.EInvalid
	}
	return &hub.Error{Code: code, Field: e.Param, Message: e.Error()}
}

func refuse(param, issue, format string, args ...any) *SearchError {
	return &SearchError{Param: param, Issue: issue, Msg: fmt.Sprintf(format, args...)}
}

// ErrSearchTooLong refuses parameters longer than MaxSearchBytes.
var ErrSearchTooLong = &SearchError{Issue: IssueTooLong, Msg: fmt.Sprintf("the search parameters are longer than %d bytes", MaxSearchBytes), code: hub.ETooLarge}

// unsupported are search parameters of R4 that we refuse by name, with a
// reason more helpful than "unknown".
var unsupported = map[string]string{
	"identifier":  "searches a flag's own identifier; to find a child's flags use " + ParamIdentifier + "=" + SystemNHSNumber + "|NNNNNNNNNN",
	"patient":     "must be used with the :identifier modifier: " + ParamIdentifier + "=" + SystemNHSNumber + "|NNNNNNNNNN",
	"subject":     "is not supported; use " + ParamIdentifier + "=" + SystemNHSNumber + "|NNNNNNNNNN",
	"_include":    "is not supported: flags include no other resources",
	"_revinclude": "is not supported: flags include no other resources",
}

// ParseFlagSearch parses a Flag search's parameters, as a URL query or an
// application/x-www-form-urlencoded body. It accepts exactly one
// patient:identifier with the NHS number system and a valid NHS number,
// optionally _count (0 to MaxCount) and _format (JSON only); anything else
// — another parameter or modifier, a repeated parameter, another system,
// several identifiers, an invalid NHS number — is refused.
func ParseFlagSearch(raw string) (*FlagSearch, error) {
	if len(raw) > MaxSearchBytes {
		return nil, ErrSearchTooLong
	}
	if !utf8.ValidString(raw) {
		return nil, refuse("", IssueStructure, "the search parameters are not UTF-8 text")
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, refuse("", IssueStructure, "the search parameters are not a valid form or query string (check the %%-escapes, and separate parameters with &)")
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := &FlagSearch{Count: MaxCount}
	found := false
	for _, k := range keys {
		vs := vals[k]
		name := k
		if !utf8.ValidString(k) || !printable(k) {
			return nil, refuse("", IssueStructure, "a parameter name is not printable text")
		}
		if len(name) > 64 {
			name = name[:64] + "…"
		}
		if k == "" {
			return nil, refuse("", IssueStructure, "a parameter has no name")
		}
		if len(vs) > 1 {
			if k == ParamIdentifier {
				return nil, refuse(k, IssueNotSupported, "is given %d times: a search looks up exactly one child", len(vs))
			}
			return nil, refuse(name, IssueInvalid, "is given more than once")
		}
		v := vs[0]
		if !utf8.ValidString(v) {
			return nil, refuse(name, IssueStructure, "is not UTF-8 text")
		}
		switch k {
		case ParamIdentifier:
			nhs, err := parseNHSToken(v)
			if err != nil {
				return nil, err
			}
			s.NHSNumber, found = nhs, true
		case "_count":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || !digitsOnly(v) {
				return nil, refuse(k, IssueValue, "must be a whole number from 0 to %d", MaxCount)
			}
			if n > MaxCount {
				return nil, refuse(k, IssueValue, "must be at most %d", MaxCount)
			}
			s.Count = n
		case "_format":
			if !JSONFormat(v) {
				return nil, refuse(k, IssueNotSupported, "only JSON is served (json or %s)", MediaType)
			}
		default:
			base, mod, hasMod := strings.Cut(k, ":")
			chainBase, _, chained := strings.Cut(base, ".")
			switch {
			case chained && (chainBase == "patient" || chainBase == "subject"):
				return nil, refuse(name, IssueNotSupported, "chained search is not supported: flags refer to the child by identifier only, so use %s=%s|NNNNNNNNNN", ParamIdentifier, SystemNHSNumber)
			case hasMod && (base == "patient" || base == "subject" || base == "identifier"):
				return nil, refuse(name, IssueNotSupported, "the modifier :%s is not supported here; use %s=%s|NNNNNNNNNN", clip(mod, 32), ParamIdentifier, SystemNHSNumber)
			case unsupported[k] != "":
				return nil, refuse(name, IssueNotSupported, "%s", unsupported[k])
			}
			return nil, refuse(name, IssueNotSupported, "is not a supported search parameter (only %s, _count and _format are)", ParamIdentifier)
		}
	}
	if !found {
		return nil, refuse(ParamIdentifier, IssueRequired, "is required: %s=%s|NNNNNNNNNN", ParamIdentifier, SystemNHSNumber)
	}
	return s, nil
}

// JSONFormat reports whether a _format value asks for JSON, the one
// format served.
func JSONFormat(v string) bool {
	switch v {
	case "json", MediaType, "application/json", "application/json+fhir":
		return true
	}
	return false
}

// parseNHSToken parses "system|value" with the NHS number system and a
// valid NHS number, returning the number in canonical form.
func parseNHSToken(v string) (string, error) {
	const p = ParamIdentifier
	if strings.TrimSpace(v) == "" {
		return "", refuse(p, IssueRequired, "is empty: give %s|NNNNNNNNNN", SystemNHSNumber)
	}
	if strings.Contains(v, ",") {
		return "", refuse(p, IssueNotSupported, "gives several identifiers: a search looks up exactly one child")
	}
	system, value, ok := strings.Cut(v, "|")
	if !ok {
		return "", refuse(p, IssueRequired, "must name the identifier system: %s|NNNNNNNNNN", SystemNHSNumber)
	}
	if system != SystemNHSNumber {
		if system == "" {
			return "", refuse(p, IssueRequired, "must name the identifier system: %s|NNNNNNNNNN", SystemNHSNumber)
		}
		return "", refuse(p, IssueNotSupported, "only NHS numbers can be looked up: the system must be %s", SystemNHSNumber)
	}
	nhs, err := ident.NHSNumber(value)
	if err != nil {
		return "", refuse(p, IssueValue, "the NHS number is not valid: %s", hub.ErrorMessage(err))
	}
	return nhs, nil
}

// ParsePractitioner checks the optional practitioner header: printable
// text of at most MaxPractitioner characters, spaces trimmed.
func ParsePractitioner(s string) (string, error) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || !printable(s) {
		return "", refuse(PractitionerHeader, IssueValue, "must be printable text")
	}
	if n := utf8.RuneCountInString(s); n > MaxPractitioner {
		return "", refuse(PractitionerHeader, IssueTooLong, "is longer than %d characters", MaxPractitioner)
	}
	return s, nil
}

// printable reports whether s has no control, format (bidi, zero-width)
// or other invisible characters.
func printable(s string) bool {
	for _, r := range s {
		if r == ' ' {
			continue
		}
		if !unicode.IsPrint(r) || unicode.Is(unicode.Cf, r) {
			return false
		}
	}
	return true
}

func digitsOnly(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
