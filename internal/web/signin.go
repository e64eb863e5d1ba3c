package web

import (
	"encoding/base64"
	"net/http"

	"github.com/safehub/safehub/internal/httpx"
)

type signInPage struct {
	Page
	Username     string
	OIDC         bool
	DemoAccounts bool
}

func (h *Handler) signInForm(w http.ResponseWriter, r *http.Request) {
	p := signInPage{Page: h.page(r, "Sign in", ""), OIDC: h.cfg.OIDC != nil, DemoAccounts: h.cfg.Demo}
	h.render(w, r, http.StatusOK, "signin", p)
}

func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	p := signInPage{Page: h.page(r, "Sign in", ""), OIDC: h.cfg.OIDC != nil, DemoAccounts: h.cfg.Demo}
	if err := parseForm(r); err != nil {
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "signin", p)
		return
	}
	p.Username = value(r, "username")
	login, err := h.app.SignIn(r.Context(), value(r, "username"), value(r, "password"))
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "signin", p)
		return
	}
	httpx.SetSessionCookie(w, login.Token)
	if login.Session.MFAPending {
		http.Redirect(w, r, "/sign-in/mfa", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

type mfaPage struct {
	Page
	QR     string
	Secret string
}

// mfaForm asks for the code, or, for a user who has no authenticator yet,
// shows a new secret to enrol first.
func (h *Handler) mfaForm(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	if !pr.MFAPending() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if pr.User.MFAEnrolled {
		h.render(w, r, http.StatusOK, "mfa", mfaPage{Page: h.page(r, "Enter your security code", "")})
		return
	}
	h.enrolForm(w, r, http.StatusOK, nil)
}

func (h *Handler) enrolForm(w http.ResponseWriter, r *http.Request, status int, formErr error) {
	pr := httpx.PrincipalFrom(r.Context())
	en, err := h.app.StartMFAEnrolment(r.Context(), pr)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p := mfaPage{Page: h.page(r, "Set up your authenticator app", ""), QR: base64.StdEncoding.EncodeToString(en.QRPNG), Secret: en.Secret}
	if formErr != nil {
		p.SetError(formErr)
	}
	h.render(w, r, status, "mfa_enrol", p)
}

func (h *Handler) mfa(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	if !pr.MFAPending() {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	token, err := h.app.CompleteMFA(r.Context(), pr, value(r, "code"))
	if err != nil {
		if httpx.Status(err) >= 500 || httpx.Status(err) == http.StatusConflict {
			h.RenderError(w, r, err)
			return
		}
		if !pr.User.MFAEnrolled && httpx.Status(err) == http.StatusBadRequest {
			// A wrong code while enrolling: show the same secret again is not
			// possible (we keep no copy in the page), so start a fresh one.
			h.enrolForm(w, r, http.StatusBadRequest, err)
			return
		}
		p := mfaPage{Page: h.page(r, "Enter your security code", "")}
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "mfa", p)
		return
	}
	httpx.SetSessionCookie(w, token)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (h *Handler) signOut(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	if err := h.app.SignOut(r.Context(), pr); err != nil {
		h.RenderError(w, r, err)
		return
	}
	httpx.ClearSessionCookie(w)
	w.Header().Set("Clear-Site-Data", `"cache", "cookies", "storage"`)
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}
