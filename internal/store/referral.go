package store

import (
	"strings"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

const referralCols = `id, subject_kind, subject_id, area_id, owner_agency_id, referrer_name, referrer_role, referrer_agency_id, referrer_org, received_at, concerns, indicators, urgency,
	decision_due, decision, decision_reason, decided_by, decided_by_name, decided_at, case_id, allocated_to, external_ref, created_by, version, created_at, updated_at`

func scanReferralRow(s interface{ Scan(...any) error }, extra ...any) (*hub.Referral, error) {
	r := &hub.Referral{}
	var kind, inds, urgency, decision string
	var received, due, decided, cr, up int64
	dest := []any{&r.ID, &kind, &r.Subject.ID, &r.AreaID, &r.OwnerAgencyID, &r.ReferrerName, &r.ReferrerRole, &r.ReferrerAgencyID, &r.ReferrerOrg, &received, &r.Concerns, &inds, &urgency,
		&due, &decision, &r.DecisionReason, &r.DecidedBy, &r.DecidedByName, &decided, &r.CaseID, &r.AllocatedTo, &r.ExternalRef, &r.CreatedBy, &r.Version, &cr, &up}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	r.Subject.Kind, r.Urgency, r.Decision = hub.SubjectKind(kind), hub.Urgency(urgency), hub.ReferralDecision(decision)
	r.Indicators = splitList[string](inds)
	r.ReceivedAt, r.DecisionDue, r.DecidedAt = fromMicros(received), fromMicros(due), fromMicros(decided)
	r.CreatedAt, r.UpdatedAt = fromMicros(cr), fromMicros(up)
	return r, nil
}

// CreateReferral inserts a referral, setting its ID (if empty), version and
// times.
func (tx *Tx) CreateReferral(r *hub.Referral) error { return tx.CreateReferrals([]*hub.Referral{r}) }

// CreateReferrals inserts a batch of referrals with multi-row statements,
// for imports. A repeated external reference is a conflict.
func (tx *Tx) CreateReferrals(rs []*hub.Referral) error {
	rows := make([][]any, 0, len(rs))
	for _, r := range rs {
		if r.ID == "" {
			r.ID = hub.NewID()
		}
		r.Version, r.CreatedAt, r.UpdatedAt = 1, tx.now, tx.now
		rows = append(rows, []any{r.ID, string(r.Subject.Kind), r.Subject.ID, r.AreaID, r.OwnerAgencyID, r.ReferrerName, r.ReferrerRole, r.ReferrerAgencyID, r.ReferrerOrg,
			micros(r.ReceivedAt), r.Concerns, joinList(r.Indicators), string(r.Urgency), micros(r.DecisionDue), string(r.Decision), r.DecisionReason, r.DecidedBy, r.DecidedByName,
			micros(r.DecidedAt), r.CaseID, r.AllocatedTo, r.ExternalRef, r.CreatedBy, r.Version, micros(r.CreatedAt), micros(r.UpdatedAt)})
	}
	return tx.insertRows(`INSERT INTO referrals (`+referralCols+`) VALUES `, rows)
}

// Referral returns the referral with the given id.
func (tx *Tx) Referral(id string) (*hub.Referral, error) {
	r, err := scanReferralRow(tx.queryRow(`SELECT `+referralCols+` FROM referrals WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "referral")
	}
	return r, nil
}

// UpdateReferral saves a referral's decision, allocation and case link if
// r.Version is current, and increments the version. What was referred
// (subject, referrer, concerns, indicators) is never rewritten.
func (tx *Tx) UpdateReferral(r *hub.Referral) error {
	res, err := tx.exec(`UPDATE referrals SET decision = ?, decision_reason = ?, decided_by = ?, decided_by_name = ?, decided_at = ?, case_id = ?, allocated_to = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		string(r.Decision), r.DecisionReason, r.DecidedBy, r.DecidedByName, micros(r.DecidedAt), r.CaseID, r.AllocatedTo, micros(tx.now), r.ID, r.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(res, "referrals", r.ID, "referral"); err != nil {
		return err
	}
	r.Version++
	r.UpdatedAt = tx.now
	return nil
}

// ReferralListFilter selects referrals. Every criterion given must hold.
type ReferralListFilter struct {
	// Subject selects one subject's referrals.
	Subject *hub.Subject
	// AreaIDs limits the referrals to those areas.
	AreaIDs []string
	// Undecided selects referrals without a decision, by due time.
	Undecided bool
	// ExcludeRestricted leaves out referrals about restricted persons.
	ExcludeRestricted bool
	Limit             int
	Offset            int
}

// FindReferrals returns a page of referrals, newest first (undecided ones
// by decision due time, earliest first), and the total that match.
func (tx *Tx) FindReferrals(f ReferralListFilter) ([]*hub.Referral, int, error) {
	q := `SELECT ` + referralCols + `, COUNT(*) OVER () FROM referrals WHERE 1 = 1`
	var args []any
	if f.Subject != nil {
		q += ` AND subject_kind = ? AND subject_id = ?`
		args = append(args, string(f.Subject.Kind), f.Subject.ID)
	}
	if f.Undecided {
		q += ` AND decision = ''`
	}
	if f.ExcludeRestricted {
		q += ` AND NOT EXISTS (SELECT 1 FROM persons p WHERE subject_kind = 'person' AND p.id = subject_id AND p.sensitivity = 'restricted')`
	}
	switch {
	case len(f.AreaIDs) > 0:
		q += ` AND area_id IN (?` + repeatPlaceholders(len(f.AreaIDs)-1) + `)`
		for _, a := range f.AreaIDs {
			args = append(args, a)
		}
	case f.Subject == nil:
		return nil, 0, nil // no scope: nothing
	}
	if f.Undecided {
		q += ` ORDER BY decision_due, id`
	} else {
		q += ` ORDER BY received_at DESC, id`
	}
	q += limitOffset(f.Limit, f.Offset, 5000)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.Referral
	total := 0
	for rows.Next() {
		r, err := scanReferralRow(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// CountReferrals returns the number of referrals.
func (tx *Tx) CountReferrals() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM referrals`).Scan(&n)
	return n, tx.db.translate(err)
}

// PersonSummary is what lists need of a person: the name, and the area and
// sensitivity an access decision needs.
type PersonSummary struct {
	ID            string
	GivenName     string
	FamilyName    string
	AreaID        string
	OwnerAgencyID string
	Sensitivity   hub.Sensitivity
}

// Name returns "Given Family" for display.
func (s PersonSummary) Name() string {
	p := hub.Person{GivenName: s.GivenName, FamilyName: s.FamilyName}
	return p.Name()
}

// PersonSummaries returns the summaries of the persons with the given ids
// (those that exist), by id, a few hundred per query.
func (tx *Tx) PersonSummaries(ids []string) (map[string]PersonSummary, error) {
	out := make(map[string]PersonSummary, len(ids))
	err := inChunks(ids, func(chunk []any) error {
		rows, err := tx.query(`SELECT id, given_name, family_name, area_id, owner_agency_id, sensitivity FROM persons WHERE id IN (?`+repeatPlaceholders(len(chunk)-1)+`)`, chunk...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s PersonSummary
			var sens string
			if err := rows.Scan(&s.ID, &s.GivenName, &s.FamilyName, &s.AreaID, &s.OwnerAgencyID, &sens); err != nil {
				return err
			}
			s.Sensitivity = hub.Sensitivity(sens)
			out[s.ID] = s
		}
		return rows.Err()
	})
	return out, err
}

// ContextSummary is what lists need of a context.
type ContextSummary struct {
	ID            string
	Name          string
	Kind          hub.ContextKind
	AreaID        string
	OwnerAgencyID string
}

// ContextSummaries returns the summaries of the contexts with the given
// ids (those that exist), by id.
func (tx *Tx) ContextSummaries(ids []string) (map[string]ContextSummary, error) {
	out := make(map[string]ContextSummary, len(ids))
	err := inChunks(ids, func(chunk []any) error {
		rows, err := tx.query(`SELECT id, name, kind, area_id, owner_agency_id FROM contexts WHERE id IN (?`+repeatPlaceholders(len(chunk)-1)+`)`, chunk...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var s ContextSummary
			var kind string
			if err := rows.Scan(&s.ID, &s.Name, &kind, &s.AreaID, &s.OwnerAgencyID); err != nil {
				return err
			}
			s.Kind = hub.ContextKind(kind)
			out[s.ID] = s
		}
		return rows.Err()
	})
	return out, err
}

// inChunks calls fn with the distinct ids, as query arguments, 500 at a
// time.
func inChunks(ids []string, fn func(chunk []any) error) error {
	seen := make(map[string]bool, len(ids))
	args := make([]any, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	for i := 0; i < len(args); i += 500 {
		if err := fn(args[i:min(len(args), i+500)]); err != nil {
			return err
		}
	}
	return nil
}

// SubjectSummary is a subject's name and what an access decision needs,
// as the work queues' queries join them.
type SubjectSummary struct {
	// Found is false when the subject no longer exists.
	Found         bool
	Name          string
	AreaID        string
	OwnerAgencyID string
	Sensitivity   hub.Sensitivity
}

// subjectJoin joins a row's subject (alias x, with subject_kind and
// subject_id) to persons and contexts, for subjectColumns.
const subjectJoin = ` LEFT JOIN persons p ON x.subject_kind = 'person' AND p.id = x.subject_id LEFT JOIN contexts c ON x.subject_kind = 'context' AND c.id = x.subject_id`

const subjectColumns = `COALESCE(p.given_name, ''), COALESCE(p.family_name, ''), COALESCE(c.name, ''), COALESCE(p.area_id, c.area_id, ''), COALESCE(p.owner_agency_id, c.owner_agency_id, ''), COALESCE(p.sensitivity, 'normal')`

func (s *SubjectSummary) scanDest(given, family, ctxName *string, sens *string) []any {
	return []any{given, family, ctxName, &s.AreaID, &s.OwnerAgencyID, sens}
}

func (s *SubjectSummary) finish(given, family, ctxName, sens string) {
	s.Sensitivity = hub.Sensitivity(sens)
	s.Found = s.AreaID != ""
	if ctxName != "" {
		s.Name = ctxName
		return
	}
	s.Name = (&hub.Person{GivenName: given, FamilyName: family}).Name()
}

// OpenReferral is an undecided referral as the work queues list it.
type OpenReferral struct {
	ID          string
	Subject     hub.Subject
	AreaID      string
	AllocatedTo string
	DecisionDue time.Time
	Urgency     hub.Urgency
	SubjectSummary
}

// OpenReferrals returns the undecided referrals in the given areas and
// those allocated to ownerID (if set) wherever they are, with their
// subjects' names, by decision due time: the work queues' query. Each half
// of the union uses its own index (an OR would scan the table).
func (tx *Tx) OpenReferrals(areaIDs []string, ownerID string) ([]OpenReferral, error) {
	cols := `SELECT x.id, x.subject_kind, x.subject_id, x.area_id, x.allocated_to, x.decision_due, x.urgency, ` + subjectColumns + ` FROM referrals x` + subjectJoin
	var parts []string
	var args []any
	if len(areaIDs) > 0 {
		parts = append(parts, cols+` WHERE x.area_id IN (?`+repeatPlaceholders(len(areaIDs)-1)+`) AND x.decision = ''`)
		for _, a := range areaIDs {
			args = append(args, a)
		}
	}
	if ownerID != "" {
		parts = append(parts, cols+` WHERE x.allocated_to = ? AND x.decision = ''`)
		args = append(args, ownerID)
	}
	if len(parts) == 0 {
		return nil, nil
	}
	rows, err := tx.query(strings.Join(parts, ` UNION `)+` ORDER BY 6, 1`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OpenReferral
	for rows.Next() {
		var r OpenReferral
		var kind, urgency, given, family, ctxName, sens string
		var due int64
		dest := append([]any{&r.ID, &kind, &r.Subject.ID, &r.AreaID, &r.AllocatedTo, &due, &urgency}, r.scanDest(&given, &family, &ctxName, &sens)...)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r.Subject.Kind, r.Urgency, r.DecisionDue = hub.SubjectKind(kind), hub.Urgency(urgency), fromMicros(due)
		r.finish(given, family, ctxName, sens)
		out = append(out, r)
	}
	return out, rows.Err()
}
