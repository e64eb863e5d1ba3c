package app_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/deadline"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// london returns London wall time as an instant.
func london(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, app.London).UTC()
}

// missingCounts is what a refused missing-episode use case must leave as
// it was: the episode, interview, prompt, Philomena and NRM tables, the
// risk history and the audit log.
type missingCounts struct {
	Episodes, Risks, Updates, RHIs, Prompts, Philomena, NRM, Notifications int
	Audit                                                                  int64
}

func missingCountsOf(t testing.TB, e *apptest.Env) missingCounts {
	t.Helper()
	var c missingCounts
	for _, q := range []struct {
		table string
		n     *int
	}{{"missing_episodes", &c.Episodes}, {"missing_risk_history", &c.Risks}, {"missing_updates", &c.Updates}, {"return_interviews", &c.RHIs},
		{"missing_prompts", &c.Prompts}, {"philomena_profiles", &c.Philomena}, {"nrm_referrals", &c.NRM}, {"notifications", &c.Notifications}} {
		if err := e.Store.SQL().QueryRow(`SELECT COUNT(*) FROM ` + q.table).Scan(q.n); err != nil {
			t.Fatal(err)
		}
	}
	err := e.Store.Read(ctx, func(tx *store.Tx) error {
		var err error
		c.Audit, err = tx.AuditSize()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// childReport is a valid report for child p, last seen two hours ago.
func childReport(e *apptest.Env, p *hub.Person) app.MissingReport {
	now := e.Clock.Now()
	return app.MissingReport{PersonID: p.ID, Type: "missing", From: "home", LastSeenAt: now.Add(-2 * time.Hour).Truncate(time.Minute), LastSeenPlace: "Leicester railway station",
		ReportedAt: now.Add(-time.Hour).Truncate(time.Minute), ReportedBy: "parent", ReporterDetail: "Mother, 07700 900123", RiskLevel: "medium",
		Circumstances: "Left after an argument; has gone missing before."}
}

func TestMissingEpisodeLifecycle(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, police := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RolePolice)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ruby", FamilyName: "Hale", DateOfBirth: "2011-03-02"})

		var ep *hub.MissingEpisode
		ev := oneEvent(t, e, 0, func() (err error) { ep, err = e.App.ReportMissing(ctx, prac, childReport(e, child)); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "missing_episode", ObjectID: ep.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		if ep.Version != 1 || ep.RiskLevel != hub.PoliceRiskMedium || !ep.Open() {
			t.Errorf("reported episode = %+v", ep)
		}

		ev = oneEvent(t, e, 0, func() (err error) {
			ep, err = e.App.ChangeMissingRisk(ctx, police, ep.ID, ep.Version, "high", "Seen getting into a car with older males (call from BTP, 10:40)")
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: police.ID, Action: hub.ActUpdate, ObjectType: "missing_episode", ObjectID: ep.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		ev = oneEvent(t, e, 0, func() (err error) {
			ep, err = e.App.AddMissingUpdate(ctx, prac, ep.ID, ep.Version, "School friend", "Thinks she went to Loughborough")
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActUpdate, ObjectType: "missing_episode", ObjectID: ep.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})

		e.Clock.Advance(20 * time.Hour)
		found := e.Clock.Now().Add(-2 * time.Hour).Truncate(time.Minute)
		ev = oneEvent(t, e, 0, func() (err error) {
			ep, err = e.App.RecordReturn(ctx, police, ep.ID, ep.Version, app.MissingReturn{FoundAt: found, FoundPlace: "Loughborough bus station", FoundBy: "PC 1234",
				FoundWith: "two older males", OutOfArea: true, Condition: "Cold, hungry, no injuries seen", ReturnedAt: found.Add(time.Hour), ReturnedTo: "Home"})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: police.ID, Action: hub.ActUpdate, ObjectType: "missing_episode", ObjectID: ep.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})

		var v *app.EpisodeView
		ev = oneEvent(t, e, 0, func() (err error) { v, err = e.App.ViewMissingEpisode(ctx, prac, ep.ID); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActView, ObjectType: "missing_episode", ObjectID: ep.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		got := v.Episode
		if got.Open() || got.FoundPlace != "Loughborough bus station" || !got.OutOfArea || got.Duration(e.Clock.Now()) != got.ReturnedAt.Sub(got.LastSeenAt) {
			t.Errorf("returned episode = %+v", got)
		}
		if len(got.RiskHistory) != 2 || got.RiskHistory[0].To != hub.PoliceRiskMedium || got.RiskHistory[1].From != hub.PoliceRiskMedium ||
			got.RiskHistory[1].To != hub.PoliceRiskHigh || got.RiskHistory[1].ActorID != police.ID || !strings.Contains(got.RiskHistory[1].Rationale, "older males") {
			t.Errorf("risk history = %+v", got.RiskHistory)
		}
		if len(got.Updates) != 1 || got.Updates[0].Source != "School friend" {
			t.Errorf("updates = %+v", got.Updates)
		}
		if v.Interview == nil || v.Interview.Status != hub.RHIDue || !v.Interview.DueAt.Equal(deadline.AddHours(got.ReturnedAt, 72)) {
			t.Fatalf("interview = %+v, want due 72 hours after the return", v.Interview)
		}
		// The high-risk regrading raised a prompt for a strategy discussion.
		if len(v.Prompts) != 1 || !v.Prompts[0].HighRisk {
			t.Errorf("prompts = %+v, want one high-risk prompt", v.Prompts)
		}

		// Complete the interview.
		rhi := v.Interview
		held := e.Clock.Now().Add(-30 * time.Minute).Truncate(time.Minute)
		ev = oneEvent(t, e, 0, func() (err error) {
			rhi, err = e.App.RecordInterview(ctx, prac, ep.ID, rhi.Version, app.InterviewInput{Status: "completed", OfferedAt: found.Add(70 * time.Minute), CompletedAt: held,
				Interviewer: "Sam Patel, Catch22", InterviewerKind: "independent_provider", Independent: true, PushFactors: "Arguments at home",
				PullFactors: "Older friends with money", Disclosures: "Was given a phone", PeopleNamed: "'Jay'", PlacesNamed: "Loughborough bus station", SharedWith: "Police, social care"})
			return err
		})
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActUpdate, ObjectType: "return_interview", ObjectID: rhi.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		if rhi.Status != hub.RHICompleted || !rhi.WithinDue() {
			t.Errorf("interview = %+v, want completed within 72 hours", rhi)
		}
		// A closed interview does not reopen.
		_, err := e.App.RecordInterview(ctx, prac, ep.ID, rhi.Version, app.InterviewInput{Status: "offered", OfferedAt: held})
		if hub.ErrorField(err) != "status" {
			t.Errorf("reopening a completed interview: %v, want refused on status", err)
		}

		// The person page carries the section.
		pv, err := e.App.ViewPerson(ctx, prac, child.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pv.Casework == nil || pv.Casework.Missing == nil || len(pv.Casework.Missing.Episodes) != 1 || pv.Casework.Missing.Interviews[ep.ID] == nil || !pv.Casework.Missing.CanRecord {
			t.Errorf("person view missing section = %+v", pv.Casework)
		}
	})
}

// TestRHIDueAcrossClockChange: 72 hours are elapsed hours, so a return at
// 01:00 on the Saturday before the clocks go back is due at 00:00 on the
// Tuesday, London time (one wall-clock hour earlier).
func TestRHIDueAcrossClockChange(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	prac := e.RoleActor(hub.RolePractitioner)
	child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ola", FamilyName: "Nowak", DateOfBirth: "2012-06-01"})
	e.Clock.Set(london(2026, 10, 26, 12, 0))
	in := childReport(e, child)
	in.LastSeenAt, in.ReportedAt = london(2026, 10, 23, 20, 0), london(2026, 10, 23, 21, 0)
	ep, err := e.App.ReportMissing(ctx, prac, in)
	if err != nil {
		t.Fatal(err)
	}
	returned := london(2026, 10, 24, 1, 0)
	if _, err := e.App.RecordReturn(ctx, prac, ep.ID, ep.Version, app.MissingReturn{FoundAt: returned, FoundPlace: "Home", ReturnedAt: returned}); err != nil {
		t.Fatal(err)
	}
	v, err := e.App.ViewMissingEpisode(ctx, prac, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := london(2026, 10, 27, 0, 0); !v.Interview.DueAt.Equal(want) {
		t.Errorf("RHI due %v, want %v (72 elapsed hours across the clock change)", v.Interview.DueAt.In(app.London), want.In(app.London))
	}
}

// TestMissingBadInput: every broken invariant is refused, naming the field,
// and nothing is written (not even an audit event).
func TestMissingBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Zara", FamilyName: "Ali", DateOfBirth: "2010-01-01"})
		adult := e.NewPerson(t, "856", app.PersonInput{GivenName: "Adam", FamilyName: "Grown", DateOfBirth: "1990-01-01"})
		now := e.Clock.Now()

		// One closed episode a week ago, to overlap.
		past := childReport(e, child)
		past.LastSeenAt, past.ReportedAt = now.Add(-7*24*time.Hour), now.Add(-7*24*time.Hour+time.Hour)
		closed, err := e.App.ReportMissing(ctx, prac, past)
		if err != nil {
			t.Fatal(err)
		}
		if closed, err = e.App.RecordReturn(ctx, prac, closed.ID, closed.Version, app.MissingReturn{FoundAt: now.Add(-6 * 24 * time.Hour), FoundPlace: "Home"}); err != nil {
			t.Fatal(err)
		}

		tests := []struct {
			name  string
			edit  func(r *app.MissingReport)
			field string
		}{
			{"no risk level", func(r *app.MissingReport) { r.RiskLevel = "" }, "police_risk_level"},
			{"absent is not a level", func(r *app.MissingReport) { r.RiskLevel = "absent" }, "police_risk_level"},
			{"unknown type", func(r *app.MissingReport) { r.Type = "runaway" }, "type"},
			{"unknown place", func(r *app.MissingReport) { r.From = "street" }, "missing_from"},
			{"away from home", func(r *app.MissingReport) { r.Type = "away_without_authorisation" }, "missing_from"},
			{"CME graded", func(r *app.MissingReport) { r.Type, r.From = "missing_education", "education" }, "police_risk_level"},
			{"no last seen place", func(r *app.MissingReport) { r.LastSeenPlace = " " }, "last_seen_place"},
			{"last seen in the future", func(r *app.MissingReport) { r.LastSeenAt, r.ReportedAt = now.Add(time.Hour), now.Add(2*time.Hour) }, "last_seen_at"},
			{"reported before last seen", func(r *app.MissingReport) { r.ReportedAt = r.LastSeenAt.Add(-time.Minute) }, "reported_at"},
			{"reported in the future", func(r *app.MissingReport) { r.ReportedAt = now.Add(time.Minute) }, "reported_at"},
			{"unknown reporter", func(r *app.MissingReport) { r.ReportedBy = "neighbour's cat" }, "reported_by"},
			{"oversized circumstances", func(r *app.MissingReport) { r.Circumstances = strings.Repeat("x", hub.MaxNoteLen+1) }, "circumstances"},
			{"control characters in place", func(r *app.MissingReport) { r.LastSeenPlace = "park\x00" }, "last_seen_place"},
			{"overlaps a closed episode", func(r *app.MissingReport) {
				r.LastSeenAt, r.ReportedAt = closed.LastSeenAt.Add(time.Hour), closed.LastSeenAt.Add(2*time.Hour)
			}, "last_seen_at"},
			{"an adult", func(r *app.MissingReport) { r.PersonID = adult.ID }, "person_id"},
			{"no Philomena profile", func(r *app.MissingReport) { r.IncludePhilomena = true }, "include_philomena"},
			{"no child", func(r *app.MissingReport) { r.PersonID = "" }, "person_id"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := childReport(e, child)
				tt.edit(&in)
				before := missingCountsOf(t, e)
				_, err := e.App.ReportMissing(ctx, prac, in)
				if hub.ErrorCode(err) != hub.EInvalid || hub.ErrorField(err) != tt.field {
					t.Errorf("ReportMissing = %v, want invalid %s", err, tt.field)
				}
				if after := missingCountsOf(t, e); after != before {
					t.Errorf("counts changed on a refused report: %+v → %+v", before, after)
				}
			})
		}

		// An open episode refuses another, and bad returns are refused.
		open, err := e.App.ReportMissing(ctx, prac, childReport(e, child))
		if err != nil {
			t.Fatal(err)
		}
		again := childReport(e, child)
		again.LastSeenAt, again.ReportedAt = now.Add(-time.Hour), now.Add(-time.Hour)
		before := missingCountsOf(t, e)
		if _, err := e.App.ReportMissing(ctx, prac, again); hub.ErrorField(err) != "last_seen_at" || !strings.Contains(err.Error(), "open episode") {
			t.Errorf("a second open episode: %v, want refused as overlapping the open one", err)
		}
		returns := []struct {
			name  string
			in    app.MissingReturn
			field string
		}{
			{"found before reported", app.MissingReturn{FoundAt: open.ReportedAt.Add(-time.Minute), FoundPlace: "Park"}, "found_at"},
			{"returned before found", app.MissingReturn{FoundAt: now.Add(-10 * time.Minute), ReturnedAt: now.Add(-20 * time.Minute), FoundPlace: "Park"}, "returned_at"},
			{"found in the future", app.MissingReturn{FoundAt: now.Add(time.Hour), FoundPlace: "Park"}, "found_at"},
			{"no place found", app.MissingReturn{FoundAt: now.Add(-10 * time.Minute)}, "found_place"},
			{"no time found", app.MissingReturn{FoundPlace: "Park"}, "found_at"},
			{"oversized condition", app.MissingReturn{FoundAt: now.Add(-10 * time.Minute), FoundPlace: "Park", Condition: strings.Repeat("x", hub.MaxNoteLen+1)}, "condition"},
		}
		for _, tt := range returns {
			t.Run(tt.name, func(t *testing.T) {
				if _, err := e.App.RecordReturn(ctx, prac, open.ID, open.Version, tt.in); hub.ErrorCode(err) != hub.EInvalid || hub.ErrorField(err) != tt.field {
					t.Errorf("RecordReturn = %v, want invalid %s", err, tt.field)
				}
			})
		}
		// A stale version is a conflict.
		if _, err := e.App.AddMissingUpdate(ctx, prac, open.ID, open.Version+1, "", "news"); hub.ErrorCode(err) != hub.EConflict {
			t.Errorf("stale update: %v, want conflict", err)
		}
		for _, tt := range []struct {
			name, level, why, field string
		}{{"same level", "medium", "still medium", "police_risk_level"}, {"no rationale", "high", " ", "rationale"}, {"unknown level", "severe", "x", "police_risk_level"}} {
			if _, err := e.App.ChangeMissingRisk(ctx, prac, open.ID, open.Version, tt.level, tt.why); hub.ErrorField(err) != tt.field {
				t.Errorf("%s: ChangeMissingRisk = %v, want refused on %s", tt.name, err, tt.field)
			}
		}
		if after := missingCountsOf(t, e); after != before {
			t.Errorf("counts changed on refused changes: %+v → %+v", before, after)
		}

		// An interview cannot be held before the return, nor recorded
		// before there is a return.
		if _, err := e.App.RecordInterview(ctx, prac, open.ID, 1, app.InterviewInput{Status: "completed", CompletedAt: now}); hub.ErrorField(err) != "completed_at" {
			t.Errorf("interview before the return: %v, want refused on completed_at", err)
		}
		v, err := e.App.ViewMissingEpisode(ctx, prac, closed.ID)
		if err != nil {
			t.Fatal(err)
		}
		rhi := v.Interview
		good := app.InterviewInput{Status: "completed", CompletedAt: now.Add(-time.Hour), Interviewer: "Sam Patel", InterviewerKind: "independent_provider", Independent: true}
		interviews := []struct {
			name  string
			edit  func(in *app.InterviewInput)
			field string
		}{
			{"before the return", func(in *app.InterviewInput) { in.CompletedAt = closed.ReturnedAt.Add(-time.Minute) }, "completed_at"},
			{"in the future", func(in *app.InterviewInput) { in.CompletedAt = now.Add(time.Minute) }, "completed_at"},
			{"offered before the return", func(in *app.InterviewInput) { in.OfferedAt = closed.ReturnedAt.Add(-time.Hour) }, "offered_at"},
			{"no interviewer", func(in *app.InterviewInput) { in.Interviewer = "" }, "interviewer"},
			{"unknown interviewer kind", func(in *app.InterviewInput) { in.InterviewerKind = "carer" }, "interviewer_kind"},
			{"not independent without a reason", func(in *app.InterviewInput) { in.Independent = false }, "not_independent_reason"},
			{"declined without a reason", func(in *app.InterviewInput) { in.Status = "declined" }, "declined_reason"},
			{"declined with content", func(in *app.InterviewInput) {
				in.Status, in.DeclinedReason, in.PushFactors = "declined", "Child declined", "x"
			}, "push_factors"},
			{"still due", func(in *app.InterviewInput) { in.Status = "due" }, "status"},
			{"unknown status", func(in *app.InterviewInput) { in.Status = "lost" }, "status"},
			{"oversized disclosures", func(in *app.InterviewInput) { in.Disclosures = strings.Repeat("x", hub.MaxNoteLen+1) }, "disclosures"},
		}
		before = missingCountsOf(t, e)
		for _, tt := range interviews {
			t.Run(tt.name, func(t *testing.T) {
				in := good
				tt.edit(&in)
				if _, err := e.App.RecordInterview(ctx, prac, closed.ID, rhi.Version, in); hub.ErrorCode(err) != hub.EInvalid || hub.ErrorField(err) != tt.field {
					t.Errorf("RecordInterview = %v, want invalid %s", err, tt.field)
				}
			})
		}
		if after := missingCountsOf(t, e); after != before {
			t.Errorf("counts changed on refused interviews: %+v → %+v", before, after)
		}
		if v, err := e.App.ViewMissingEpisode(ctx, prac, closed.ID); err != nil || v.Interview.Version != rhi.Version || v.Interview.Status != hub.RHIDue {
			t.Errorf("interview after refusals = %+v, %v; want unchanged", v.Interview, err)
		}
	})
}

// TestRepeatMissingRule exercises the rule's edges: the count at the
// window's boundary, the high-risk trigger, a local configuration, one
// open prompt at a time, CME not counting, and the notification to the
// area's managers when the child has no lead practitioner.
func TestRepeatMissingRule(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		name string
		cfg  func(c *app.MissingConfig)
		// gaps are the days between successive episodes' last sightings;
		// risks their levels; types their types (default missing).
		gaps    []float64
		risks   []string
		types   []string
		prompts int
		high    bool
	}{
		{name: "two in 90 days", gaps: []float64{0, 10}, prompts: 0},
		{name: "three in 90 days", gaps: []float64{0, 10, 10}, prompts: 1},
		{name: "three spanning exactly 90 days", gaps: []float64{0, 45, 45}, prompts: 1},
		{name: "three spanning 90 days and a minute", gaps: []float64{0, 45, 45 + 1.0/1440}, prompts: 0},
		{name: "five in 90 days, still one prompt", gaps: []float64{0, 5, 5, 5, 5}, prompts: 1},
		{name: "CME does not count", gaps: []float64{0, 5, 5}, types: []string{"missing", "missing_education", "missing"}, prompts: 0},
		{name: "away counts", gaps: []float64{0, 5, 5}, types: []string{"away_without_authorisation", "missing", "away_without_authorisation"}, prompts: 1},
		{name: "one high-risk episode", gaps: []float64{0}, risks: []string{"high"}, prompts: 1, high: true},
		{name: "high-risk trigger off", cfg: func(c *app.MissingConfig) { c.RepeatOnHighRisk = false }, gaps: []float64{0}, risks: []string{"high"}, prompts: 0},
		{name: "local rule: two in 30 days", cfg: func(c *app.MissingConfig) { c.RepeatCount, c.RepeatWindow = 2, 30*day }, gaps: []float64{0, 29}, prompts: 1},
		{name: "local rule: two in 31 days", cfg: func(c *app.MissingConfig) { c.RepeatCount, c.RepeatWindow = 2, 30*day }, gaps: []float64{0, 31}, prompts: 0},
		{name: "repeat then high risk: a second prompt", gaps: []float64{0, 5, 5, 5}, risks: []string{"low", "low", "low", "high"}, prompts: 2, high: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := app.DefaultConfig()
			cfg.PasswordParams = auth.MinimumParams
			cfg.RequireMFA = false
			if tt.cfg != nil {
				tt.cfg(&cfg.Missing)
			}
			e := apptest.New(t, storetest.Engines()[0], apptest.Options{Config: &cfg})
			prac := e.RoleActor(hub.RolePractitioner)
			child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Repeat", FamilyName: "Child", DateOfBirth: "2011-01-01"})
			start := e.Clock.Now().Add(-200 * day)
			at := start
			for i, g := range tt.gaps {
				at = at.Add(time.Duration(g * float64(day)))
				in := childReport(e, child)
				in.LastSeenAt, in.ReportedAt, in.RiskLevel = at, at.Add(10*time.Minute), "low"
				if i < len(tt.risks) {
					in.RiskLevel = tt.risks[i]
				}
				if i < len(tt.types) {
					in.Type = tt.types[i]
					switch in.Type {
					case "missing_education":
						in.From, in.RiskLevel = "education", ""
					case "away_without_authorisation":
						in.From = "care"
					}
				}
				ep, err := e.App.ReportMissing(ctx, prac, in)
				if err != nil {
					t.Fatalf("episode %d: %v", i, err)
				}
				if _, err := e.App.RecordReturn(ctx, prac, ep.ID, ep.Version, app.MissingReturn{FoundAt: at.Add(20 * time.Minute), FoundPlace: "Home"}); err != nil {
					t.Fatalf("return %d: %v", i, err)
				}
			}
			c := missingCountsOf(t, e)
			if c.Prompts != tt.prompts {
				t.Fatalf("prompts = %d, want %d", c.Prompts, tt.prompts)
			}
			if tt.prompts == 0 {
				return
			}
			pv, err := e.App.ViewPerson(ctx, prac, child.ID)
			if err != nil {
				t.Fatal(err)
			}
			open := pv.Casework.Missing.Prompts
			high := false
			for _, m := range open {
				high = high || m.HighRisk
			}
			if len(open) != tt.prompts || high != tt.high {
				t.Errorf("%d open prompts, one high-risk = %v; want %d, %v", len(open), high, tt.prompts, tt.high)
			}
			// The area's manager (the child has no lead practitioner yet)
			// was told, once per prompt.
			list, err := e.App.Notifications(ctx, principalOf(t, e, e.Users[hub.RoleManager]), false, 50, 0)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, it := range list.Items {
				if it.Kind == "repeat_missing" && it.SubjectID == child.ID {
					n++
				}
			}
			if n != tt.prompts {
				t.Errorf("manager notifications = %d, want %d", n, tt.prompts)
			}
			// A prompt is resolved with what was done.
			m := open[0]
			if _, err := e.App.ResolveMissingPrompt(ctx, prac, m.ID, m.Version, "not_needed", ""); hub.ErrorField(err) != "note" {
				t.Errorf("resolve as not needed without a note: %v, want refused on note", err)
			}
			ev := oneEvent(t, e, 0, func() error {
				_, err := e.App.ResolveMissingPrompt(ctx, prac, m.ID, m.Version, "strategy_discussion", "Held with police and health, 28 Nov")
				return err
			})
			checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActUpdate, ObjectType: "missing_prompt", ObjectID: m.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		})
	}
}

func TestRepeatMissingFires(t *testing.T) {
	rules := app.DefaultMissingConfig()
	for _, tt := range []struct {
		count      int
		risk       hub.PoliceRisk
		fire, high bool
	}{
		{0, hub.PoliceRiskVeryLow, false, false},
		{2, hub.PoliceRiskMedium, false, false},
		{3, hub.PoliceRiskVeryLow, true, false},
		{1, hub.PoliceRiskHigh, true, true},
		{7, hub.PoliceRiskHigh, true, true},
	} {
		fire, high, reason := app.RepeatMissingFires(rules, tt.count, tt.risk)
		if fire != tt.fire || high != tt.high || fire != (reason != "") {
			t.Errorf("RepeatMissingFires(%d, %s) = %v, %v, %q; want %v, %v", tt.count, tt.risk, fire, high, reason, tt.fire, tt.high)
		}
	}
}

// TestMissingAccess: another area's episode is not found (and the denial
// audited), a read-only role sees but cannot record, a role without
// casework sees nothing, and breaking glass on the child opens their
// episodes for reading only.
func TestMissingAccess(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		far := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Child", DateOfBirth: "2012-02-02"})
		near := e.NewPerson(t, "856", app.PersonInput{GivenName: "Near", FamilyName: "Child", DateOfBirth: "2012-02-02"})
		county := e.Actor(e.NewUser(t, "county.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855"))
		prac, nurse, edu := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleNurse), e.RoleActor(hub.RoleEducation)
		farEp, err := e.App.ReportMissing(ctx, county, childReport(e, far))
		if err != nil {
			t.Fatal(err)
		}
		nearEp, err := e.App.ReportMissing(ctx, prac, childReport(e, near))
		if err != nil {
			t.Fatal(err)
		}

		// Out of area: not found, audited as denied, nothing changed.
		for _, tt := range []struct {
			name string
			fn   func() error
		}{
			{"view", func() error { _, err := e.App.ViewMissingEpisode(ctx, prac, farEp.ID); return err }},
			{"report", func() error {
				in := childReport(e, far)
				in.LastSeenAt = in.LastSeenAt.Add(-48 * time.Hour)
				_, err := e.App.ReportMissing(ctx, prac, in)
				return err
			}},
			{"risk", func() error { _, err := e.App.ChangeMissingRisk(ctx, prac, farEp.ID, 1, "high", "x"); return err }},
			{"return", func() error {
				_, err := e.App.RecordReturn(ctx, prac, farEp.ID, 1, app.MissingReturn{FoundAt: e.Clock.Now(), FoundPlace: "x"})
				return err
			}},
			{"philomena", func() error { _, err := e.App.ViewPhilomena(ctx, prac, far.ID); return err }},
			{"intake", func() error { _, err := e.App.StartMissingReport(ctx, prac, far.ID); return err }},
			{"missing record", func() error { _, err := e.App.ViewMissingEpisode(ctx, prac, hub.NewID()); return err }},
		} {
			before := missingCountsOf(t, e)
			err := tt.fn()
			if hub.ErrorCode(err) != hub.ENotFound {
				t.Errorf("%s out of area: %v, want not found", tt.name, err)
			}
			after := missingCountsOf(t, e)
			if after.Audit != before.Audit+1 {
				t.Errorf("%s out of area: %d audit events, want 1 (the denial)", tt.name, after.Audit-before.Audit)
			}
			after.Audit = before.Audit
			if after != before {
				t.Errorf("%s out of area changed records: %+v → %+v", tt.name, before, after)
			}
			if ev := newestEvents(t, e, 1)[0]; ev.Outcome != hub.OutcomeDenied || ev.ActorID != prac.ID {
				t.Errorf("%s out of area: audit event %+v, want a denial by the actor", tt.name, ev)
			}
		}
		// Lists leave it out.
		list, err := e.App.MissingEpisodes(ctx, prac, app.MissingQuery{})
		if err != nil || list.Total != 1 || list.Episodes[0].ID != nearEp.ID {
			t.Errorf("list = %+v, %v; want the Leicester episode only", list, err)
		}

		// The nurse reads but does not record; education sees nothing.
		if _, err := e.App.ViewMissingEpisode(ctx, nurse, nearEp.ID); err != nil {
			t.Errorf("nurse view: %v", err)
		}
		if _, err := e.App.AddMissingUpdate(ctx, nurse, nearEp.ID, nearEp.Version, "", "x"); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("nurse update: %v, want forbidden", err)
		}
		if _, err := e.App.ViewMissingEpisode(ctx, edu, nearEp.ID); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("education view: %v, want forbidden", err)
		}
		pv, err := e.App.ViewPerson(ctx, edu, near.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pv.Casework != nil && pv.Casework.Missing != nil {
			t.Errorf("education sees the missing section of the person page")
		}

		// Break glass opens reading, not recording.
		if err := e.App.OpenByBreakingGlass(ctx, prac, far.ID, "child found in our area overnight"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.ViewMissingEpisode(ctx, prac, farEp.ID); err != nil {
			t.Errorf("view after breaking glass: %v", err)
		}
		if _, err := e.App.AddMissingUpdate(ctx, prac, farEp.ID, farEp.Version, "", "x"); hub.ErrorCode(err) != hub.ENotFound {
			t.Errorf("update after breaking glass: %v, want not found", err)
		}

		// A restricted child is not listed for a practitioner.
		secret := e.NewPerson(t, "856", app.PersonInput{GivenName: "Secret", FamilyName: "Child", DateOfBirth: "2012-02-02", Restricted: true})
		if _, err := e.App.ReportMissing(ctx, &access.Actor{ID: e.Users[hub.RoleManager].ID, Name: "mgr", Roles: []hub.Role{hub.RoleManager}, AreaIDs: []string{e.Areas["856"].ID}}, childReport(e, secret)); err != nil {
			t.Fatal(err)
		}
		list, err = e.App.MissingEpisodes(ctx, prac, app.MissingQuery{})
		if err != nil || list.Total != 1 {
			t.Errorf("practitioner's list = %d, %v; want the restricted child left out", list.Total, err)
		}
		list, err = e.App.MissingEpisodes(ctx, e.RoleActor(hub.RoleManager), app.MissingQuery{})
		if err != nil || list.Total != 2 {
			t.Errorf("manager's list = %d, %v; want 2", list.Total, err)
		}
	})
}

