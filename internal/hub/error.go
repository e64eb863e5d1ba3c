package hub

import (
	"errors"
	"fmt"
)

// Error codes. The HTTP layer alone maps them to status codes.
const (
	EInvalid      = "invalid"      // the input is malformed or breaks a rule (400/422)
	ENotFound     = "not_found"    // no such record, or not one the actor may know of (404)
	EConflict     = "conflict"     // a stale version or a duplicate (409)
	EUnauthorized = "unauthorized" // no valid credentials (401)
	EForbidden    = "forbidden"    // authenticated but not allowed, where existence is not secret (403)
	ETooLarge     = "too_large"    // the input exceeds a size limit (413)
	ETooMany      = "too_many"     // rate limited (429)
	EUnavailable  = "unavailable"  // a dependency such as the audit log cannot be written (503)
	EMethod       = "method"       // the resource exists but not for this method (405)
	EUnsupported  = "unsupported"  // the content's type is not one accepted here, e.g. an attachment (415)
	EInternal     = "internal"     // anything else; details are logged, never shown (500)
)

// Error is a domain error: a code for machines, a message that is safe to show
// to the person who made the request, and, for validation errors, the field
// the message is about.
type Error struct {
	Code    string
	Message string
	Field   string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Is lets errors.Is match domain errors by code, so that
// errors.Is(err, hub.ErrNotFound) holds for any not-found error.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Code == e.Code && t.Message == "" && t.Field == ""
}

// Sentinels for errors.Is. They carry a code only.
var (
	ErrNotFound     = &Error{Code: ENotFound}
	ErrConflict     = &Error{Code: EConflict}
	ErrInvalid      = &Error{Code: EInvalid}
	ErrUnauthorized = &Error{Code: EUnauthorized}
	ErrForbidden    = &Error{Code: EForbidden}
	ErrUnavailable  = &Error{Code: EUnavailable}
	ErrTooMany      = &Error{Code: ETooMany}
)

// Errorf returns a domain error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns a validation error naming field and saying why it was
// refused.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns a not-found error for a kind of record ("person", "user").
func NotFound(kind string) *Error {
	return &Error{Code: ENotFound, Message: kind + " not found"}
}

// Conflict returns the error for a save made against a stale version.
func Conflict(kind string) *Error {
	return &Error{Code: EConflict, Message: "this " + kind + " was changed by someone else since you opened it; reload it and make your change again"}
}

// ErrorCode returns the code of a domain error in err's chain, or EInternal.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the human message of a domain error in err's chain, or
// a generic message for anything else so that internal detail never leaks.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal {
		if e.Message == "" {
			return e.Code
		}
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field a validation error is about, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// WithCode returns a copy of e with another code, keeping field and message.
func (e *Error) WithCode(code string) *Error {
	c := *e
	c.Code = code
	return &c
}
