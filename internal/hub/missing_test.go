package hub

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func ep(lastSeen, returned time.Duration) *MissingEpisode {
	e := &MissingEpisode{LastSeenAt: t0.Add(lastSeen)}
	if returned != 0 {
		e.ReturnedAt = t0.Add(returned)
	}
	return e
}

func TestEpisodeOverlaps(t *testing.T) {
	h := time.Hour
	for _, tt := range []struct {
		name string
		a, b *MissingEpisode
		want bool
	}{
		{"disjoint", ep(0, 2*h), ep(3*h, 4*h), false},
		{"touching: returned as the next begins", ep(0, 2*h), ep(2*h, 4*h), false},
		{"overlapping", ep(0, 3*h), ep(2*h, 4*h), true},
		{"inside", ep(0, 10*h), ep(2*h, 4*h), true},
		{"open before", ep(0, 0), ep(2*h, 4*h), true},
		{"open after", ep(5*h, 0), ep(2*h, 4*h), false},
		{"both open", ep(5*h, 0), ep(2*h, 0), true},
		{"same start", ep(2*h, 3*h), ep(2*h, 5*h), true},
	} {
		if got := tt.a.Overlaps(tt.b); got != tt.want {
			t.Errorf("%s: a.Overlaps(b) = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.b.Overlaps(tt.a); got != tt.want {
			t.Errorf("%s: b.Overlaps(a) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// FuzzEpisodeOverlaps: overlap is symmetric, an episode overlaps itself,
// and it agrees with the definition on intervals [last seen, return).
func FuzzEpisodeOverlaps(f *testing.F) {
	f.Add(int64(0), int64(2), int64(3), int64(4))
	f.Add(int64(0), int64(0), int64(3), int64(4))
	f.Add(int64(5), int64(5), int64(5), int64(0))
	f.Fuzz(func(t *testing.T, as, ad, bs, bd int64) {
		norm := func(s, d int64) (*MissingEpisode, int64, int64) {
			s, d = s%10000, d%10000
			if d < 0 {
				d = -d
			}
			e := &MissingEpisode{LastSeenAt: t0.Add(time.Duration(s) * time.Minute)}
			end := int64(1 << 40)
			if d > 0 {
				e.ReturnedAt = e.LastSeenAt.Add(time.Duration(d) * time.Minute)
				end = s + d
			}
			return e, s, end
		}
		a, a0, a1 := norm(as, ad)
		b, b0, b1 := norm(bs, bd)
		want := a0 < b1 && b0 < a1
		if got := a.Overlaps(b); got != want || b.Overlaps(a) != got {
			t.Fatalf("[%d,%d) and [%d,%d): Overlaps = %v, %v; want %v", a0, a1, b0, b1, got, b.Overlaps(a), want)
		}
		if !a.Overlaps(a) {
			t.Fatalf("an episode does not overlap itself")
		}
	})
}

func TestEpisodeValidateOrder(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	base := func() *MissingEpisode {
		return &MissingEpisode{PersonID: "00000000-0000-4000-8000-000000000001", Type: EpisodeMissing, From: FromHome, LastSeenAt: t0, LastSeenPlace: "Park",
			ReportedAt: t0.Add(time.Hour), ReportedBy: "parent", RiskLevel: PoliceRiskLow}
	}
	for _, tt := range []struct {
		name  string
		edit  func(e *MissingEpisode)
		field string
	}{
		{"valid open", func(e *MissingEpisode) {}, ""},
		{"valid returned", func(e *MissingEpisode) {
			e.FoundAt, e.ReturnedAt, e.FoundPlace = t0.Add(2*time.Hour), t0.Add(2*time.Hour), "Home"
		}, ""},
		{"reported = last seen", func(e *MissingEpisode) { e.ReportedAt = e.LastSeenAt }, ""},
		{"reported before last seen", func(e *MissingEpisode) { e.ReportedAt = t0.Add(-time.Second) }, "reported_at"},
		{"found before reported", func(e *MissingEpisode) { e.FoundAt, e.ReturnedAt, e.FoundPlace = t0, t0.Add(time.Hour), "Home" }, "found_at"},
		{"returned before found", func(e *MissingEpisode) {
			e.FoundAt, e.ReturnedAt, e.FoundPlace = t0.Add(3*time.Hour), t0.Add(2*time.Hour), "Home"
		}, "returned_at"},
		{"returned without found", func(e *MissingEpisode) { e.ReturnedAt = t0.Add(3 * time.Hour) }, "found_at"},
		{"found place without a time", func(e *MissingEpisode) { e.FoundPlace = "Home" }, "found_at"},
		{"returned in the future", func(e *MissingEpisode) {
			e.FoundAt, e.ReturnedAt, e.FoundPlace = t0.Add(2*time.Hour), now.Add(time.Minute), "Home"
		}, "returned_at"},
		{"no risk", func(e *MissingEpisode) { e.RiskLevel = "" }, "police_risk_level"},
		{"CME ungraded", func(e *MissingEpisode) { e.Type, e.From, e.RiskLevel = EpisodeEducation, FromEducation, "" }, ""},
		{"CME from home", func(e *MissingEpisode) { e.Type, e.RiskLevel = EpisodeEducation, "" }, "missing_from"},
		{"bad found-with id", func(e *MissingEpisode) {
			e.FoundAt, e.ReturnedAt, e.FoundPlace, e.FoundWithIDs = t0.Add(2*time.Hour), t0.Add(2*time.Hour), "Home", []string{"P00000001"}
		}, "found_with_ids"},
	} {
		e := base()
		tt.edit(e)
		err := e.Validate(now)
		if got := ErrorField(err); got != tt.field || (tt.field == "") != (err == nil) {
			t.Errorf("%s: Validate = %v, want field %q", tt.name, err, tt.field)
		}
	}
}

func TestNRMValidate(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	d := func(s string) Date { x, _ := ParseDate("d", s); return x }
	base := func() *NRMReferral {
		return &NRMReferral{PersonID: "00000000-0000-4000-8000-000000000001", Kind: NRMReferralKind, Child: true, Consent: ConsentNotRequired,
			SubmittedAt: time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC), FirstResponder: "police", ExploitationType: "sexual", RG: RGPending, CG: CGPending}
	}
	for _, tt := range []struct {
		name  string
		edit  func(n *NRMReferral)
		field string
	}{
		{"pending", func(n *NRMReferral) {}, ""},
		{"CG exactly 30 days after RG", func(n *NRMReferral) {
			n.RG, n.RGDecidedOn, n.CG, n.CGDecidedOn = RGPositive, d("2026-06-05"), CGTrafficking, d("2026-07-05")
		}, ""},
		{"CG 29 days after RG", func(n *NRMReferral) {
			n.RG, n.RGDecidedOn, n.CG, n.CGDecidedOn = RGPositive, d("2026-06-05"), CGTrafficking, d("2026-07-04")
		}, "cg_decided_on"},
		{"CG after a negative RG", func(n *NRMReferral) {
			n.RG, n.RGDecidedOn, n.CG, n.CGDecidedOn = RGNegative, d("2026-06-05"), CGNotRecognised, d("2026-09-05")
		}, "cg_decision"},
		{"RG date without a decision", func(n *NRMReferral) { n.RGDecidedOn = d("2026-06-05") }, "rg_decided_on"},
		{"RG on the day submitted (London)", func(n *NRMReferral) { n.RG, n.RGDecidedOn = RGNegative, d("2026-06-01") }, ""},
		{"RG the day before", func(n *NRMReferral) { n.RG, n.RGDecidedOn = RGNegative, d("2026-05-31") }, "rg_decided_on"},
		{"adult DtN", func(n *NRMReferral) { n.Child, n.Consent, n.Kind = false, ConsentDeclined, NRMDutyToNotify }, ""},
		{"adult DtN with a decision", func(n *NRMReferral) {
			n.Child, n.Consent, n.Kind, n.RG, n.RGDecidedOn = false, ConsentDeclined, NRMDutyToNotify, RGPositive, d("2026-06-05")
		}, "rg_decision"},
	} {
		n := base()
		tt.edit(n)
		err := n.Validate(now, loc, 30)
		if got := ErrorField(err); got != tt.field || (tt.field == "") != (err == nil) {
			t.Errorf("%s: Validate = %v, want field %q", tt.name, err, tt.field)
		}
	}
}
