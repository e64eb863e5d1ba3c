package httpx

import (
	"net/http"

	"github.com/safehub/safehub/internal/hub"
)

// SessionCookie is the name of the session cookie. The __Host- prefix makes
// the browser insist on Secure, Path=/ and no Domain (SEC-15).
const SessionCookie = "__Host-safehub"

// SetSessionCookie sets the session cookie: __Host- prefix, Secure,
// HttpOnly, SameSite=Lax, Path=/, no Domain, and no Max-Age so the browser
// forgets it when closed; the server enforces the lifetimes.
func SetSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

// Errors the middleware hands to a surface's error renderer. Renderers test
// them with errors.Is to choose between a redirect and an error page.
var (
	ErrNoToken     = hub.Errorf(hub.EUnauthorized, "a bearer token is required")
	ErrNoSession   = hub.Errorf(hub.EUnauthorized, "sign in to continue")
	ErrMFAPending  = hub.Errorf(hub.EUnauthorized, "enter the code from your authenticator app to finish signing in")
	ErrForbidden   = hub.Errorf(hub.EForbidden, "you do not have permission to do this")
	ErrCrossOrigin = hub.Errorf(hub.EForbidden, "this request came from another site and was refused")
)
