package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/risk"
)

// Referrals of the synthetic partnership (issue 4, part A), from
// referrals.csv, through the referral import use case: referrals about
// loaded children, and contextual-safeguarding referrals about hotspots
// (locations, from hotspots.csv) and peer groups (from truth_networks.csv,
// with their loaded members), which are created as contexts first. The
// generator's decisions are mapped onto the hub's five: s17 assessment to
// early help (a service response outside the hub), s47 enquiries to a
// strategy discussion, a MACE referral or a context assessment to a hub
// case; the reason records the original. Referrals still pending at the
// generator's end stay undecided (work items).

func init() {
	featureLoaders = append(featureLoaders, loadReferrals)
}

// synthDecisions maps the generator's decisions onto the hub's.
var synthDecisions = map[string]hub.ReferralDecision{
	"nfa": hub.DecisionNFA, "information_only": hub.DecisionAdvice, "early_help": hub.DecisionEarlyHelp, "s17_assessment": hub.DecisionEarlyHelp,
	"strategy_discussion": hub.DecisionStrategy, "s47_enquiry": hub.DecisionStrategy, "refer_mace": hub.DecisionOpenCase, "context_assessment": hub.DecisionOpenCase,
	"pending": hub.DecisionPending,
}

// synthContextKinds maps hotspot kinds (all places) and the referral's
// subject kinds onto context kinds.
var synthContextKinds = map[string]hub.ContextKind{"location": hub.ContextLocation, "peer_group": hub.ContextPeerGroup}

