package web

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

type sessionRow struct {
	Session *hub.Session
	Current bool
}

type accountPage struct {
	Page
	AgencyName  string
	Sessions    []sessionRow
	MinPassword int
	Tokens      []*hub.APIClient
	// NewToken is shown once, right after it is made.
	NewToken string
}

func (h *Handler) accountPage(r *http.Request) (*accountPage, error) {
	pr := httpx.PrincipalFrom(r.Context())
	ss, err := h.app.Sessions(r.Context(), pr)
	if err != nil {
		return nil, err
	}
	p := &accountPage{Page: h.page(r, "Your account", "/account"), AgencyName: pr.Agency.Name, MinPassword: h.app.Config().PasswordPolicy.MinLength}
	if p.MinPassword == 0 {
		p.MinPassword = 15
	}
	for _, s := range ss {
		p.Sessions = append(p.Sessions, sessionRow{Session: s, Current: bytes.Equal(s.IDHash, pr.Session.IDHash)})
	}
	if p.Tokens, err = h.app.PersonalTokens(r.Context(), pr); err != nil {
		return nil, err
	}
	return p, nil
}

func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	var scopes []hub.Scope
	if checked(r, "scope_person_read") {
		scopes = append(scopes, hub.ScopePersonRead)
	}
	if checked(r, "scope_person_write") {
		scopes = append(scopes, hub.ScopePersonWrite)
	}
	if checked(r, "scope_case_read") {
		scopes = append(scopes, hub.ScopeCaseRead)
	}
	if checked(r, "scope_case_write") {
		scopes = append(scopes, hub.ScopeCaseWrite)
	}
	_, token, err := h.app.CreatePersonalToken(r.Context(), pr, value(r, "token_name"), scopes)
	if err != nil && httpx.Status(err) >= 500 {
		h.RenderError(w, r, err)
		return
	}
	p, perr := h.accountPage(r)
	if perr != nil {
		h.RenderError(w, r, perr)
		return
	}
	if err != nil {
		if f := hub.ErrorField(err); f == "name" {
			err = &hub.Error{Code: hub.ErrorCode(err), Field: "token_name", Message: hub.ErrorMessage(err)}
		}
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "account", p)
		return
	}
	p.NewToken = token
	h.render(w, r, http.StatusOK, "account", p)
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := h.app.RevokePersonalToken(r.Context(), pr, id); err != nil {
		h.failed(w, r, err)
		return
	}
	p, err := h.accountPage(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p.Flash = "The token has been revoked."
	h.render(w, r, http.StatusOK, "account", p)
}

func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	p, err := h.accountPage(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "account", p)
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	err := h.app.ChangePassword(r.Context(), pr, value(r, "current_password"), value(r, "new_password"), checked(r, "end_others"))
	p, perr := h.accountPage(r)
	if perr != nil {
		h.RenderError(w, r, perr)
		return
	}
	if err != nil {
		if httpx.Status(err) >= 500 {
			h.RenderError(w, r, err)
			return
		}
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "account", p)
		return
	}
	p.Flash = "Your password has been changed."
	h.render(w, r, http.StatusOK, "account", p)
}

func (h *Handler) endOtherSessions(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	n, err := h.app.EndOtherSessions(r.Context(), pr)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p, err := h.accountPage(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p.Flash = fmt.Sprintf("%d other sessions were signed out.", n)
	h.render(w, r, http.StatusOK, "account", p)
}