func TestPhilomena(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac := e.RoleActor(hub.RolePractitioner)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Cara", FamilyName: "Lee", DateOfBirth: "2010-05-05"})
		in := app.PhilomenaInput{Placement: "Oak House children's home, 0116 496 0001", Description: "White, 5ft 4, slim, long dark hair", PhotoReference: "Held by Oak House, ref PH-12",
			Associates: "'Jay', older male", Places: "Leicester railway station; Haymarket", PhonesSocial: "07700 900456; Snapchat cara_x", Vulnerabilities: "Asthma (inhaler)"}
		var f *hub.PhilomenaProfile
		ev := oneEvent(t, e, 0, func() (err error) { f, err = e.App.SavePhilomena(ctx, prac, child.ID, 0, in); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActCreate, ObjectType: "philomena_profile", ObjectID: child.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		if f.Version != 1 || f.ReviewDue.String() != "2027-02-27" {
			t.Errorf("profile = version %d, review due %s; want 1, 2027-02-27", f.Version, f.ReviewDue)
		}
		// Pulled into a report with one click (at intake).
		r := childReport(e, child)
		r.From, r.IncludePhilomena = "care", true
		ep, err := e.App.ReportMissing(ctx, prac, r)
		if err != nil {
			t.Fatal(err)
		}
		if ep.PhilomenaVersion != 1 {
			t.Errorf("episode Philomena version %d, want 1", ep.PhilomenaVersion)
		}
		// A new version; the report keeps the version it pulled until
		// pulled again.
		in.Description += "; now has short hair"
		if _, err := e.App.SavePhilomena(ctx, prac, child.ID, 0, in); hub.ErrorCode(err) != hub.EConflict {
			t.Errorf("save based on no version when one exists: %v, want conflict", err)
		}
		if f, err = e.App.SavePhilomena(ctx, prac, child.ID, 1, in); err != nil || f.Version != 2 {
			t.Fatalf("second version: %v, %v", f, err)
		}
		v, err := e.App.ViewMissingEpisode(ctx, prac, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Philomena == nil || v.Philomena.Version != 1 || v.Latest != 2 || strings.Contains(v.Philomena.Description, "short hair") {
			t.Errorf("episode view Philomena = %+v, latest %d", v.Philomena, v.Latest)
		}
		ev = oneEvent(t, e, 0, func() (err error) { ep, err = e.App.PullPhilomena(ctx, prac, ep.ID, ep.Version); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActUpdate, ObjectType: "missing_episode", ObjectID: ep.ID, SubjectID: child.ID, Outcome: hub.OutcomeSuccess})
		if ep.PhilomenaVersion != 2 {
			t.Errorf("after pulling again: version %d, want 2", ep.PhilomenaVersion)
		}
		if _, err := e.App.PullPhilomena(ctx, prac, ep.ID, ep.Version); hub.ErrorField(err) != "philomena" {
			t.Errorf("pulling the same version twice: %v, want refused", err)
		}
		pv, err := e.App.ViewPhilomena(ctx, prac, child.ID)
		if err != nil || len(pv.Versions) != 2 || pv.Versions[0].Version != 2 || !pv.CanEdit {
			t.Errorf("ViewPhilomena = %+v, %v", pv, err)
		}
		// Bad input.
		adult := e.NewPerson(t, "856", app.PersonInput{GivenName: "Old", FamilyName: "Enough", DateOfBirth: "1980-01-01"})
		before := missingCountsOf(t, e)
		for _, tt := range []struct {
			edit  func(in *app.PhilomenaInput)
			field string
		}{
			{func(in *app.PhilomenaInput) { in.Description = "" }, "description"},
			{func(in *app.PhilomenaInput) { in.Placement = "" }, "placement"},
			{func(in *app.PhilomenaInput) { in.Associates = strings.Repeat("a", hub.MaxNoteLen+1) }, "associates"},
		} {
			bad := in
			tt.edit(&bad)
			if _, err := e.App.SavePhilomena(ctx, prac, child.ID, 2, bad); hub.ErrorField(err) != tt.field {
				t.Errorf("SavePhilomena = %v, want refused on %s", err, tt.field)
			}
		}
		if _, err := e.App.SavePhilomena(ctx, prac, adult.ID, 0, in); hub.ErrorField(err) != "person_id" {
			t.Errorf("profile for an adult: %v, want refused", err)
		}
		if after := missingCountsOf(t, e); after != before {
			t.Errorf("counts changed on refused saves: %+v → %+v", before, after)
		}
	})
}

func TestChildrenMissingEducation(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	prac := e.RoleActor(hub.RolePractitioner)
	child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Ed", FamilyName: "Ucation", DateOfBirth: "2013-09-09", UPN: "Y856200124123"})
	in := childReport(e, child)
	in.Type, in.From, in.RiskLevel, in.ReportedBy = "missing_education", "education", "", "school"
	ep, err := e.App.ReportMissing(ctx, prac, in)
	if err != nil {
		t.Fatal(err)
	}
	if ep.Type != hub.EpisodeEducation || ep.RiskLevel != "" {
		t.Errorf("CME episode = %+v", ep)
	}
	ep, err = e.App.RecordReturn(ctx, prac, ep.ID, ep.Version, app.MissingReturn{FoundAt: e.Clock.Now(), FoundPlace: "Back on roll at Hope Academy"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.App.ViewMissingEpisode(ctx, prac, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Interview != nil {
		t.Errorf("a CME episode has a return home interview: %+v", v.Interview)
	}
	if _, err := e.App.ChangeMissingRisk(ctx, prac, ep.ID, ep.Version, "high", "x"); hub.ErrorField(err) != "police_risk_level" {
		t.Errorf("grading a CME episode: %v, want refused", err)
	}
}

func TestReturnInterviewList(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, mgr := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleManager)
		var eps []*hub.MissingEpisode
		for i, name := range []string{"Amy", "Ben", "Cal"} {
			child := e.NewPerson(t, "856", app.PersonInput{GivenName: name, FamilyName: "List", DateOfBirth: "2011-01-01"})
			in := childReport(e, child)
			in.LastSeenAt = e.Clock.Now().Add(-time.Duration(100+24*i) * time.Hour)
			in.ReportedAt = in.LastSeenAt
			ep, err := e.App.ReportMissing(ctx, prac, in)
			if err != nil {
				t.Fatal(err)
			}
			ret := in.LastSeenAt.Add(time.Hour)
			if ep, err = e.App.RecordReturn(ctx, prac, ep.ID, ep.Version, app.MissingReturn{FoundAt: ret, FoundPlace: "Home"}); err != nil {
				t.Fatal(err)
			}
			eps = append(eps, ep)
		}
		// Ben's and Cal's returns were over 72 hours ago; Amy's 99 hours ago too.
		list, err := e.App.ReturnInterviews(ctx, mgr, app.InterviewQuery{Status: "overdue"})
		if err != nil {
			t.Fatal(err)
		}
		if list.Total != 3 || list.Overdue != 3 || list.Open != 3 {
			t.Errorf("overdue list total %d, overdue %d, open %d; want 3, 3, 3", list.Total, list.Overdue, list.Open)
		}
		// Soonest due first.
		for i := 1; i < len(list.Interviews); i++ {
			if list.Interviews[i].DueAt.Before(list.Interviews[i-1].DueAt) {
				t.Errorf("list not in due order")
			}
		}
		// Allocation, then "mine".
		v, _ := e.App.ViewMissingEpisode(ctx, prac, eps[0].ID)
		if _, err := e.App.AllocateInterview(ctx, prac, eps[0].ID, v.Interview.Version, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.AllocateInterview(ctx, prac, eps[1].ID, 1, e.Users[hub.RolePolice].ID); hub.ErrorField(err) != "allocated_to" {
			t.Errorf("practitioner allocating to a colleague: %v, want refused", err)
		}
		if _, err := e.App.AllocateInterview(ctx, mgr, eps[1].ID, 1, e.Users[hub.RolePolice].ID); err != nil {
			t.Errorf("manager allocating to police: %v", err)
		}
		if _, err := e.App.AllocateInterview(ctx, mgr, eps[2].ID, 1, e.Users[hub.RoleAnalyst].ID); hub.ErrorField(err) != "allocated_to" {
			t.Errorf("allocating to an analyst: %v, want refused", err)
		}
		mine, err := e.App.ReturnInterviews(ctx, prac, app.InterviewQuery{Status: "open", Mine: true})
		if err != nil || mine.Total != 1 {
			t.Errorf("mine = %+v, %v", mine, err)
		}
		if _, err := e.App.ReturnInterviews(ctx, mgr, app.InterviewQuery{Status: "lost"}); hub.ErrorField(err) != "status" {
			t.Errorf("unknown status: %v", err)
		}
		// Work items: one per open interview, owned as allocated.
		var items []app.WorkItem
		err = e.Store.Tx(ctx, func(tx *store.Tx) error {
			var err error
			items, err = app.MissingWorkForTest(e.App, tx, mgr)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		rhis := 0
		for _, it := range items {
			if it.Kind == "rhi" {
				rhis++
				if !it.Overdue(e.Clock.Now()) {
					t.Errorf("work item %+v not overdue", it)
				}
			}
		}
		if rhis != 3 {
			t.Errorf("%d RHI work items, want 3", rhis)
		}
	})
}

func TestParseLondonTime(t *testing.T) {
	for _, tt := range []struct {
		date, clock string
		want        time.Time
		field       string
	}{
		{"2026-07-01", "21:30", time.Date(2026, 7, 1, 20, 30, 0, 0, time.UTC), ""},
		{"2026-12-01", "21:30", time.Date(2026, 12, 1, 21, 30, 0, 0, time.UTC), ""},
		{"2026-12-01", "9:05", time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC), ""},
		{"2026-12-01", "0905", time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC), ""},
		{"2026-12-01", "09.05", time.Date(2026, 12, 1, 9, 5, 0, 0, time.UTC), ""},
		// The hour the clocks skip moves forward; the repeated hour is the
		// first (BST).
		{"2026-03-29", "01:30", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), ""},
		{"2026-10-25", "01:30", time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), ""},
		{"", "21:30", time.Time{}, "d"},
		{"2026-02-30", "21:30", time.Time{}, "d"},
		{"2026-12-01", "", time.Time{}, "t"},
		{"2026-12-01", "24:00", time.Time{}, "t"},
		{"2026-12-01", "9pm", time.Time{}, "t"},
		{"2026-12-01", "12:5", time.Time{}, "t"},
		{"2026-12-01", "-1:30", time.Time{}, "t"},
	} {
		got, err := app.ParseLondonTime("d", "t", tt.date, tt.clock)
		if tt.field != "" {
			if hub.ErrorField(err) != tt.field {
				t.Errorf("ParseLondonTime(%q, %q) = %v, %v; want refused on %s", tt.date, tt.clock, got, err, tt.field)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseLondonTime(%q, %q) = %v, %v; want %v", tt.date, tt.clock, got, err, tt.want)
		}
	}
}

func FuzzParseLondonTime(f *testing.F) {
	for _, s := range [][2]string{{"2026-07-01", "21:30"}, {"2026-10-25", "01:30"}, {"", ""}, {"2026-13-01", "9.5"}, {"0000-01-01", "0000"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, date, clock string) {
		got, err := app.ParseLondonTime("date", "time", date, clock)
		if err != nil {
			if f := hub.ErrorField(err); f != "date" && f != "time" {
				t.Fatalf("error %v names field %q", err, f)
			}
			return
		}
		if got.Location() != time.UTC || got.Second() != 0 {
			t.Fatalf("ParseLondonTime(%q, %q) = %v: not a whole minute in UTC", date, clock, got)
		}
		// Formatting it back in London gives the date typed (bar the hour
		// the clocks skip, which moves forward within the same date).
		if d := got.In(app.London).Format("2006-01-02"); d != strings.TrimSpace(date) {
			t.Fatalf("ParseLondonTime(%q, %q) = %v, London date %s", date, clock, got, d)
		}
	})
}

func TestFormatDuration(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0 minutes"}, {time.Minute, "1 minute"}, {90 * time.Minute, "1 hour 30 minutes"}, {2 * time.Hour, "2 hours"},
		{26 * time.Hour, "1 day 2 hours"}, {72 * time.Hour, "3 days"}, {-time.Hour, "0 minutes"},
	} {
		if got := app.FormatDuration(tt.d); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// TestImportMissingAllOrNothing: one bad row refuses the whole batch and
// nothing is written; a good batch writes its episodes, gradings and
// interviews with one audit event per episode.
func TestImportMissingAllOrNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		importer := &access.Actor{Name: "importer", AgencyID: e.Agencies[hub.AgencySocialCare].ID, Roles: []hub.Role{hub.RolePractitioner},
			AreaIDs: []string{e.Areas["855"].ID, e.Areas["856"].ID}}
		a := e.NewPerson(t, "856", app.PersonInput{GivenName: "Imp", FamilyName: "One", DateOfBirth: "2011-01-01"})
		b := e.NewPerson(t, "855", app.PersonInput{GivenName: "Imp", FamilyName: "Two", DateOfBirth: "2011-01-01"})
		r := e.NewPerson(t, "857", app.PersonInput{GivenName: "Imp", FamilyName: "Rutland", DateOfBirth: "2011-01-01"})
		now := e.Clock.Now()
		ep := func(p *hub.Person, daysAgo int, returned bool) app.MissingImport {
			ls := now.Add(-time.Duration(daysAgo) * 24 * time.Hour)
			in := app.MissingImport{Report: app.MissingReport{PersonID: p.ID, From: "home", LastSeenAt: ls, LastSeenPlace: "Park", ReportedAt: ls.Add(time.Hour), ReportedBy: "parent", RiskLevel: "low"}}
			if returned {
				in.Return = &app.MissingReturn{FoundAt: ls.Add(5 * time.Hour), FoundPlace: "Home"}
			}
			return in
		}
		done := ep(a, 30, true)
		done.Interview = &app.InterviewInput{Status: "completed", CompletedAt: now.Add(-29 * 24 * time.Hour), Interviewer: "Provider", InterviewerKind: "independent_provider", Independent: true}
		for _, tt := range []struct {
			name string
			bad  app.MissingImport
			row  int
		}{
			{"overlapping within the batch", ep(a, 30, false), 2},
			{"another area", ep(r, 10, true), 2},
			{"no risk", func() app.MissingImport { x := ep(b, 5, false); x.Report.RiskLevel = ""; return x }(), 2},
			{"interview before the return", func() app.MissingImport {
				x := ep(b, 5, true)
				x.Interview = &app.InterviewInput{Status: "declined", DeclinedReason: "no", CompletedAt: x.Report.LastSeenAt}
				return x
			}(), 2},
			{"interview while open", func() app.MissingImport {
				x := ep(b, 5, false)
				x.Interview = &app.InterviewInput{Status: "offered", OfferedAt: now}
				return x
			}(), 2},
		} {
			t.Run(tt.name, func(t *testing.T) {
				before := missingCountsOf(t, e)
				rep, err := e.App.ImportMissing(ctx, importer, "test", []app.MissingImport{done, ep(b, 20, true), tt.bad})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Created != 0 || len(rep.Refused) != 1 || rep.Refused[0].Row != tt.row {
					t.Errorf("report = %+v", rep)
				}
				if after := missingCountsOf(t, e); after != before {
					t.Errorf("a refused import wrote: %+v → %+v", before, after)
				}
			})
		}
		before := missingCountsOf(t, e)
		rep, err := e.App.ImportMissing(ctx, importer, "test", []app.MissingImport{done, ep(b, 20, true), ep(b, 2, false)})
		if err != nil || rep.Created != 3 || len(rep.Refused) != 0 {
			t.Fatalf("import = %+v, %v", rep, err)
		}
		after := missingCountsOf(t, e)
		if after.Episodes-before.Episodes != 3 || after.Risks-before.Risks != 3 || after.RHIs-before.RHIs != 2 || after.Audit-before.Audit != 3 || after.Notifications != before.Notifications {
			t.Errorf("import wrote %+v → %+v", before, after)
		}
		// Importing the same history again overlaps what is stored.
		rep, err = e.App.ImportMissing(ctx, importer, "test", []app.MissingImport{ep(b, 20, true)})
		if err != nil || len(rep.Refused) != 1 || hub.ErrorField(rep.Refused[0].Err) != "last_seen_at" {
			t.Errorf("re-import = %+v, %v", rep, err)
		}
	})
}

