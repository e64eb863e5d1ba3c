package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
)

// Cases of the synthetic partnership (issue 4, part B). The generator
// writes no cases of its own: a hub case is opened for each loaded child
// whose referral was decided for multi-agency work (a strategy discussion,
// s47 enquiries or a MACE referral), and for each loaded child at medium or
// high exploitation risk, opened when the first such referral was decided
// (or, without one, at the latest referral, or 60 days before the end).
// Strategy discussions and MACE panels follow their referrals as meetings.
// The lead practitioners are the demo practitioner and police officer when
// present, otherwise the first two users who may work cases; with none, no
// cases are loaded.

func init() {
	featureLoaders = append(featureLoaders, LoadCases)
}

// caseBatch is how many cases one import transaction holds.
const caseBatch = 500

type synthCase struct {
	personID string
	opened   time.Time
	concerns []string
	meetings []app.MeetingImport
	risk     string
}

// LoadCases opens the synthetic partnership's hub cases (see above) for
// the persons loaded, through the case import use case in batches of 500.
// LoadPartnership calls it after the persons; it is exported for its
// benchmark.
func LoadCases(ctx context.Context, a *app.App, p *Partnership, open Opener, loaded *Loaded) error {
	if loaded == nil || len(loaded.IDs) == 0 {
		return nil
	}
	var areas []string
	for _, id := range p.AreaIDs {
		areas = append(areas, id)
	}
	owner := p.AgencyIDs[Agencies[1].Name]
	importer := &access.Actor{Name: "synth-load", AgencyID: owner, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: areas}
	workers, err := a.CaseWorkers(ctx, importer)
	if err != nil {
		return err
	}
	var leads []app.CaseWorker
	var police *app.CaseWorker
	for _, w := range workers {
		switch w.Username {
		case "pat.practitioner", "paul.police":
			leads = append(leads, w)
		}
		if w.Username == "paul.police" {
			police = &w
		}
	}
	if len(leads) == 0 {
		// Without the demo users (a load into a fresh hub), any two users
		// whose role works cases lead them.
		for _, w := range workers {
			if w.CanLead && len(leads) < 2 {
				leads = append(leads, w)
			}
		}
	}
	if len(leads) == 0 {
		return nil
	}
	slices.SortFunc(leads, func(x, y app.CaseWorker) int { return strings.Compare(x.Username, y.Username) })

	cases := map[string]*synthCase{}
	var order []string
	get := func(pid string) *synthCase {
		c := cases[pid]
		if c == nil {
			c = &synthCase{personID: pid}
			cases[pid] = c
			order = append(order, pid)
		}
		return c
	}
	var end time.Time
	latest := map[string]time.Time{}
	err = ReadCSV(open, "referrals.csv", func(row map[string]string) error {
		if row["subject_kind"] != "person" || loaded.IDs[row["subject_id"]] == "" {
			return nil
		}
		decided, err := time.Parse(time.RFC3339, row["decided_at"])
		if err != nil {
			return nil // pending at the end
		}
		if decided.After(end) {
			end = decided
		}
		pid := row["subject_id"]
		if decided.After(latest[pid]) {
			latest[pid] = decided
		}
		var m *app.MeetingImport
		switch row["decision"] {
		case "strategy_discussion", "s47_enquiry":
			m = &app.MeetingImport{Kind: hub.MeetingStrategy, HeldAt: decided.Add(2 * time.Hour), S47: row["decision"] == "s47_enquiry",
				Decisions: "Synthetic record. Strategy discussion held on the referral (" + strings.ReplaceAll(row["concern"], "_", " ") + "); multi-agency safety plan agreed."}
		case "refer_mace":
			m = &app.MeetingImport{Kind: hub.MeetingMACE, HeldAt: decided.Add(7 * 24 * time.Hour),
				Decisions: "Synthetic record. MACE panel reviewed the referral (" + strings.ReplaceAll(row["concern"], "_", " ") + "); the child stays on the panel's list."}
		default:
			return nil
		}
		c := get(pid)
		if c.opened.IsZero() || decided.Before(c.opened) {
			c.opened = decided
		}
		if !slices.Contains(c.concerns, row["concern"]) {
			c.concerns = append(c.concerns, row["concern"])
		}
		c.meetings = append(c.meetings, *m)
		return nil
	})
	if err != nil {
		return err
	}
	roles := map[string][]string{}
	err = ReadCSV(open, "truth_network_members.csv", func(row map[string]string) error {
		if loaded.IDs[row["person_id"]] != "" {
			roles[row["person_id"]] = append(roles[row["person_id"]], row["role"])
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = ReadCSV(open, "truth_persons.csv", func(row map[string]string) error {
		pid := row["person_id"]
		if loaded.IDs[pid] == "" || row["risk_level"] != "medium" && row["risk_level"] != "high" {
			return nil
		}
		c := get(pid)
		c.risk = row["risk_level"]
		return nil
	})
	if err != nil {
		return err
	}
	if end.IsZero() {
		end = a.Now()
	}
	now := a.Now()
	var rows []app.CaseImport
	for i, pid := range order {
		c := cases[pid]
		if c.risk == "" && len(roles[pid]) == 0 && !slices.ContainsFunc(c.concerns, exploitationConcern) {
			// A welfare concern (neglect, domestic abuse) is children's
			// social care's to work, not the exploitation hub's.
			continue
		}
		if c.opened.IsZero() {
			c.opened = latest[pid]
			if c.opened.IsZero() {
				c.opened = end.Add(-60 * 24 * time.Hour)
			}
		}
		lead := leads[i%len(leads)]
		in := app.CaseImport{
			ExternalRef:  "synth-case-" + pid,
			Subject:      hub.Subject{Kind: hub.SubjectPerson, ID: loaded.IDs[pid]},
			LeadID:       lead.ID,
			AgencyIDs:    caseAgencies(owner, lead.AgencyID),
			Exploitation: exploitationOf(c.concerns, roles[pid]),
			OpenedAt:     c.opened,
			Summary:      caseSummary(c),
		}
		for _, m := range c.meetings {
			if m.HeldAt.After(now) {
				continue
			}
			m.Attendees = []hub.Attendee{{UserID: lead.ID, Name: lead.Name, Agency: lead.AgencyName, Role: "Lead practitioner"}}
			if police != nil && police.ID != lead.ID {
				m.Attendees = append(m.Attendees, hub.Attendee{UserID: police.ID, Name: police.Name, Agency: police.AgencyName, Role: "Police"})
			}
			m.Attendees = append(m.Attendees, hub.Attendee{Name: "Synthetic health representative", Agency: "University Hospitals of Leicester NHS Trust", Role: "Health"})
			in.Meetings = append(in.Meetings, m)
		}
		rows = append(rows, in)
	}
	for start := 0; start < len(rows); start += caseBatch {
		batch := rows[start:min(len(rows), start+caseBatch)]
		rep, err := a.ImportCases(ctx, importer, "synthetic partnership", batch)
		if err != nil {
			return fmt.Errorf("synthetic cases: %w", err)
		}
		if len(rep.Refused) > 0 {
			r := rep.Refused[0]
			return fmt.Errorf("synthetic case refused at batch row %d (%d refused in the batch): %w", r.Row, len(rep.Refused), r.Err)
		}
	}
	return nil
}

// exploitationConcern reports whether a referral's concern is the hub's
// business: exploitation, going missing, a peer group.
func exploitationConcern(concern string) bool {
	switch concern {
	case "cce", "cse", "county_lines", "missing", "peer_group":
		return true
	}
	return false
}

// exploitationOf reads a case's exploitation types from its referrals'
// concerns and the child's roles in networks (CCE when nothing says more).
func exploitationOf(concerns, roles []string) []hub.ExploitationType {
	var out []hub.ExploitationType
	add := func(ts ...hub.ExploitationType) {
		for _, t := range ts {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	for _, c := range concerns {
		switch c {
		case "county_lines":
			add(hub.ExploitCountyLines, hub.ExploitCCE)
		case "cce":
			add(hub.ExploitCCE)
		case "cse":
			add(hub.ExploitCSE)
		}
	}
	for _, r := range roles {
		switch r {
		case "runner":
			add(hub.ExploitCountyLines, hub.ExploitCCE)
		case "victim":
			add(hub.ExploitCSE)
		}
	}
	if len(out) == 0 {
		add(hub.ExploitCCE)
	}
	return out
}

func caseSummary(c *synthCase) string {
	s := "Synthetic record. Hub case"
	if len(c.concerns) > 0 {
		var cs []string
		for _, x := range c.concerns {
			cs = append(cs, strings.ReplaceAll(x, "_", " "))
		}
		s += " opened on referral (" + strings.Join(cs, ", ") + ")"
	}
	if c.risk != "" {
		s += "; exploitation risk assessed " + c.risk
	}
	return s + "."
}

// caseAgencies are the agencies involved in a synthetic case: the hub's
// social care and the lead's agency.
func caseAgencies(ids ...string) []string {
	var out []string
	for _, id := range ids {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}
