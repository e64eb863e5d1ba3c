package web

import (
	"context"
	"errors"
	"net/http"
)

// OIDCConfig configures sign-in through an identity provider.
type OIDCConfig struct {
	Issuer, ClientID, ClientSecret, RedirectURL string
}

// OIDC is sign-in through an agency's identity provider.
type OIDC struct{}

// NewOIDC discovers the provider.
func NewOIDC(ctx context.Context, c OIDCConfig) (*OIDC, error) {
	return nil, errors.New("OIDC sign-in is not built yet")
}

func (h *Handler) oidcStart(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented", http.StatusNotImplemented)
}

func (h *Handler) oidcCallback(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "not implemented", http.StatusNotImplemented)
}
