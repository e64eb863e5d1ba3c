package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/api"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/server"
	"github.com/safehub/safehub/internal/web"
)

// TestMetricsAccess: /metrics answers a direct request from the machine
// itself and a scraper with the metrics token; a request from elsewhere,
// or one forwarded by a local proxy, is told there is no such page.
func TestMetricsAccess(t *testing.T) {
	h := newHarness(t, firstEngine(), apptest.Options{})
	w, err := web.NewHandler(web.Config{Version: "test"}, h.App, apptest.Assets(t), slogFor(h))
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{TLS: true, MetricsToken: "scrape-0123456789"}, h.App, slogFor(h), w, api.NewHandler(h.App, slogFor(h)))
	tests := []struct {
		name   string
		remote string
		header map[string]string
		want   int
	}{
		{"loopback", "127.0.0.1:50000", nil, http.StatusOK},
		{"loopback IPv6", "[::1]:50000", nil, http.StatusOK},
		{"another machine", "203.0.113.9:50000", nil, http.StatusNotFound},
		{"through a local proxy", "127.0.0.1:50000", map[string]string{"X-Forwarded-For": "203.0.113.9"}, http.StatusNotFound},
		{"through a local proxy (Forwarded)", "127.0.0.1:50000", map[string]string{"Forwarded": "for=203.0.113.9"}, http.StatusNotFound},
		{"token from another machine", "203.0.113.9:50000", map[string]string{"Authorization": "Bearer scrape-0123456789"}, http.StatusOK},
		{"wrong token", "203.0.113.9:50000", map[string]string{"Authorization": "Bearer scrape-0123456780"}, http.StatusNotFound},
		{"token without Bearer", "203.0.113.9:50000", map[string]string{"Authorization": "scrape-0123456789"}, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "https://hub.example.org/metrics", nil)
			r.RemoteAddr = tt.remote
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, r)
			if rec.Code != tt.want {
				t.Fatalf("GET /metrics = %d, want %d", rec.Code, tt.want)
			}
			if body := rec.Body.String(); tt.want == http.StatusOK != strings.Contains(body, "go_goroutines") {
				t.Errorf("metrics shown = %v, want %v", strings.Contains(body, "go_goroutines"), tt.want == http.StatusOK)
			}
		})
	}
}
