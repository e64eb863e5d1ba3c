package web

import (
	"net/http"
	"slices"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/web/static"
)

// Routes lists the web surface's routes. Every state change is a POST;
// GET never changes anything.
func (h *Handler) Routes() []httpx.Route {
	f := func(fn http.HandlerFunc) http.Handler { return fn }
	rs := []httpx.Route{
		{Pattern: "GET " + static.Prefix, Auth: httpx.Public, Handler: h.assets.Handler()},
		{Pattern: "GET /sign-in", Auth: httpx.Public, Handler: f(h.signInForm)},
		{Pattern: "POST /sign-in", Auth: httpx.Public, Handler: f(h.signIn)},
		{Pattern: "GET /sign-in/mfa", Auth: httpx.MFAPending, Handler: f(h.mfaForm)},
		{Pattern: "POST /sign-in/mfa", Auth: httpx.MFAPending, Handler: f(h.mfa)},
		{Pattern: "POST /sign-out", Auth: httpx.MFAPending, Handler: f(h.signOut)},

		{Pattern: "GET /{$}", Auth: httpx.Session, Action: access.Home, Handler: f(h.home)},
		{Pattern: "GET /account", Auth: httpx.Session, Action: access.Account, Handler: f(h.account)},
		{Pattern: "POST /account/password", Auth: httpx.Session, Action: access.Account, Handler: f(h.changePassword)},
		{Pattern: "POST /account/sessions/end-others", Auth: httpx.Session, Action: access.Account, Handler: f(h.endOtherSessions)},
		{Pattern: "POST /account/tokens", Auth: httpx.Session, Action: access.Account, Handler: f(h.createToken)},
		{Pattern: "POST /account/tokens/{id}/revoke", Auth: httpx.Session, Action: access.Account, Handler: f(h.revokeToken)},

		{Pattern: "GET /persons", Auth: httpx.Session, Action: access.PersonSearch, Handler: f(h.searchForm)},
		{Pattern: "POST /persons/search", Auth: httpx.Session, Action: access.PersonSearch, Handler: f(h.search)},
		{Pattern: "GET /persons/new", Auth: httpx.Session, Action: access.PersonCreate, Handler: f(h.newPersonForm)},
		{Pattern: "POST /persons", Auth: httpx.Session, Action: access.PersonCreate, Handler: f(h.createPerson)},
		{Pattern: "GET /persons/{id}", Auth: httpx.Session, Action: access.PersonRead, Handler: f(h.person)},
		{Pattern: "GET /persons/{id}/edit", Auth: httpx.Session, Action: access.PersonUpdate, Handler: f(h.editPersonForm)},
		{Pattern: "POST /persons/{id}", Auth: httpx.Session, Action: access.PersonUpdate, Handler: f(h.updatePerson)},
		{Pattern: "GET /persons/{id}/access", Auth: httpx.Session, Handler: f(h.personAccess)},
		{Pattern: "POST /persons/{id}/break-glass", Auth: httpx.Session, Action: access.BreakGlass, Handler: f(h.breakGlass)},

		{Pattern: "GET /admin/users", Auth: httpx.Session, Action: access.UserAdmin, Handler: f(h.adminUsers)},
		{Pattern: "GET /admin/users/new", Auth: httpx.Session, Action: access.UserAdmin, Handler: f(h.adminNewUserForm)},
		{Pattern: "POST /admin/users", Auth: httpx.Session, Action: access.UserAdmin, Handler: f(h.adminCreateUser)},
		{Pattern: "GET /admin/users/{id}", Auth: httpx.Session, Action: access.UserAdmin, Handler: f(h.adminUser)},
		{Pattern: "POST /admin/users/{id}", Auth: httpx.Session, Action: access.UserAdmin, Handler: f(h.adminUpdateUser)},
		{Pattern: "GET /admin/agencies", Auth: httpx.Session, Action: access.UserAdmin, Handler: f(h.adminAgencies)},
		{Pattern: "POST /admin/agencies", Auth: httpx.Session, Action: access.UserAdmin, Handler: f(h.adminCreateAgency)},
		{Pattern: "POST /admin/areas", Auth: httpx.Session, Action: access.UserAdmin, Handler: f(h.adminCreateArea)},
		{Pattern: "GET /admin/clients", Auth: httpx.Session, Action: access.ClientAdmin, Handler: f(h.adminClients)},
		{Pattern: "POST /admin/clients", Auth: httpx.Session, Action: access.ClientAdmin, Handler: f(h.adminCreateClient)},
		{Pattern: "POST /admin/clients/{id}/revoke", Auth: httpx.Session, Action: access.ClientAdmin, Handler: f(h.adminRevokeClient)},

		{Pattern: "GET /audit", Auth: httpx.Session, Action: access.AuditRead, Handler: f(h.auditLog)},
		{Pattern: "GET /audit/break-glass", Auth: httpx.Session, Action: access.AuditRead, Handler: f(h.auditBreakGlass)},
		{Pattern: "POST /audit/break-glass/{id}/review", Auth: httpx.Session, Action: access.AuditRead, Handler: f(h.auditReviewBreakGlass)},
	}
	rs = append(rs, h.notificationRoutes()...)
	for _, feature := range featureRoutes {
		rs = append(rs, feature(h)...)
	}
	if h.cfg.OIDC != nil {
		rs = append(rs,
			httpx.Route{Pattern: "GET /sign-in/oidc", Auth: httpx.Public, Handler: f(h.oidcStart)},
			httpx.Route{Pattern: "GET /sign-in/oidc/callback", Auth: httpx.Public, Handler: f(h.oidcCallback)},
		)
	}
	return rs
}

// featureRoutes are the route tables of feature files (flags, casework),
// added in their init functions.
var featureRoutes []func(h *Handler) []httpx.Route

// navEntry is one possible item of the service navigation, shown to those
// whose roles grant Action. Order places it: lower comes first.
type navEntry struct {
	Label, Href string
	Action      access.Action
	Order       int
}

// navEntries are the navigation items; feature files add theirs in init
// functions.
var navEntries = []navEntry{
	{"Home", "/", access.Home, 0},
	{"Find a person", "/persons", access.PersonSearch, 10},
	{"Users", "/admin/users", access.UserAdmin, 80},
	{"Agencies and areas", "/admin/agencies", access.UserAdmin, 81},
	{"API clients", "/admin/clients", access.ClientAdmin, 82},
	{"Audit", "/audit", access.AuditRead, 85},
	{"Your account", "/account", access.Account, 100},
}

// navFor builds the service navigation for what the principal may do.
func navFor(p *app.Principal, active string) []NavItem {
	entries := slices.Clone(navEntries)
	slices.SortStableFunc(entries, func(a, b navEntry) int { return a.Order - b.Order })
	var items []NavItem
	for _, e := range entries {
		if access.Can(p.Actor, e.Action) {
			items = append(items, NavItem{Label: e.Label, Href: e.Href, Active: active == e.Href})
		}
	}
	return items
}
