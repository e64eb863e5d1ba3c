package app

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/deadline"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// MissingImport is one missing episode of a partner import or a synthetic
// load: the report, the return if the child has returned, and the return
// home interview if one was recorded.
type MissingImport struct {
	Report MissingReport
	// Return is set when the child has returned.
	Return *MissingReturn
	// Interview is set when the interview has progressed beyond due.
	Interview *InterviewInput
}

// errRefused rolls back an import that refused rows.
var errRefused = errors.New("import refused")

// ImportMissing creates a batch of missing episodes, all-or-nothing: every
// row is checked as ReportMissing, RecordReturn and RecordInterview would
// check it (the child is in one of the importer's areas, the times are in
// order and past, the episode overlaps none of the child's others, in the
// batch or stored) and, if any is refused, the report lists every refusal
// and nothing is written. Otherwise the batch is one transaction with one
// audit event per episode (its grading, return and interview included;
// detail names the source). The repeat-missing rule is not applied to
// history: RaiseRepeatMissingPrompts does that once a load is done.
func (a *App) ImportMissing(ctx context.Context, actor *access.Actor, source string, rows []MissingImport) (*ImportReport, error) {
	if err := require(actor, access.MissingRecord); err != nil {
		return nil, err
	}
	if len(rows) > MaxImportBatch {
		return nil, hub.Invalid("rows", "a batch holds at most %d records; split the import", MaxImportBatch)
	}
	if err := hub.ValidateText("source", source, 1, 200); err != nil {
		return nil, err
	}
	rules := a.missingRules()
	rep := &ImportReport{}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		// The batch's children, whether the importer may record for each,
		// and their stored episodes, each read once.
		var ids []string
		seen := map[string]bool{}
		for _, row := range rows {
			if id := row.Report.PersonID; hub.ValidID(id) && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		persons, err := tx.PersonsCore(ids)
		if err != nil {
			return err
		}
		allowed := map[string]bool{}
		for id, p := range persons {
			allowed[id] = actor.InArea(p.AreaID) && a.decideCasework(tx, actor, access.MissingRecord, p).Allow
		}
		stored, err := tx.EpisodesOf(ids)
		if err != nil {
			return err
		}
		byPerson := map[string][]*hub.MissingEpisode{}
		for _, e := range stored {
			byPerson[e.PersonID] = append(byPerson[e.PersonID], e)
		}
		eps := make([]*hub.MissingEpisode, 0, len(rows))
		var rhis []*hub.ReturnInterview
		for i, row := range rows {
			e, r, err := a.importEpisode(actor, persons, allowed, row, now, rules)
			if err == nil {
				for _, o := range byPerson[e.PersonID] {
					if o.Overlaps(e) {
						err = overlapError(o)
						break
					}
				}
			}
			if err != nil {
				rep.Refused = append(rep.Refused, ImportError{Row: i, Err: err})
				continue
			}
			byPerson[e.PersonID] = append(byPerson[e.PersonID], e)
			eps = append(eps, e)
			if r != nil {
				rhis = append(rhis, r)
			}
		}
		if len(rep.Refused) > 0 {
			return errRefused
		}
		if err := tx.CreateMissingEpisodes(eps); err != nil {
			return err
		}
		if err := tx.CreateReturnInterviews(rhis); err != nil {
			return err
		}
		for _, e := range eps {
			ev := event(ctx, actor, hub.ActCreate, "missing_episode", e.ID)
			ev.SubjectID, ev.Detail = e.PersonID, "import: "+source
			if err := tx.AppendAudit(ev); err != nil {
				return err
			}
			rep.IDs = append(rep.IDs, e.ID)
		}
		rep.Created = len(eps)
		return nil
	})
	if errors.Is(err, errRefused) {
		rep.IDs, rep.Created = nil, 0
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// importEpisode checks one imported row and returns the episode (with its
// id set) and its interview, if any. Overlaps are checked by the caller.
func (a *App) importEpisode(actor *access.Actor, persons map[string]*hub.Person, allowed map[string]bool, row MissingImport, now time.Time, rules MissingConfig) (*hub.MissingEpisode, *hub.ReturnInterview, error) {
	in := row.Report
	if !hub.ValidID(in.PersonID) {
		return nil, nil, hub.Invalid("person_id", "is not a person id")
	}
	p := persons[in.PersonID]
	if p == nil {
		return nil, nil, hub.Invalid("person_id", "is not a person held here")
	}
	if !allowed[p.ID] {
		return nil, nil, hub.Invalid("person_id", "is not in one of the importer's areas")
	}
	e := in.episode()
	e.ID, e.CreatedBy = hub.NewID(), actor.ID
	if e.ReportedAt.IsZero() {
		e.ReportedAt = e.LastSeenAt
	}
	if ret := row.Return; ret != nil {
		e.FoundAt, e.FoundPlace, e.FoundBy = ret.FoundAt.UTC(), strings.TrimSpace(ret.FoundPlace), strings.TrimSpace(ret.FoundBy)
		e.FoundWith, e.FoundWithIDs, e.OutOfArea = strings.TrimSpace(ret.FoundWith), ret.FoundWithIDs, ret.OutOfArea
		e.Condition, e.ReturnedAt, e.ReturnedTo = strings.TrimSpace(ret.Condition), ret.ReturnedAt.UTC(), strings.TrimSpace(ret.ReturnedTo)
		if e.ReturnedAt.IsZero() {
			e.ReturnedAt = e.FoundAt
		}
	}
	if err := e.Validate(now); err != nil {
		return nil, nil, err
	}
	if err := checkChild(p, e.LastSeenAt); err != nil {
		return nil, nil, err
	}
	if e.Type.Police() {
		e.RiskHistory = []hub.RiskChange{{At: e.ReportedAt, ActorID: actor.ID, ActorName: actor.Name, To: e.RiskLevel, Rationale: "imported"}}
	}
	if e.Open() || !e.Type.Police() {
		if row.Interview != nil {
			return nil, nil, hub.Invalid("rhi", "an interview follows a return from a police-recorded episode")
		}
		return e, nil, nil
	}
	r := &hub.ReturnInterview{EpisodeID: e.ID, PersonID: p.ID, Status: hub.RHIDue, DueAt: deadline.AddHours(e.ReturnedAt, rules.RHIHours), CreatedBy: actor.ID}
	if row.Interview != nil {
		row.Interview.apply(r)
		if r.Status == "" {
			r.Status = hub.RHIDue
		}
		if err := r.Validate(e.ReturnedAt, now); err != nil {
			return nil, nil, err
		}
	}
	return e, r, nil
}

// RaiseRepeatMissingPrompts applies the repeat-missing rule to the children
// in the actor's areas as things stand, after a load of history: each
// child whose latest police-recorded episode was last seen within the
// rule's window, and who meets the rule with it, gets a prompt unless one
// is open. No notifications are sent (this is history, not news); each
// prompt is audited. It returns how many prompts were raised.
func (a *App) RaiseRepeatMissingPrompts(ctx context.Context, actor *access.Actor) (int, error) {
	if err := require(actor, access.MissingRecord); err != nil {
		return 0, err
	}
	rules := a.missingRules()
	raised := 0
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		now := tx.Now()
		eps, err := tx.PoliceEpisodesSince(casefileScope(actor), now.Add(-2*rules.RepeatWindow))
		if err != nil {
			return err
		}
		byPerson := map[string][]*hub.MissingEpisode{}
		for _, e := range eps {
			byPerson[e.PersonID] = append(byPerson[e.PersonID], e)
		}
		open, err := tx.OpenMissingPrompts(casefileScope(actor), 0)
		if err != nil {
			return err
		}
		prompted := map[string]bool{}
		for _, m := range open {
			prompted[m.PersonID] = true
		}
		ids := make([]string, 0, len(byPerson))
		for id := range byPerson {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			list := byPerson[id] // latest first
			latest := list[0]
			if prompted[id] || latest.LastSeenAt.Before(now.Add(-rules.RepeatWindow)) {
				continue
			}
			n := 0
			for _, e := range list {
				if !e.LastSeenAt.Before(latest.LastSeenAt.Add(-rules.RepeatWindow)) {
					n++
				}
			}
			fire, high, reason := RepeatMissingFires(rules, n, latest.RiskLevel)
			if !fire {
				continue
			}
			days := rules.ReviewWorkingDays
			if high {
				days = rules.StrategyWorkingDays
			}
			m := &hub.MissingPrompt{PersonID: id, EpisodeID: latest.ID, Reason: reason, HighRisk: high, Episodes: n, DueAt: calendar.AddWorkingDays(now, days)}
			if err := tx.CreateMissingPrompt(m); err != nil {
				return err
			}
			ev := event(ctx, actor, hub.ActCreate, "missing_prompt", m.ID)
			ev.SubjectID, ev.Detail = id, "repeat-missing rule applied to loaded history"
			if err := tx.AppendAudit(ev); err != nil {
				return err
			}
			raised++
		}
		return nil
	})
	return raised, err
}

