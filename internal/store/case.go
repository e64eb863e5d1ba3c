package store

import (
	"slices"
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

// Cases (issue 4, part B). A case row holds the case; case_members and
// case_agencies its team and the agencies involved.

const caseColumns = `c.id, c.subject_kind, c.subject_id, c.area_id, c.owner_agency_id, c.lead_id, c.exploitation, c.status, c.summary, c.plan_summary,
	c.opened_at, c.review_due, c.closed_at, c.closure_code, c.closure_reason, c.referral_id, c.external_ref, c.created_by, c.version, c.created_at, c.updated_at`

func scanCase(s interface{ Scan(...any) error }, extra ...any) (*hub.Case, error) {
	c := &hub.Case{}
	var kind, exploit, status, review, code string
	var opened, closed, created, updated int64
	dest := []any{&c.ID, &kind, &c.Subject.ID, &c.AreaID, &c.OwnerAgencyID, &c.LeadID, &exploit, &status, &c.Summary, &c.PlanSummary,
		&opened, &review, &closed, &code, &c.ClosureReason, &c.ReferralID, &c.ExternalRef, &c.CreatedBy, &c.Version, &created, &updated}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	c.Subject.Kind = hub.SubjectKind(kind)
	c.Exploitation = splitList[hub.ExploitationType](exploit)
	c.Status, c.ClosureCode = hub.CaseStatus(status), hub.ClosureCode(code)
	c.ReviewDue = parseDateText(review)
	c.OpenedAt, c.ClosedAt = fromMicros(opened), fromMicros(closed)
	c.CreatedAt, c.UpdatedAt = fromMicros(created), fromMicros(updated)
	return c, nil
}

func caseRow(c *hub.Case) []any {
	return []any{c.ID, string(c.Subject.Kind), c.Subject.ID, c.AreaID, c.OwnerAgencyID, c.LeadID, joinList(c.Exploitation), string(c.Status), c.Summary, c.PlanSummary,
		micros(c.OpenedAt), dateText(c.ReviewDue), micros(c.ClosedAt), string(c.ClosureCode), c.ClosureReason, c.ReferralID, c.ExternalRef, c.CreatedBy, c.Version,
		micros(c.CreatedAt), micros(c.UpdatedAt)}
}

const caseInsert = `INSERT INTO cases (id, subject_kind, subject_id, area_id, owner_agency_id, lead_id, exploitation, status, summary, plan_summary,
	opened_at, review_due, closed_at, closure_code, closure_reason, referral_id, external_ref, created_by, version, created_at, updated_at) VALUES `

// CreateCase inserts a case with its team and agencies. It sets the ID (if
// empty), version and times. A second active case for the same subject, or a
// reused external reference, gives hub.ErrConflict.
func (tx *Tx) CreateCase(c *hub.Case) error { return tx.CreateCases([]*hub.Case{c}) }

// CreateCases inserts a batch of cases with multi-row statements, for
// imports.
func (tx *Tx) CreateCases(cs []*hub.Case) error {
	rows := make([][]any, 0, len(cs))
	for _, c := range cs {
		if c.ID == "" {
			c.ID = hub.NewID()
		}
		c.Version, c.CreatedAt, c.UpdatedAt = 1, tx.now, tx.now
		rows = append(rows, caseRow(c))
	}
	if err := tx.insertRows(caseInsert, rows); err != nil {
		return err
	}
	return tx.insertCaseParts(cs)
}

func (tx *Tx) insertCaseParts(cs []*hub.Case) error {
	var members, agencies [][]any
	for _, c := range cs {
		for _, m := range caseDistinct(c.MemberIDs) {
			if m != c.LeadID {
				members = append(members, []any{c.ID, m})
			}
		}
		for _, ag := range caseDistinct(c.AgencyIDs) {
			agencies = append(agencies, []any{c.ID, ag})
		}
	}
	if err := tx.insertRows(`INSERT INTO case_members (case_id, user_id) VALUES `, members); err != nil {
		return err
	}
	return tx.insertRows(`INSERT INTO case_agencies (case_id, agency_id) VALUES `, agencies)
}

func caseDistinct(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// UpdateCase saves every field, team and agency of c if c.Version is
// current, and increments the version. A stale version gives
// hub.ErrConflict.
func (tx *Tx) UpdateCase(c *hub.Case) error {
	r, err := tx.exec(`UPDATE cases SET area_id = ?, owner_agency_id = ?, lead_id = ?, exploitation = ?, status = ?, summary = ?, plan_summary = ?,
		opened_at = ?, review_due = ?, closed_at = ?, closure_code = ?, closure_reason = ?, referral_id = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`,
		c.AreaID, c.OwnerAgencyID, c.LeadID, joinList(c.Exploitation), string(c.Status), c.Summary, c.PlanSummary,
		micros(c.OpenedAt), dateText(c.ReviewDue), micros(c.ClosedAt), string(c.ClosureCode), c.ClosureReason, c.ReferralID, micros(tx.now),
		c.ID, c.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "cases", c.ID, "case"); err != nil {
		return err
	}
	for _, t := range []string{"case_members", "case_agencies"} {
		// t is one of two fixed table names.
		if _, err := tx.exec(`DELETE FROM `+t+` WHERE case_id = ?`, c.ID); err != nil {
			return err
		}
	}
	if err := tx.insertCaseParts([]*hub.Case{c}); err != nil {
		return err
	}
	c.Version++
	c.UpdatedAt = tx.now
	return nil
}

// Case returns the case with the given id, with its team and agencies.
func (tx *Tx) Case(id string) (*hub.Case, error) {
	c, err := scanCase(tx.queryRow(`SELECT `+caseColumns+` FROM cases c WHERE c.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "case")
	}
	if err := tx.loadCaseParts([]*hub.Case{c}); err != nil {
		return nil, err
	}
	return c, nil
}

// ActiveCase returns the subject's active (open or on hold) case, or
// hub.ErrNotFound.
func (tx *Tx) ActiveCase(s hub.Subject) (*hub.Case, error) {
	c, err := scanCase(tx.queryRow(`SELECT `+caseColumns+` FROM cases c WHERE c.subject_kind = ? AND c.subject_id = ? AND c.status <> 'closed'`, string(s.Kind), s.ID))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "case")
	}
	if err := tx.loadCaseParts([]*hub.Case{c}); err != nil {
		return nil, err
	}
	return c, nil
}

// CaseTeam returns the lead practitioners and workers of the active cases
// whose subject is the given person, for access decisions: leads first, in
// the order the cases were opened.
func (tx *Tx) CaseTeam(personID string) (leads, members []string, err error) {
	rows, err := tx.query(`SELECT c.lead_id, COALESCE(m.user_id, '') FROM cases c LEFT JOIN case_members m ON m.case_id = c.id
		WHERE c.subject_kind = 'person' AND c.subject_id = ? AND c.status <> 'closed' ORDER BY c.opened_at, c.id`, personID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var lead, member string
		if err := rows.Scan(&lead, &member); err != nil {
			return nil, nil, err
		}
		if !slices.Contains(leads, lead) {
			leads = append(leads, lead)
		}
		if member != "" && !slices.Contains(members, member) {
			members = append(members, member)
		}
	}
	return leads, members, rows.Err()
}

// CaseFilter selects cases. Every criterion given must hold; the scope
// (AreaIDs, TeamUserID) admits a case in one of the areas or with the user
// on its team.
type CaseFilter struct {
	Subject hub.Subject
	// Statuses, if set, keeps cases in one of these statuses.
	Statuses []hub.CaseStatus
	// AreaIDs and TeamUserID scope the list: cases in these areas, or with
	// this user as lead or worker. With neither, every case matches.
	AreaIDs    []string
	TeamUserID string
	// LeadID keeps the cases this user leads.
	LeadID string
	Limit  int
	Offset int
}

// FindCases returns a page of matching cases, most recently opened first,
// with their teams and agencies, and the total that match.
func (tx *Tx) FindCases(f CaseFilter) ([]*hub.Case, int, error) {
	var where []string
	var args []any
	if f.Subject.ID != "" {
		where = append(where, `c.subject_kind = ? AND c.subject_id = ?`)
		args = append(args, string(f.Subject.Kind), f.Subject.ID)
	}
	if len(f.Statuses) > 0 {
		where = append(where, `c.status IN (?`+repeatPlaceholders(len(f.Statuses)-1)+`)`)
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	if f.LeadID != "" {
		where = append(where, `c.lead_id = ?`)
		args = append(args, f.LeadID)
	}
	var scope []string
	if len(f.AreaIDs) > 0 {
		scope = append(scope, `c.area_id IN (?`+repeatPlaceholders(len(f.AreaIDs)-1)+`)`)
		for _, a := range f.AreaIDs {
			args = append(args, a)
		}
	}
	if f.TeamUserID != "" {
		scope = append(scope, `c.lead_id = ?`, `c.id IN (SELECT case_id FROM case_members WHERE user_id = ?)`)
		args = append(args, f.TeamUserID, f.TeamUserID)
	}
	if len(scope) > 0 {
		where = append(where, `(`+strings.Join(scope, ` OR `)+`)`)
	}
	q := `SELECT ` + caseColumns + `, COUNT(*) OVER () FROM cases c`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY c.opened_at DESC, c.id` + limitOffset(f.Limit, f.Offset, 500)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.Case
	total := 0
	for rows.Next() {
		c, err := scanCase(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if err := tx.loadCaseParts(out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// loadCaseParts fills in the team and agencies of cs.
func (tx *Tx) loadCaseParts(cs []*hub.Case) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[string]*hub.Case, len(cs))
	args := make([]any, len(cs))
	for i, c := range cs {
		byID[c.ID] = c
		args[i] = c.ID
	}
	in := `(?` + repeatPlaceholders(len(cs)-1) + `)`
	for _, part := range []struct {
		q   string
		add func(c *hub.Case, v string)
	}{
		{`SELECT case_id, user_id FROM case_members WHERE case_id IN ` + in + ` ORDER BY case_id, user_id`, func(c *hub.Case, v string) { c.MemberIDs = append(c.MemberIDs, v) }},
		{`SELECT case_id, agency_id FROM case_agencies WHERE case_id IN ` + in + ` ORDER BY case_id, agency_id`, func(c *hub.Case, v string) { c.AgencyIDs = append(c.AgencyIDs, v) }},
	} {
		rows, err := tx.query(part.q, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, v string
			if err := rows.Scan(&id, &v); err != nil {
				rows.Close()
				return err
			}
			part.add(byID[id], v)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// CaseSubject is what a case list shows of a person subject: a name and
// what access decisions need.
type CaseSubject struct {
	ID            string
	Name          string
	AreaID        string
	OwnerAgencyID string
	Sensitivity   hub.Sensitivity
	DateOfBirth   hub.Date
}

// PersonSubjects returns, for the given person ids, their names, areas and
// sensitivity in one query (ids not found are absent).
func (tx *Tx) PersonSubjects(ids []string) (map[string]*CaseSubject, error) {
	out := make(map[string]*CaseSubject, len(ids))
	ids = caseDistinct(ids)
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(len(ids), start+500)]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := tx.query(`SELECT id, given_name, family_name, area_id, owner_agency_id, sensitivity, date_of_birth FROM persons WHERE id IN (?`+repeatPlaceholders(len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			s := &CaseSubject{}
			var given, family, sens, dob string
			if err := rows.Scan(&s.ID, &given, &family, &s.AreaID, &s.OwnerAgencyID, &sens, &dob); err != nil {
				rows.Close()
				return nil, err
			}
			p := hub.Person{GivenName: given, FamilyName: family}
			s.Name, s.Sensitivity, s.DateOfBirth = p.Name(), hub.Sensitivity(sens), parseDateText(dob)
			out[s.ID] = s
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CountCases returns the number of cases, for tests and load reports.
func (tx *Tx) CountCases() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM cases`).Scan(&n)
	return n, tx.db.translate(err)
}

// CaseReviewsDue lists active cases with a review date on or before due
// (zero: any), in the given areas or with user on the team, for work queues.
func (tx *Tx) CaseReviewsDue(areaIDs []string, userID string, due hub.Date) ([]*hub.Case, error) {
	q := `SELECT ` + caseColumns + ` FROM cases c WHERE c.status <> 'closed' AND c.review_due <> ''`
	var args []any
	if !due.IsZero() {
		q += ` AND c.review_due <= ?`
		args = append(args, dateText(due))
	}
	var scope []string
	if len(areaIDs) > 0 {
		scope = append(scope, `c.area_id IN (?`+repeatPlaceholders(len(areaIDs)-1)+`)`)
		for _, a := range areaIDs {
			args = append(args, a)
		}
	}
	if userID != "" {
		scope = append(scope, `c.lead_id = ?`, `c.id IN (SELECT case_id FROM case_members WHERE user_id = ?)`)
		args = append(args, userID, userID)
	}
	if len(scope) == 0 {
		return nil, nil
	}
	q += ` AND (` + strings.Join(scope, ` OR `) + `) ORDER BY c.review_due, c.id LIMIT 2000`
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ActiveCaseSubjects returns which of the given subjects (of one kind)
// have an active case, mapped to its id.
func (tx *Tx) ActiveCaseSubjects(kind hub.SubjectKind, ids []string) (map[string]string, error) {
	out := map[string]string{}
	ids = caseDistinct(ids)
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(len(ids), start+500)]
		args := []any{string(kind)}
		for _, id := range chunk {
			args = append(args, id)
		}
		rows, err := tx.query(`SELECT subject_id, id FROM cases WHERE subject_kind = ? AND status <> 'closed' AND subject_id IN (?`+repeatPlaceholders(len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var s, id string
			if err := rows.Scan(&s, &id); err != nil {
				rows.Close()
				return nil, err
			}
			out[s] = id
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
