package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// ChronologyEntry is one dated event in a child's chronology: a referral,
// an assessment, a missing episode, a meeting, a flag, a case note.
type ChronologyEntry struct {
	At time.Time
	// Kind is a short machine name ("referral", "missing", "flag", "note").
	Kind string
	// Title is one line; Detail is optional further text.
	Title  string
	Detail string
	// Agency is the agency that recorded it, when known.
	Agency string
	// Link is a path within Safehub to the record.
	Link string
}

// chronologySources add a feature's entries to a child's chronology. Each
// runs in the chronology's transaction and must return only what actor may
// see. Feature files add theirs in init functions.
var chronologySources []func(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person) ([]ChronologyEntry, error)

// chronologyKinds names the kinds of entry, in the order the filter lists
// them: the filter's label, and the name of one entry. Kinds not listed
// here are shown by their machine name.
var chronologyKinds = []struct{ Kind, Label, Name string }{
	{"referral", "Referrals", "Referral"},
	{"assessment", "Risk assessments", "Risk assessment"},
	{"case", "Case opened, reviewed and closed", "Hub case"},
	{"meeting", "Meetings", "Meeting"},
	{"plan_action", "Plan actions", "Plan action"},
	{"note", "Case notes", "Case note"},
	{"service", "Service referrals", "Service referral"},
	{"missing", "Missing episodes", "Missing episode"},
	{"rhi", "Return home interviews", "Return home interview"},
	{"nrm", "NRM referrals", "NRM referral"},
	{"flag", "Health flags", "Health flag"},
}

