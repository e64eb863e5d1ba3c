package ident_test

import (
	"testing"

	"github.com/safehub/safehub/internal/ident"
)

func BenchmarkNHSNumber(b *testing.B) {
	for b.Loop() {
		_, _ = ident.NHSNumber("943 476 5919")
	}
}

func BenchmarkName(b *testing.B) {
	for b.Loop() {
		_, _ = ident.Name("family_name", "  Nguye\u0302\u0303n   O’Brien-Smith ")
	}
}

func BenchmarkNameKey(b *testing.B) {
	for b.Loop() {
		_ = ident.NameKey("Nguyễn O’Brien-Smith")
	}
}

func BenchmarkPhone(b *testing.B) {
	for b.Loop() {
		_, _ = ident.Phone("07700 900123")
	}
}

func BenchmarkPostcode(b *testing.B) {
	for b.Loop() {
		_, _ = ident.Postcode("le1 5ww")
	}
}
