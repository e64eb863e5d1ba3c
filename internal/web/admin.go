package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

type adminUsersPage struct {
	Page
	Users    []*hub.User
	Total    int
	Agencies map[string]string
}

func (h *Handler) agencyNames(r *http.Request) (map[string]string, []*hub.Agency, error) {
	ags, err := h.app.Agencies(r.Context())
	if err != nil {
		return nil, nil, err
	}
	m := map[string]string{}
	for _, a := range ags {
		m[a.ID] = a.Name
	}
	return m, ags, nil
}

func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	users, total, err := h.app.Users(r.Context(), a, store.UserFilter{Limit: 500})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	names, _, err := h.agencyNames(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_users", adminUsersPage{Page: h.page(r, "Users", "/admin/users"), Users: users, Total: total, Agencies: names})
}

// userForm is the add/change user form, as typed.
type userForm struct {
	Username, DisplayName, Email, AgencyID string
	AreaIDs                                []string
	Roles                                  []hub.Role
	Disabled                               bool
}

// Has reports whether the form has role r ticked.
func (f userForm) Has(r hub.Role) bool {
	for _, x := range f.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// InArea reports whether the form has area id ticked.
func (f userForm) InArea(id string) bool {
	for _, x := range f.AreaIDs {
		if x == id {
			return true
		}
	}
	return false
}

type adminUserPage struct {
	Page
	New      bool
	ID       string
	Version  int
	Form     userForm
	Agencies []*hub.Agency
	Areas    []*hub.Area
	Roles    []hub.Role
	MFA      bool
}

func (h *Handler) userPage(r *http.Request, title string) (*adminUserPage, error) {
	_, ags, err := h.agencyNames(r)
	if err != nil {
		return nil, err
	}
	areas, err := h.app.Areas(r.Context())
	if err != nil {
		return nil, err
	}
	p := &adminUserPage{Page: h.page(r, title, "/admin/users"), Agencies: ags, Areas: areas, Roles: hub.Roles}
	p.Back = "/admin/users"
	return p, nil
}

func (h *Handler) adminNewUserForm(w http.ResponseWriter, r *http.Request) {
	p, err := h.userPage(r, "Add a user")
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p.New = true
	h.render(w, r, http.StatusOK, "admin_user", p)
}

func readUserForm(r *http.Request) (userForm, error) {
	f := userForm{Username: value(r, "username"), DisplayName: value(r, "display_name"), Email: value(r, "email"), AgencyID: value(r, "agency_id"), Disabled: checked(r, "disabled")}
	// Checkbox groups repeat their name: roles=a&roles=b, read from the raw
	// form since parseForm refuses repeats of single-valued fields only.
	for _, v := range strings.Split(value(r, "roles"), ",") {
		if v = strings.TrimSpace(v); v != "" {
			f.Roles = append(f.Roles, hub.Role(v))
		}
	}
	for _, v := range strings.Split(value(r, "area_ids"), ",") {
		if v = strings.TrimSpace(v); v != "" {
			f.AreaIDs = append(f.AreaIDs, v)
		}
	}
	for _, role := range hub.Roles {
		if checked(r, "role_"+string(role)) {
			f.Roles = append(f.Roles, role)
		}
	}
	for k := range r.PostForm {
		if id, ok := strings.CutPrefix(k, "area_"); ok && checked(r, k) {
			if !hub.ValidID(id) {
				return f, hub.Invalid("area_ids", "contains a malformed area id")
			}
			f.AreaIDs = append(f.AreaIDs, id)
		}
	}
	for _, ro := range f.Roles {
		if !ro.Valid() {
			return f, hub.Invalid("roles", "unknown role %q", ro)
		}
	}
	return f, nil
}

func (h *Handler) adminCreateUser(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	f, err := readUserForm(r)
	if err == nil {
		var u *hub.User
		u, err = h.app.CreateUser(r.Context(), a, app.NewUser{Username: f.Username, DisplayName: f.DisplayName, Email: f.Email, AgencyID: f.AgencyID, AreaIDs: f.AreaIDs, Roles: f.Roles, Password: value(r, "password")})
		if err == nil {
			http.Redirect(w, r, "/admin/users/"+u.ID, http.StatusSeeOther)
			return
		}
	}
	h.refusedUser(w, r, "Add a user", true, f, "", 0, err)
}

func (h *Handler) refusedUser(w http.ResponseWriter, r *http.Request, title string, isNew bool, f userForm, id string, version int, err error) {
	if s := httpx.Status(err); s >= 500 || s == http.StatusNotFound {
		h.failed(w, r, err)
		return
	}
	p, perr := h.userPage(r, title)
	if perr != nil {
		h.RenderError(w, r, perr)
		return
	}
	p.New, p.Form, p.ID, p.Version = isNew, f, id, version
	p.SetError(err)
	h.render(w, r, httpx.Status(err), "admin_user", p)
}

func (h *Handler) adminUser(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	u, err := h.app.User(r.Context(), a, id)
	if err != nil {
		h.failed(w, r, err)
		return
	}
	p, err := h.userPage(r, "User "+u.Username)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p.ID, p.Version, p.MFA = u.ID, u.Version, u.MFAEnrolled
	p.Form = userForm{Username: u.Username, DisplayName: u.DisplayName, Email: u.Email, AgencyID: u.AgencyID, AreaIDs: u.AreaIDs, Roles: u.Roles, Disabled: u.Disabled}
	if r.URL.Query().Get("saved") == "1" {
		p.Flash = "The user has been saved."
	}
	h.render(w, r, http.StatusOK, "admin_user", p)
}

func (h *Handler) adminUpdateUser(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	version, _ := strconv.Atoi(value(r, "version"))
	f, err := readUserForm(r)
	if err == nil {
		ch := app.UserChange{Version: version, DisplayName: &f.DisplayName, Email: &f.Email, AgencyID: &f.AgencyID, AreaIDs: &f.AreaIDs, Roles: &f.Roles, Disabled: &f.Disabled, ResetMFA: checked(r, "reset_mfa")}
		if pw := value(r, "password"); pw != "" {
			ch.Password = &pw
		}
		if _, err = h.app.UpdateUser(r.Context(), a, id, ch); err == nil {
			http.Redirect(w, r, "/admin/users/"+id+"?saved=1", http.StatusSeeOther)
			return
		}
	}
	h.refusedUser(w, r, "Change user", false, f, id, version, err)
}

type agenciesPage struct {
	Page
	Agencies []*hub.Agency
	Areas    []*hub.Area
	Kinds    []hub.AgencyKind
}

func (h *Handler) agenciesPage(r *http.Request) (*agenciesPage, error) {
	_, ags, err := h.agencyNames(r)
	if err != nil {
		return nil, err
	}
	areas, err := h.app.Areas(r.Context())
	if err != nil {
		return nil, err
	}
	return &agenciesPage{Page: h.page(r, "Agencies and areas", "/admin/agencies"), Agencies: ags, Areas: areas, Kinds: hub.AgencyKinds}, nil
}

func (h *Handler) adminAgencies(w http.ResponseWriter, r *http.Request) {
	p, err := h.agenciesPage(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_agencies", p)
}

func (h *Handler) afterAgencyChange(w http.ResponseWriter, r *http.Request, err error, flash string) {
	if err != nil && httpx.Status(err) >= 500 {
		h.RenderError(w, r, err)
		return
	}
	p, perr := h.agenciesPage(r)
	if perr != nil {
		h.RenderError(w, r, perr)
		return
	}
	status := http.StatusOK
	if err != nil {
		p.SetError(err)
		status = httpx.Status(err)
	} else {
		p.Flash = flash
	}
	h.render(w, r, status, "admin_agencies", p)
}

func (h *Handler) adminCreateAgency(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	ag := &hub.Agency{Name: value(r, "name"), Kind: hub.AgencyKind(value(r, "kind"))}
	h.afterAgencyChange(w, r, h.app.CreateAgency(r.Context(), a, ag), "Agency added.")
}

func (h *Handler) adminCreateArea(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	ar := &hub.Area{Name: value(r, "area_name"), Code: value(r, "area_code")}
	err := h.app.CreateArea(r.Context(), a, ar)
	if e := hub.ErrorField(err); e == "name" || e == "code" {
		err = &hub.Error{Code: hub.ErrorCode(err), Field: "area_" + e, Message: hub.ErrorMessage(err)}
	}
	h.afterAgencyChange(w, r, err, "Area added.")
}

type clientsPage struct {
	Page
	Clients  []*hub.APIClient
	Agencies []*hub.Agency
	Names    map[string]string
	Scopes   []hub.Scope
	// NewToken is shown once, right after creation.
	NewToken  string
	NewClient *hub.APIClient
}

func (h *Handler) clientsPage(r *http.Request) (*clientsPage, error) {
	a := httpx.ActorFrom(r.Context())
	cs, err := h.app.APIClients(r.Context(), a)
	if err != nil {
		return nil, err
	}
	names, ags, err := h.agencyNames(r)
	if err != nil {
		return nil, err
	}
	return &clientsPage{Page: h.page(r, "API clients", "/admin/clients"), Clients: cs, Agencies: ags, Names: names, Scopes: hub.Scopes}, nil
}

func (h *Handler) adminClients(w http.ResponseWriter, r *http.Request) {
	p, err := h.clientsPage(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "admin_clients", p)
}

func (h *Handler) adminCreateClient(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	in := app.NewAPIClient{Name: value(r, "name"), Setting: value(r, "setting"), AgencyID: value(r, "agency_id")}
	for _, s := range hub.Scopes {
		if checked(r, "scope_"+strings.ReplaceAll(string(s), ":", "_")) {
			in.Scopes = append(in.Scopes, s)
		}
	}
	c, token, err := h.app.CreateAPIClient(r.Context(), a, in)
	if err != nil && httpx.Status(err) >= 500 {
		h.RenderError(w, r, err)
		return
	}
	p, perr := h.clientsPage(r)
	if perr != nil {
		h.RenderError(w, r, perr)
		return
	}
	if err != nil {
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "admin_clients", p)
		return
	}
	p.NewToken, p.NewClient = token, c
	h.render(w, r, http.StatusOK, "admin_clients", p)
}

func (h *Handler) adminRevokeClient(w http.ResponseWriter, r *http.Request) {
	a := httpx.ActorFrom(r.Context())
	id, ok := h.pathID(w, r)
	if !ok {
		return
	}
	err := h.app.RevokeAPIClient(r.Context(), a, id)
	if err != nil && httpx.Status(err) >= 500 {
		h.RenderError(w, r, err)
		return
	}
	p, perr := h.clientsPage(r)
	if perr != nil {
		h.RenderError(w, r, perr)
		return
	}
	if err != nil {
		p.SetError(err)
		h.render(w, r, httpx.Status(err), "admin_clients", p)
		return
	}
	p.Flash = "The client has been revoked. Its token no longer works."
	h.render(w, r, http.StatusOK, "admin_clients", p)
}