// ChronologyKindLabel is the name of a kind of entry in the filter
// ("Meetings").
func ChronologyKindLabel(kind string) string {
	for _, k := range chronologyKinds {
		if k.Kind == kind {
			return k.Label
		}
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// kindRank orders kinds as chronologyKinds lists them, others after.
func kindRank(kind string) int {
	for i, k := range chronologyKinds {
		if k.Kind == kind {
			return i
		}
	}
	return len(chronologyKinds)
}

// ChronologyKindName is the name of one entry of a kind ("Meeting").
func ChronologyKindName(kind string) string {
	for _, k := range chronologyKinds {
		if k.Kind == kind {
			return k.Name
		}
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// ChronologyFilter narrows a chronology: to some kinds of entry, and to a
// date range (London dates, inclusive). Empty means everything.
type ChronologyFilter struct {
	Kinds []string
	From  string
	To    string
}

// ChronologyKind is one kind of entry in a chronology, with how many there
// are (before filtering) and whether the filter shows it.
type ChronologyKind struct {
	Kind     string
	Label    string
	Count    int
	Selected bool
}

// chronologyPart is the part of a child's record an entry of this kind
// belongs to, for shares; "" for kinds no share opens (health flags).
func chronologyPart(kind string) hub.SharePart {
	switch kind {
	case "referral", "assessment":
		return hub.PartAssessments
	case "case":
		return hub.PartCase
	case "meeting", "plan_action", "service":
		return hub.PartPlan
	case "note":
		return hub.PartNotes
	case "missing", "rhi", "nrm":
		return hub.PartMissing
	}
	return ""
}

// Chronology is a child's timeline.
type Chronology struct {
	// Shared is set when the actor reads it under shares: it holds the
	// shared parts' entries only.
	Shared bool
	Person *hub.Person
	// Entries are in date order, oldest first.
	Entries []ChronologyEntry
	// Total counts every entry before filtering.
	Total int
	Kinds []ChronologyKind
	From  hub.Date
	To    hub.Date
}

// maxChronologyKinds bounds the kinds a filter may name.
const maxChronologyKinds = 30

// parseChronologyFilter checks a filter's dates and kinds.
func parseChronologyFilter(f ChronologyFilter) (kinds []string, from, to hub.Date, err error) {
	if len(f.Kinds) > maxChronologyKinds {
		return nil, from, to, hub.Invalid("kind", "names too many kinds")
	}
	for _, k := range f.Kinds {
		k = strings.TrimSpace(k)
		if k == "" {
			continue
		}
		if err := hub.ValidateText("kind", k, 1, 40); err != nil {
			return nil, from, to, err
		}
		for _, c := range []byte(k) {
			if !('a' <= c && c <= 'z' || c == '_') {
				return nil, from, to, hub.Invalid("kind", "is not a kind of entry")
			}
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	if s := strings.TrimSpace(f.From); s != "" {
		if from, err = hub.ParseDate("from", s); err != nil {
			return nil, from, to, err
		}
	}
	if s := strings.TrimSpace(f.To); s != "" {
		if to, err = hub.ParseDate("to", s); err != nil {
			return nil, from, to, err
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return nil, from, to, hub.Invalid("to", "is before the start of the range")
	}
	return kinds, from, to, nil
}

// ChronologyOf returns a child's chronology: every source's entries the
// actor may see, merged in date order, then filtered. Reading it is one
// audited view of the child. The actor needs case.read and the child in
// scope (area, team or case team); a child they may not see is not found.
func (a *App) ChronologyOf(ctx context.Context, actor *access.Actor, personID string, f ChronologyFilter) (*Chronology, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	kinds, from, to, err := parseChronologyFilter(f)
	if err != nil {
		return nil, err
	}
	if !hub.ValidID(personID) {
		return nil, hub.NotFound("person")
	}
	out := &Chronology{From: from, To: to}
	denied := false
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.Person(personID)
		if errors.Is(err, hub.ErrNotFound) {
			denied = true
			e := event(ctx, actor, hub.ActView, "chronology", personID)
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActView, "chronology", p.ID)
		e.SubjectID = p.ID
		d := a.decide(tx, actor, access.CaseRead, access.PersonRecord(p))
		// Outside their own scope, a recipient of shares sees the entries
		// of the parts shared with them, and nothing else (issue 6).
		var shared map[string]bool
		if !d.Allow {
			var cases []*hub.Case
			for _, part := range hub.SharePartList[1:] {
				pd := a.decide(tx, actor, access.CaseRead, access.PersonRecord(p).PartOf(part))
				if !pd.Allow && part.CaseBound() {
					// A share made from a case opens that case's parts.
					if cases == nil {
						if cases, _, err = tx.FindCases(store.CaseFilter{Subject: hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}, Limit: 100}); err != nil {
							return err
						}
					}
					for _, c := range cases {
						if pd = a.decide(tx, actor, access.CaseRead, caseRecord(c, personSubject(p)).PartOf(part)); pd.Allow {
							break
						}
					}
				}
				if pd.Allow && pd.ViaShare != nil {
					if shared == nil {
						shared, d = map[string]bool{}, pd
						e.Detail = "read under share " + pd.ViaShare.ID
					}
					shared[string(part)] = true
				}
			}
		}
		if !d.Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, d.Reason
			return tx.AppendAudit(e)
		}
		out.Person = p
		if a.identityHidden(tx, actor, d, p) {
			out.Person = maskedPerson(p)
		}
		var all []ChronologyEntry
		for _, src := range chronologySources {
			es, err := src(a, tx, actor, p)
			if err != nil {
				return err
			}
			all = append(all, es...)
		}
		if shared != nil {
			all = slices.DeleteFunc(all, func(en ChronologyEntry) bool { return !shared[string(chronologyPart(en.Kind))] })
			out.Shared = true
		}
		out.Total = len(all)
		counts := map[string]int{}
		for _, en := range all {
			counts[en.Kind]++
		}
		for _, k := range chronologyKinds {
			if counts[k.Kind] > 0 {
				out.Kinds = append(out.Kinds, ChronologyKind{Kind: k.Kind, Label: k.Label, Count: counts[k.Kind], Selected: slices.Contains(kinds, k.Kind)})
				delete(counts, k.Kind)
			}
		}
		var other []string
		for k := range counts {
			other = append(other, k)
		}
		slices.Sort(other)
		for _, k := range other {
			out.Kinds = append(out.Kinds, ChronologyKind{Kind: k, Label: ChronologyKindLabel(k), Count: counts[k], Selected: slices.Contains(kinds, k)})
		}
		start, end := time.Time{}, time.Time{}
		if !from.IsZero() {
			start = time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, London)
		}
		if !to.IsZero() {
			end = hub.EndOfDay(to, London)
		}
		for _, en := range all {
			if len(kinds) > 0 && !slices.Contains(kinds, en.Kind) {
				continue
			}
			if !start.IsZero() && en.At.Before(start) || !end.IsZero() && !en.At.Before(end) {
				continue
			}
			out.Entries = append(out.Entries, en)
		}
		// Same-instant entries follow the work's order: a referral's
		// decision before the case it opened.
		slices.SortStableFunc(out.Entries, func(x, y ChronologyEntry) int {
			if c := x.At.Compare(y.At); c != 0 {
				return c
			}
			return cmp.Compare(kindRank(x.Kind), kindRank(y.Kind))
		})
		e.Detail = strings.TrimSpace(fmt.Sprintf("%d of %d entries %s", len(out.Entries), out.Total, e.Detail))
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("person")
	}
	return out, nil
}

func init() {
	chronologySources = append(chronologySources, caseChronology)
}

// caseChronology is part B's contribution to a child's chronology: each of
// the child's cases opened, reviewed and closed, its meetings, notes, plan
// actions agreed and completed, and service referrals and their outcomes,
// for the cases the actor may read.
func caseChronology(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person) ([]ChronologyEntry, error) {
	if !access.Can(actor, access.CaseRead) {
		return nil, nil
	}
	subj := hub.Subject{Kind: hub.SubjectPerson, ID: p.ID}
	cs, _, err := tx.FindCases(store.CaseFilter{Subject: subj, Limit: 500})
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	info := personSubject(p)
	readable := map[string]*hub.Case{}
	for _, c := range cs {
		if a.decide(tx, actor, access.CaseRead, caseRecord(c, info)).Allow {
			readable[c.ID] = c
		}
	}
	if len(readable) == 0 {
		return nil, nil
	}
	agencies := agencyNames(tx)
	var out []ChronologyEntry
	for _, c := range readable {
		link := "/cases/" + c.ID
		var types []string
		for _, t := range c.Exploitation {
			types = append(types, t.Label())
		}
		out = append(out, ChronologyEntry{At: c.OpenedAt, Kind: "case", Title: "Hub case opened (" + strings.Join(types, ", ") + ")",
			Detail: c.Summary, Agency: agencies[c.OwnerAgencyID], Link: link})
		if c.Status == hub.CaseClosed {
			out = append(out, ChronologyEntry{At: c.ClosedAt, Kind: "case", Title: "Hub case closed: " + c.ClosureCode.Label(), Detail: c.ClosureReason, Link: link})
		}
	}
	ms, err := tx.SubjectMeetings(subj)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if readable[m.CaseID] == nil {
			continue
		}
		title := m.Kind.Label() + fmt.Sprintf(" (%d attended", len(m.Attendees))
		if len(m.ActionIDs) > 0 {
			title += fmt.Sprintf("; %d actions agreed", len(m.ActionIDs))
		}
		title += ")"
		if m.S47 {
			title += ": s47 enquiries started"
		}
		out = append(out, ChronologyEntry{At: m.HeldAt, Kind: "meeting", Title: title, Detail: m.Decisions, Link: "/meetings/" + m.ID})
	}
	ns, err := tx.SubjectNotes(subj)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		if readable[n.CaseID] == nil {
			continue
		}
		kind := "note"
		title := n.Kind.Label() + ": " + noteTitle(n)
		if n.Kind == hub.NoteReview {
			kind, title = "case", "Case reviewed: "+noteTitle(n)
		}
		if k := len(n.Attachments); k > 0 {
			title += fmt.Sprintf(" (%d attached)", k)
		}
		out = append(out, ChronologyEntry{At: n.At, Kind: kind, Title: title, Detail: n.Body, Agency: agencies[n.AgencyID], Link: "/notes/" + n.ID})
	}
	ps, err := tx.SubjectPlanActions(subj)
	if err != nil {
		return nil, err
	}
	for _, pa := range ps {
		if readable[pa.CaseID] == nil {
			continue
		}
		link := "/plan-actions/" + pa.ID
		out = append(out, ChronologyEntry{At: pa.CreatedAt, Kind: "plan_action", Title: "Action agreed, due " + pa.Due.Display() + ": " + clip(pa.What, 120),
			Agency: agencies[pa.AgencyID], Link: link})
		if !pa.Status.Open() && !pa.CompletedAt.IsZero() {
			out = append(out, ChronologyEntry{At: pa.CompletedAt, Kind: "plan_action", Title: "Action " + strings.ToLower(pa.Status.Label()) + ": " + clip(pa.What, 120),
				Agency: agencies[pa.AgencyID], Link: link})
		}
	}
	ss, err := tx.SubjectServiceReferrals(subj)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		if readable[s.CaseID] == nil {
			continue
		}
		link := "/service-referrals/" + s.ID
		out = append(out, ChronologyEntry{At: dateNoon(s.Referred), Kind: "service", Title: "Referred to " + a.PathwayLabel(s.Pathway) + " (" + s.Provider + ")", Detail: s.Reason, Link: link})
		if s.Outcome != hub.ServicePending && !s.OutcomeOn.IsZero() {
			out = append(out, ChronologyEntry{At: dateNoon(s.OutcomeOn), Kind: "service", Title: a.PathwayLabel(s.Pathway) + ": " + s.Outcome.Label(), Detail: s.OutcomeNote, Link: link})
		}
	}
	return out, nil
}

// dateNoon places a date-only event at midday London time, so it sorts
// among the day's timed events and shows on the right day.
func dateNoon(d hub.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, London).UTC()
}
