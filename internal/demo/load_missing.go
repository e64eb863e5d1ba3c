package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
)

// Missing episodes, return home interviews and NRM referrals of the
// synthetic partnership (issue 4, part C), loaded from missing_episodes.csv,
// return_interviews.csv and nrm_referrals.csv through the import use cases
// (all-or-nothing batches, every row validated as the forms would, one
// audit event per record). Rows about persons not loaded are skipped. Once
// the history is in, the repeat-missing rule is applied to it as things
// stand, so the work queues show the prompts it raises.

func init() {
	featureLoaders = append(featureLoaders, LoadMissing)
}

// missingBatch is how many episodes (or referrals) one import holds.
const missingBatch = 1000

// MissingLoad says what LoadMissing loaded.
type MissingLoad struct {
	Episodes, Interviews, Prompts, NRM int
}

// LoadMissing loads the synthetic partnership's missing episodes (with
// their return home interviews) and NRM referrals.
func LoadMissing(ctx context.Context, a *app.App, p *Partnership, open Opener, loaded *Loaded) error {
	_, err := LoadMissingCounted(ctx, a, p, open, loaded)
	return err
}

// LoadMissingCounted is LoadMissing, saying how many records it loaded.
func LoadMissingCounted(ctx context.Context, a *app.App, p *Partnership, open Opener, loaded *Loaded) (*MissingLoad, error) {
	out := &MissingLoad{}
	if loaded == nil || len(loaded.IDs) == 0 {
		return out, nil
	}
	var areas []string
	for _, id := range p.AreaIDs {
		areas = append(areas, id)
	}
	owner := p.AgencyIDs[Agencies[1].Name]
	importer := &access.Actor{Name: "synth-load", AgencyID: owner, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: areas}

	// Interviews first, by episode, to go with their episodes.
	rhis := map[string]*app.InterviewInput{}
	err := ReadCSV(open, "return_interviews.csv", func(row map[string]string) error {
		in, err := synthInterview(row)
		if err != nil {
			return err
		}
		rhis[row["episode_id"]] = in
		return nil
	})
	if err != nil {
		return out, err
	}

	var batch []app.MissingImport
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		rep, err := a.ImportMissing(ctx, importer, "synthetic partnership", batch)
		if err != nil {
			return err
		}
		if len(rep.Refused) > 0 {
			r := rep.Refused[0]
			return fmt.Errorf("synthetic missing episode refused at batch row %d (%d refused in the batch): %w", r.Row, len(rep.Refused), r.Err)
		}
		out.Episodes += rep.Created
		for _, row := range batch {
			if row.Return != nil && hub.EpisodeType(row.Report.Type).Police() {
				out.Interviews++
			}
		}
		batch = batch[:0]
		return nil
	}
	err = ReadCSV(open, "missing_episodes.csv", func(row map[string]string) error {
		pid := loaded.IDs[row["person_id"]]
		if pid == "" {
			return nil
		}
		in, err := synthEpisode(row, pid, loaded)
		if err != nil {
			return err
		}
		if in.Return != nil && hub.EpisodeType(in.Report.Type).Police() {
			in.Interview = rhis[row["episode_id"]]
		}
		batch = append(batch, in)
		if len(batch) >= missingBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	if err := flush(); err != nil {
		return out, err
	}
	if out.Prompts, err = a.RaiseRepeatMissingPrompts(ctx, importer); err != nil {
		return out, err
	}

	var nrms []app.NRMImport
	err = ReadCSV(open, "nrm_referrals.csv", func(row map[string]string) error {
		pid := loaded.IDs[row["person_id"]]
		if pid == "" {
			return nil
		}
		in, err := synthNRM(row, pid)
		if err != nil {
			return err
		}
		nrms = append(nrms, in)
		return nil
	})
	if err != nil {
		return out, err
	}
	for i := 0; i < len(nrms); i += missingBatch {
		rep, err := a.ImportNRM(ctx, importer, "synthetic partnership", nrms[i:min(len(nrms), i+missingBatch)])
		if err != nil {
			return out, err
		}
		if len(rep.Refused) > 0 {
			r := rep.Refused[0]
			return out, fmt.Errorf("synthetic NRM referral refused at batch row %d: %w", r.Row, r.Err)
		}
		out.NRM += rep.Created
	}
	return out, nil
}

// synthTime reads a synthetic file's RFC 3339 time; empty is zero.
func synthTime(row map[string]string, col string) (time.Time, error) {
	s := row[col]
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", col, err)
	}
	return t.UTC(), nil
}

