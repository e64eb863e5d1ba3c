package synth

import (
	"slices"
	"testing"

	"github.com/safehub/safehub/internal/ident"
)

// The demo must echo a county hub: a few thousand children known to
// services, dozens at high risk, a handful of active county lines and
// about fifty children linked to one district's networks.
func TestDemoScaleNumbers(t *testing.T) {
	for _, seed := range []uint64{0, 42, 2026} {
		w := mustGenerate(t, Config{Seed: seed})
		s := w.sum
		checks := []struct {
			what   string
			got    int64
			lo, hi int64
		}{
			{"persons", s.Persons, 6_000, 6_000},
			{"children known to services", s.KnownToServices, 1_500, 5_000},
			{"high-risk children", s.HighRiskChildren, 24, 99},
			{"active county lines", int64(s.ActiveCountyLines), 3, 8},
			{"children in the focus district's networks", int64(s.FocusChildren), 35, 70},
			{"organised groups", int64(s.OrganisedGroups), 1, 6},
			{"peer groups", int64(s.PeerGroups), 3, 10},
			{"missing episodes", s.MissingEpisodes, 200, 3_000},
			{"NRM referrals", s.NRMReferrals, 5, 150},
			{"health flags", s.HealthFlags, 5, 150},
			{"operations", s.Operations, 1, 10},
		}
		for _, c := range checks {
			if c.got < c.lo || c.got > c.hi {
				t.Errorf("seed %d: %s = %d, want %d to %d", seed, c.what, c.got, c.lo, c.hi)
			}
		}
		// Recount from the files what the summary claims.
		pt := w.tables["truth_persons.csv"]
		var known, high int64
		for _, r := range pt.rows {
			if pt.col(r, "known_to_services") == "true" {
				known++
			}
			if pt.col(r, "risk_level") == "high" {
				high++
			}
		}
		if known != s.KnownToServices || high != s.HighRiskChildren {
			t.Errorf("seed %d: files hold %d known and %d high-risk children, summary says %d and %d", seed, known, high, s.KnownToServices, s.HighRiskChildren)
		}
		for _, ag := range agencies {
			if s.ExtractRecords[ag.kind] == 0 {
				t.Errorf("seed %d: no %s extract records", seed, ag.kind)
			}
		}
	}
}

// A minority of children account for most missing episodes.
func TestMissingRepeatSkew(t *testing.T) {
	for _, seed := range []uint64{1, 42} {
		w := mustGenerate(t, Config{Seed: seed})
		mt := w.tables["missing_episodes.csv"]
		count := map[string]int{}
		total := 0
		for _, r := range mt.rows {
			if mt.col(r, "type") == "missing_education" {
				continue
			}
			count[mt.col(r, "person_id")]++
			total++
		}
		var n []int
		for _, c := range count {
			n = append(n, c)
		}
		slices.Sort(n)
		slices.Reverse(n)
		top := (len(n) + 4) / 5
		sum := 0
		for _, c := range n[:top] {
			sum += c
		}
		share := float64(sum) / float64(total)
		t.Logf("seed %d: %d children, %d episodes, top 20%% have %.0f%%, most %d", seed, len(n), total, 100*share, n[0])
		if share < 0.6 {
			t.Errorf("seed %d: the top 20%% of missing children have %.0f%% of episodes, want at least 60%%", seed, 100*share)
		}
	}
}

// Every number in the phone pools is a drama number ident accepts.
func TestPhonePools(t *testing.T) {
	s := newIDSpace(1, MaxPersons)
	seen := map[string]bool{}
	check := func(ph string) {
		if got, err := ident.Phone(ph); err != nil || got != ph || !ident.IsDramaNumber(ph) {
			t.Errorf("phone %q: %v", ph, err)
		}
		if seen[ph] {
			t.Errorf("phone %q in two pools", ph)
		}
		seen[ph] = true
	}
	for i := range maxPersonalPhones {
		check(s.phoneAt(i))
	}
	for i := range criminalPhones {
		check(criminalPhone(i))
	}
}

// Identifier spaces: NHS numbers stay unique past the 999 range's
// capacity, and household members never share a phone.
func TestIdentifierSpaces(t *testing.T) {
	const n = 1_000_000
	s := newIDSpace(5, n)
	used := make([]bool, 10_000_000)
	with := 0
	for k := range int64(n) {
		v := s.nhsNumber(k)
		if v == "" {
			continue
		}
		with++
		body := 0
		for _, c := range v[3:] {
			body = body*10 + int(c-'0')
		}
		if used[body] {
			t.Fatalf("NHS number %s issued twice", v)
		}
		used[body] = true
	}
	if want := len(validNHSBodies()); with != want {
		t.Errorf("%d of %d persons have NHS numbers, want %d (the whole 999 range)", with, n, want)
	}
	for k := int64(0); k < n; k += 997 {
		for j := int64(1); j < 12; j++ {
			if s.personalPhone(k) == s.personalPhone(k+j) {
				t.Fatalf("persons %d and %d share a phone", k, k+j)
			}
		}
	}
	for _, k := range []int64{0, 1, 5_000_000, MaxPersons - 1} {
		if _, err := ident.PNC(s.pncID(k%n, 19)); err != nil {
			t.Errorf("pncID(%d): %v", k, err)
		}
	}
	if u := s.upn("855", 25, MaxPersons/blockSize*upnPerBlock-1); u == "" {
		t.Error("no UPN at the top of the allocation range")
	}
}

func TestTypoKeepsANameValid(t *testing.T) {
	r := newRNG(1, 99, 0)
	for _, name := range []string{"Lee", "Ng", "Al", "Małgorzata", "O'Brien", "Smith-Jones", "Zoë", "Ionuț", "Ali"} {
		for range 200 {
			got := typo(r, name)
			if v, err := ident.Name("given_name", got); err != nil || v == "" {
				t.Fatalf("typo(%q) = %q: %v", name, got, err)
			}
		}
	}
}