// TestMissingCaseTeam: with a case open, the repeat-missing prompt and
// risk changes go to the lead practitioner (not the area's managers), and
// the case's team sees the child's episodes wherever they work.
func TestMissingCaseTeam(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, mgr := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RoleManager)
		// A worker in Rutland on the child's case team.
		rutland := e.NewUser(t, "rutland.worker", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "857")
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Team", FamilyName: "Child", DateOfBirth: "2011-01-01"})
		if _, err := e.App.OpenCase(ctx, mgr, app.CaseInput{SubjectKind: "person", SubjectID: child.ID, LeadID: prac.ID, MemberIDs: []string{rutland.ID},
			Exploitation: []string{"cce"}, Summary: "Going missing to Loughborough"}); err != nil {
			t.Fatal(err)
		}
		in := childReport(e, child)
		in.RiskLevel = "high"
		ep, err := e.App.ReportMissing(ctx, prac, in)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.App.ChangeMissingRisk(ctx, prac, ep.ID, ep.Version, "medium", "Located by phone, with a friend"); err != nil {
			t.Fatal(err)
		}
		kinds := func(u *hub.User) []string {
			list, err := e.App.Notifications(ctx, principalOf(t, e, u), false, 50, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, n := range list.Items {
				if n.SubjectID == child.ID && (n.Kind == "repeat_missing" || n.Kind == "risk_change") {
					out = append(out, n.Kind)
				}
			}
			slices.Sort(out)
			return out
		}
		if got := kinds(e.Users[hub.RolePractitioner]); !slices.Equal(got, []string{"repeat_missing", "risk_change"}) {
			t.Errorf("lead's notifications = %v, want the prompt and the risk change", got)
		}
		if got := kinds(e.Users[hub.RoleManager]); len(got) != 0 {
			t.Errorf("manager's notifications = %v, want none: the child has a lead", got)
		}
		if _, err := e.App.ViewMissingEpisode(ctx, e.Actor(rutland), ep.ID); err != nil {
			t.Errorf("a case team member in another area: %v", err)
		}
	})
}
