package web

import (
	"bytes"
	"testing"
	"time"
)

// TestOIDCFlowKeyShared: a flow cookie sealed by one server opens on
// another that shares the flow key, and not on one with another key.
func TestOIDCFlowKeyShared(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	a, b, c := &OIDC{flowKey: key}, &OIDC{flowKey: bytes.Clone(key)}, &OIDC{flowKey: bytes.Repeat([]byte{8}, 32)}
	f := flow{State: "s", Nonce: "n", Verifier: "v", Expires: time.Now().Add(time.Minute).Unix()}
	sealed, err := a.seal(f)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := b.open(sealed); !ok || got != f {
		t.Errorf("a server sharing the key did not open the flow: %v %+v", ok, got)
	}
	if _, ok := c.open(sealed); ok {
		t.Error("a server with another key opened the flow")
	}
}
