package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/safehub/safehub/internal/hub"
)

// FuzzShareBody fuzzes the strict decoding of a share's JSON body (POST
// /api/v1/shares). It must never panic; a refusal is a field-level invalid
// error; what it accepts is valid JSON that encoding/json reads the same
// way, and survives a round trip unchanged.
func FuzzShareBody(f *testing.F) {
	for _, seed := range []string{
		`{"person_id": "01a21c92-d400-7ac3-815d-7a7544f099c0", "recipient_kind": "area", "recipient_ids": ["01a21c92-d291-79eb-b0ec-daff06aecc0d"], "parts": ["identity", "missing"], "purpose": "missing_located", "basis": "safeguarding", "necessity": "Found out of area.", "expires": "2026-12-20", "contribute": true}`,
		`{}`,
		`{"parts": "identity"}`,
		`{"parts": [1, 2]}`,
		`{"contribute": "yes"}`,
		`{"basis": "safeguarding", "basis": "vital-interests"}`,
		`{"parts": ["identity"], "Parts": ["notes"]}`,
		`{"approved_by": "me"}`,
		`{"recipient_ids": null, "parts": null}`,
		`{"necessity": "\u0000\ud800"}`,
		`{"parts": [[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]}`,
		`{} {}`,
		`{"purpose": "mace"} trailing`,
		`[]`,
		`null`,
		"{\"necessity\": \"\xff\"}",
		`{"expires": 20261220}`,
		``,
	} {
		f.Add([]byte(seed))
	}
	var fields []string
	for i := range reflect.TypeOf(ShareIn{}).NumField() {
		name, _, _ := strings.Cut(reflect.TypeOf(ShareIn{}).Field(i).Tag.Get("json"), ",")
		fields = append(fields, name)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in ShareIn
		err := decode(shareRequest(body), &in)
		if err != nil {
			var he *hub.Error
			if !errors.As(err, &he) || he.Code != hub.EInvalid || he.Message == "" {
				t.Fatalf("decode(%q) error %#v, want an invalid-input error with a message", body, err)
			}
			return
		}
		if !json.Valid(body) {
			t.Fatalf("decode accepted invalid JSON %q", body)
		}
		var plain ShareIn
		if err := json.Unmarshal(body, &plain); err != nil || !reflect.DeepEqual(plain, in) {
			t.Fatalf("decode(%q) = %+v; encoding/json reads %+v, %v", body, in, plain, err)
		}
		again, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var back ShareIn
		if err := decode(shareRequest(again), &back); err != nil || !reflect.DeepEqual(back, in) {
			t.Fatalf("round trip of %q: %+v, %v; want %+v", again, back, err, in)
		}
		// What is accepted is an object of known fields only (matched as
		// encoding/json does, without regard to case).
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(body, &keys); err != nil {
			t.Fatalf("accepted body %q is not an object: %v", body, err)
		}
		for k := range keys {
			if !slices.ContainsFunc(fields, func(f string) bool { return strings.EqualFold(f, k) }) {
				t.Fatalf("decode(%q) accepted unknown field %q", body, k)
			}
		}
		_ = in.input()
	})
}

func shareRequest(body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/api/v1/shares", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}
