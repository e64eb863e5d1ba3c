package apptest

import (
	"os"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store/pgtest"
	"github.com/safehub/safehub/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestSignIn checks the harness itself: every role can sign in, with and
// without MFA, and reach the home page.
func TestSignIn(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		for _, mfa := range []bool{false, true} {
			e := New(t, engine, Options{RequireMFA: mfa})
			for _, r := range hub.Roles {
				c := e.SignInRole(t, r)
				res := e.Get(t, c, "/")
				if res.StatusCode != 200 || !strings.Contains(res.Body, e.Users[r].DisplayName) {
					t.Errorf("mfa=%v role %s: GET / = %d", mfa, r, res.StatusCode)
				}
			}
		}
	})
}