// synthEpisode turns a row of missing_episodes.csv into an import row.
func synthEpisode(row map[string]string, personID string, loaded *Loaded) (app.MissingImport, error) {
	var in app.MissingImport
	var err error
	rep := app.MissingReport{PersonID: personID, Type: row["type"], From: row["from_location"], LastSeenPlace: row["last_seen_place"],
		ReportedBy: row["reported_by"], PoliceReference: row["police_reference"], RiskLevel: row["police_risk_level"]}
	if rep.LastSeenAt, err = synthTime(row, "last_seen_at"); err != nil {
		return in, err
	}
	if rep.ReportedAt, err = synthTime(row, "reported_at"); err != nil {
		return in, err
	}
	in.Report = rep
	found, err := synthTime(row, "found_at")
	if err != nil {
		return in, err
	}
	if found.IsZero() {
		return in, nil
	}
	ret := &app.MissingReturn{FoundAt: found, FoundPlace: row["found_place"], OutOfArea: row["out_of_area"] == "true"}
	if ret.ReturnedAt, err = synthTime(row, "returned_at"); err != nil {
		return in, err
	}
	others := 0
	for _, tid := range strings.Split(row["found_with"], ";") {
		if tid == "" {
			continue
		}
		if id := loaded.IDs[tid]; id != "" {
			ret.FoundWithIDs = append(ret.FoundWithIDs, id)
		} else {
			others++
		}
	}
	if others > 0 {
		ret.FoundWith = fmt.Sprintf("%d others not known to the hub", others)
	}
	in.Return = ret
	return in, nil
}

// synthInterview turns a row of return_interviews.csv into the interview's
// outcome, or nil while it is still due.
func synthInterview(row map[string]string) (*app.InterviewInput, error) {
	offered, err := synthTime(row, "offered_at")
	if err != nil {
		return nil, err
	}
	done, err := synthTime(row, "completed_at")
	if err != nil {
		return nil, err
	}
	due, err := synthTime(row, "due_at")
	if err != nil {
		return nil, err
	}
	kind := row["conducted_by"]
	in := &app.InterviewInput{OfferedAt: offered, CompletedAt: done}
	switch row["outcome"] {
	case "pending":
		if offered.IsZero() {
			return nil, nil
		}
		in.Status = string(hub.RHIOffered)
	case "completed":
		in.Status, in.InterviewerKind = string(hub.RHICompleted), kind
		in.Interviewer = strings.ReplaceAll(kind, "_", " ") + " (synthetic record)"
		// Police and independent providers are not involved in the
		// child's care; a social worker may be.
		in.Independent = kind != "social_worker"
		if !in.Independent {
			in.NotIndependentReason = "held by the child's social worker (synthetic record)"
		}
	case "declined":
		in.Status, in.DeclinedReason = string(hub.RHIDeclined), "Declined (synthetic record)"
	case "no_contact":
		in.Status = string(hub.RHINoContact)
	default:
		return nil, fmt.Errorf("return_interviews.csv: unknown outcome %q", row["outcome"])
	}
	if in.CompletedAt.IsZero() && in.Status != string(hub.RHIOffered) {
		// A decline or a closure for no contact is dated by the offer, or
		// the due time.
		in.CompletedAt = offered
		if in.CompletedAt.IsZero() {
			in.CompletedAt = due
		}
	}
	return in, nil
}

// synthNRM turns a row of nrm_referrals.csv into an import row. The
// generator refers adults who consented (it writes no Duty to Notify).
func synthNRM(row map[string]string, personID string) (app.NRMImport, error) {
	in := app.NRMImport{PersonID: personID}
	sub, err := synthTime(row, "submitted_at")
	if err != nil {
		return in, err
	}
	child := row["is_child"] == "true"
	in.NRMInput = app.NRMInput{Child: &child, SubmittedAt: sub, FirstResponder: row["first_responder"], ExploitationType: row["exploitation_type"], Kind: "nrm"}
	if !child {
		in.Consent = string(hub.ConsentGiven)
	}
	day := func(col string) (string, error) {
		t, err := synthTime(row, col)
		if err != nil || t.IsZero() {
			return "", err
		}
		return t.In(app.London).Format("2006-01-02"), nil
	}
	if d := row["rg_decision"]; d != "" && d != "pending" {
		on, err := day("rg_decided_at")
		if err != nil {
			return in, err
		}
		in.RG = &app.NRMDecision{Decision: d, DecidedOn: on}
	}
	if d := row["cg_decision"]; d != "" && d != "pending" && in.RG != nil {
		on, err := day("cg_decided_at")
		if err != nil {
			return in, err
		}
		// The generator keeps the recovery period in elapsed time; as
		// London dates a clock change can take a day off it.
		if rg, err := time.Parse("2006-01-02", in.RG.DecidedOn); err == nil {
			if min := rg.AddDate(0, 0, hub.MinRecoveryDays).Format("2006-01-02"); on < min {
				on = min
			}
		}
		in.CG = &app.NRMDecision{Decision: d, DecidedOn: on}
	}
	return in, nil
}
