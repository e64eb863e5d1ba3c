package web

import (
	"net/http"
	"strconv"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
)

func (h *Handler) notificationRoutes() []httpx.Route {
	return []httpx.Route{
		{Pattern: "GET /notifications", Auth: httpx.Session, Action: access.Notifications, Handler: http.HandlerFunc(h.notifications)},
		{Pattern: "POST /notifications/read", Auth: httpx.Session, Action: access.Notifications, Handler: http.HandlerFunc(h.readNotifications)},
	}
}

func init() {
	navEntries = append(navEntries, navEntry{"Notifications", "/notifications", access.Notifications, 90})
}

type notificationsPage struct {
	Page
	List       *app.NotificationPage
	UnreadOnly bool
	Offset     int
	Next       int
}

func (h *Handler) notifications(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	q := r.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	if offset < 0 || offset > 10000 {
		offset = 0
	}
	unread := q.Get("unread") == "1"
	list, err := h.app.Notifications(r.Context(), pr, unread, 50, offset)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	p := notificationsPage{Page: h.page(r, "Notifications", "/notifications"), List: list, UnreadOnly: unread, Offset: offset}
	if offset+len(list.Items) < list.Total {
		p.Next = offset + len(list.Items)
	}
	h.render(w, r, http.StatusOK, "notifications", p)
}

// readNotifications marks one notification (id) or all of them read.
func (h *Handler) readNotifications(w http.ResponseWriter, r *http.Request) {
	pr := httpx.PrincipalFrom(r.Context())
	if err := parseForm(r); err != nil {
		h.RenderError(w, r, err)
		return
	}
	var ids []string
	if id := value(r, "id"); id != "" {
		ids = append(ids, id)
	}
	if _, err := h.app.MarkNotificationsRead(r.Context(), pr, ids...); err != nil {
		h.RenderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}
