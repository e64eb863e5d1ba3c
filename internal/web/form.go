package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

// errFormTooLarge and errRepeated are the form parser's refusals.
var (
	errFormTooLarge = hub.Errorf(hub.ETooLarge, "the form is too large")
	errBadForm      = hub.Errorf(hub.EInvalid, "the form could not be read")
)

// parseForm parses a POST form (application/x-www-form-urlencoded, the
// only kind our forms send) and refuses a parameter given more than once,
// so that no handler acts on one copy while another was checked.
func parseForm(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	if r.Method == http.MethodPost && strings.TrimSpace(ct) != "application/x-www-form-urlencoded" {
		return hub.Errorf(hub.EInvalid, "forms must be sent as application/x-www-form-urlencoded")
	}
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errFormTooLarge
		}
		return errBadForm
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return hub.Invalid(k, "was given more than once")
		}
	}
	return nil
}

// value returns a form value as sent.
func value(r *http.Request, name string) string { return r.PostForm.Get(name) }

// checked reports whether a checkbox was ticked.
func checked(r *http.Request, name string) bool { return r.PostForm.Get(name) == "yes" }