func loadReferrals(ctx context.Context, a *app.App, p *Partnership, open Opener, loaded *Loaded) error {
	if loaded == nil || len(loaded.IDs) == 0 {
		return nil
	}
	var areas []string
	for _, id := range p.AreaIDs {
		areas = append(areas, id)
	}
	owner := p.AgencyIDs[Agencies[1].Name]
	importer := &access.Actor{Name: "synth-load", AgencyID: owner, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: areas}
	agencyOf := map[string]string{}
	for _, ag := range Agencies {
		if id := p.AgencyIDs[ag.Name]; id != "" {
			agencyOf[string(ag.Kind)] = id
		}
	}

	// Which places and groups are referred to.
	wanted := map[string]string{} // synthetic id → subject kind
	err := ReadCSV(open, "referrals.csv", func(row map[string]string) error {
		if k := row["subject_kind"]; k != "person" {
			wanted[row["subject_id"]] = k
		}
		return nil
	})
	if err != nil {
		return err
	}
	contexts, err := loadReferralContexts(ctx, a, p, importer, open, loaded, wanted)
	if err != nil {
		return err
	}

	var batch []app.ReferralImport
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		rep, err := a.ImportReferrals(ctx, importer, "synthetic partnership", batch)
		if err != nil {
			return fmt.Errorf("import referrals: %w", err)
		}
		if len(rep.Refused) > 0 {
			r := rep.Refused[0]
			return fmt.Errorf("synthetic referral %s refused (%d refused in the batch): %w", batch[r.Row].ExternalRef, len(rep.Refused), r.Err)
		}
		batch = batch[:0]
		return nil
	}
	// Places and groups referred to the MACE panel become hub cases
	// (contextual safeguarding), opened when the panel took them on.
	contextCases := map[string]*app.CaseImport{}
	var contextOrder []string
	err = ReadCSV(open, "referrals.csv", func(row map[string]string) error {
		var s hub.Subject
		switch row["subject_kind"] {
		case "person":
			s = hub.Subject{Kind: hub.SubjectPerson, ID: loaded.IDs[row["subject_id"]]}
		default:
			s = hub.Subject{Kind: hub.SubjectContext, ID: contexts[row["subject_id"]]}
		}
		if s.ID == "" {
			return nil // a person not known to any agency, or a group with nobody loaded
		}
		in, err := referralImport(row, s, agencyOf)
		if err != nil {
			return err
		}
		if s.Kind == hub.SubjectContext && row["decision"] == "refer_mace" {
			decided, err := time.Parse(time.RFC3339, row["decided_at"])
			if err == nil && contextCases[s.ID] == nil {
				typ := hub.ExploitCCE
				switch row["concern"] {
				case "cse":
					typ = hub.ExploitCSE
				case "county_lines":
					typ = hub.ExploitCountyLines
				}
				contextCases[s.ID] = &app.CaseImport{ExternalRef: "synth-context-case-" + row["subject_id"], Subject: s, OpenedAt: decided,
					Exploitation: []hub.ExploitationType{typ},
					Summary:      "Synthetic record. Contextual safeguarding case: the MACE panel took on this " + strings.ReplaceAll(row["subject_kind"], "_", " ") + "."}
				contextOrder = append(contextOrder, s.ID)
			}
		}
		batch = append(batch, in)
		if len(batch) >= app.MaxImportBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	return loadContextCases(ctx, a, importer, owner, contextCases, contextOrder)
}

// loadContextCases opens the synthetic partnership's contextual
// safeguarding cases, led by the demo practitioner (or, in a hub without
// the demo users, by the first user who may lead a case).
func loadContextCases(ctx context.Context, a *app.App, importer *access.Actor, owner string, cases map[string]*app.CaseImport, order []string) error {
	if len(order) == 0 {
		return nil
	}
	workers, err := a.CaseWorkers(ctx, importer)
	if err != nil {
		return err
	}
	var lead *app.CaseWorker
	for i, w := range workers {
		if w.Username == "pat.practitioner" || lead == nil && w.CanLead {
			lead = &workers[i]
		}
	}
	if lead == nil {
		return nil
	}
	var rows []app.CaseImport
	for _, id := range order {
		c := cases[id]
		c.LeadID, c.AgencyIDs = lead.ID, caseAgencies(owner, lead.AgencyID)
		rows = append(rows, *c)
	}
	for start := 0; start < len(rows); start += caseBatch {
		rep, err := a.ImportCases(ctx, importer, "synthetic partnership", rows[start:min(len(rows), start+caseBatch)])
		if err != nil {
			return fmt.Errorf("synthetic context cases: %w", err)
		}
		if len(rep.Refused) > 0 {
			r := rep.Refused[0]
			return fmt.Errorf("synthetic context case refused at row %d: %w", start+r.Row, r.Err)
		}
	}
	return nil
}

// referralImport turns a referrals.csv row into an import row.
func referralImport(row map[string]string, s hub.Subject, agencyOf map[string]string) (app.ReferralImport, error) {
	received, err := time.Parse(time.RFC3339, row["received_at"])
	if err != nil {
		return app.ReferralImport{}, fmt.Errorf("referral %s: received_at: %w", row["referral_id"], err)
	}
	codes, err := risk.ParseCodes(row["indicators"])
	if err != nil {
		return app.ReferralImport{}, fmt.Errorf("referral %s: %w", row["referral_id"], err)
	}
	concern := strings.ReplaceAll(row["concern"], "_", " ")
	kind := hub.AgencyKind(row["referrer_agency"])
	in := app.ReferralImport{Subject: s, ReferrerName: "Synthetic referrer", ReferrerRole: kind.Label(), ReferrerAgencyID: agencyOf[row["referrer_agency"]],
		ReceivedAt: received, Concerns: "Synthetic record. Concern: " + concern + ".", Indicators: codes, Urgency: hub.UrgencyRoutine, ExternalRef: row["referral_id"]}
	if in.ReferrerAgencyID == "" {
		in.ReferrerOrg = kind.Label()
	}
	switch row["concern"] {
	case "cce", "cse", "county_lines":
		in.Urgency = hub.UrgencyUrgent
	}
	d, ok := synthDecisions[row["decision"]]
	if !ok {
		return app.ReferralImport{}, fmt.Errorf("referral %s: unknown decision %q", row["referral_id"], row["decision"])
	}
	if d != hub.DecisionPending {
		if in.DecidedAt, err = time.Parse(time.RFC3339, row["decided_at"]); err != nil {
			return app.ReferralImport{}, fmt.Errorf("referral %s: decided_at: %w", row["referral_id"], err)
		}
		in.Decision, in.DecidedByName = d, "Synthetic hub decision"
		in.DecisionReason = "Synthetic record. Decided: " + strings.ReplaceAll(row["decision"], "_", " ") + "."
	}
	return in, nil
}

// loadReferralContexts creates a context for each hotspot and peer group
// in wanted, with a peer group's loaded members, and returns the context
// id of each by synthetic id.
func loadReferralContexts(ctx context.Context, a *app.App, p *Partnership, importer *access.Actor, open Opener, loaded *Loaded, wanted map[string]string) (map[string]string, error) {
	out := map[string]string{}
	if len(wanted) == 0 {
		return out, nil
	}
	var rows []app.ContextImport
	var refs []string
	err := ReadCSV(open, "hotspots.csv", func(row map[string]string) error {
		id := row["hotspot_id"]
		if wanted[id] != "location" {
			return nil
		}
		area := p.AreaIDs[row["area_code"]]
		if area == "" {
			area = p.AreaIDs["855"]
		}
		lat, _ := strconv.ParseFloat(row["latitude"], 64)
		lon, _ := strconv.ParseFloat(row["longitude"], 64)
		c := hub.Context{AreaID: area, Kind: hub.ContextLocation, Name: row["name"], Postcode: row["postcode"], Latitude: lat, Longitude: lon,
			Description: "Synthetic record. A " + strings.ReplaceAll(row["kind"], "_", " ") + " in " + row["town"] + " where young people are seen with adults of concern."}
		rows = append(rows, app.ContextImport{Context: c, ExternalRef: id})
		refs = append(refs, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	members := map[string][]hub.ContextMember{}
	err = ReadCSV(open, "truth_network_members.csv", func(row map[string]string) error {
		pid := loaded.IDs[row["person_id"]]
		if wanted[row["network_id"]] != "peer_group" || pid == "" {
			return nil
		}
		m := hub.ContextMember{PersonID: pid, Role: row["role"]}
		m.From, _ = hub.ParseDate("from", row["from"])
		m.To, _ = hub.ParseDate("to", row["to"])
		if len(members[row["network_id"]]) < hub.MaxContextMembers {
			members[row["network_id"]] = append(members[row["network_id"]], m)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// A peer group is held by the area its first loaded member lives in.
	firstArea := map[string]string{}
	if len(members) > 0 {
		need := map[string][]string{} // truth person id → the groups it is first of
		seen := map[string]bool{}
		err = ReadCSV(open, "truth_network_members.csv", func(row map[string]string) error {
			nid, pid := row["network_id"], row["person_id"]
			if wanted[nid] == "peer_group" && loaded.IDs[pid] != "" && !seen[nid] {
				seen[nid] = true
				need[pid] = append(need[pid], nid)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = ReadCSV(open, "truth_persons.csv", func(row map[string]string) error {
			for _, nid := range need[row["person_id"]] {
				firstArea[nid] = p.AreaIDs[row["area_code"]]
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	err = ReadCSV(open, "truth_networks.csv", func(row map[string]string) error {
		id := row["network_id"]
		if wanted[id] != "peer_group" || len(members[id]) == 0 {
			return nil // a group nobody loaded belongs to is not referred to here
		}
		c := hub.Context{AreaID: firstArea[id], Kind: synthContextKinds[wanted[id]], Name: row["name"], Members: members[id],
			Description: "Synthetic record. A peer group meeting in " + row["towns"] + "."}
		if c.AreaID == "" {
			c.AreaID = p.AreaIDs["855"]
		}
		rows = append(rows, app.ContextImport{Context: c, ExternalRef: id})
		refs = append(refs, id)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(rows); i += app.MaxImportBatch {
		chunk := rows[i:min(len(rows), i+app.MaxImportBatch)]
		rep, err := a.ImportContexts(ctx, importer, "synthetic partnership", chunk)
		if err != nil {
			return nil, fmt.Errorf("import contexts: %w", err)
		}
		if len(rep.Refused) > 0 {
			r := rep.Refused[0]
			return nil, fmt.Errorf("synthetic context %s refused: %w", refs[i+r.Row], r.Err)
		}
		for j, id := range rep.IDs {
			out[refs[i+j]] = id
		}
	}
	return out, nil
}