// NRMImport is one NRM referral of a partner import or a synthetic load,
// with the decisions made on it so far.
type NRMImport struct {
	PersonID string
	NRMInput
	RG *NRMDecision
	CG *NRMDecision
}

// ImportNRM creates a batch of NRM referrals, all-or-nothing, each checked
// as ReferNRM and the decision use cases would check it. One audit event
// per referral.
func (a *App) ImportNRM(ctx context.Context, actor *access.Actor, source string, rows []NRMImport) (*ImportReport, error) {
	if err := require(actor, access.CaseWrite); err != nil {
		return nil, err
	}
	if len(rows) > MaxImportBatch {
		return nil, hub.Invalid("rows", "a batch holds at most %d records; split the import", MaxImportBatch)
	}
	if err := hub.ValidateText("source", source, 1, 200); err != nil {
		return nil, err
	}
	rules := a.missingRules()
	rep := &ImportReport{}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var ns []*hub.NRMReferral
		for i, row := range rows {
			n, err := a.importNRM(tx, actor, row, rules)
			if err != nil {
				rep.Refused = append(rep.Refused, ImportError{Row: i, Err: err})
				continue
			}
			ns = append(ns, n)
		}
		if len(rep.Refused) > 0 {
			return errRefused
		}
		if err := tx.CreateNRMReferrals(ns); err != nil {
			return err
		}
		for _, n := range ns {
			ev := event(ctx, actor, hub.ActCreate, "nrm_referral", n.ID)
			ev.SubjectID, ev.Detail = n.PersonID, "import: "+source
			if err := tx.AppendAudit(ev); err != nil {
				return err
			}
			rep.IDs = append(rep.IDs, n.ID)
		}
		rep.Created = len(ns)
		return nil
	})
	if errors.Is(err, errRefused) {
		rep.IDs, rep.Created = nil, 0
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func (a *App) importNRM(tx *store.Tx, actor *access.Actor, row NRMImport, rules MissingConfig) (*hub.NRMReferral, error) {
	if !hub.ValidID(row.PersonID) {
		return nil, hub.Invalid("person_id", "is not a person id")
	}
	p, err := tx.Person(row.PersonID)
	if err != nil {
		return nil, hub.Invalid("person_id", "is not a person held here")
	}
	if !a.decideCasework(tx, actor, access.CaseWrite, p).Allow || !actor.InArea(p.AreaID) {
		return nil, hub.Invalid("person_id", "is not in one of the importer's areas")
	}
	n, err := a.buildNRM(p, row.NRMInput)
	if err != nil {
		return nil, err
	}
	n.CreatedBy = actor.ID
	if d := row.RG; d != nil {
		on, err := hub.ParseDate("rg_decided_on", d.DecidedOn)
		if err != nil {
			return nil, err
		}
		n.RG, n.RGDecidedOn = hub.RGDecision(d.Decision), on
		if n.RG == hub.RGPositive {
			n.RecoveryEnds = hub.RecoveryEnd(on, rules.NRMRecoveryDays)
		}
	}
	if d := row.CG; d != nil {
		on, err := hub.ParseDate("cg_decided_on", d.DecidedOn)
		if err != nil {
			return nil, err
		}
		n.CG, n.CGDecidedOn, n.Outcome = hub.CGDecision(d.Decision), on, strings.TrimSpace(d.Outcome)
	}
	if err := n.Validate(tx.Now(), London, rules.NRMRecoveryDays); err != nil {
		return nil, err
	}
	n.ID = hub.NewID()
	return n, nil
}
