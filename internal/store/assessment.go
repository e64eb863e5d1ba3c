package store

import (
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

const assessmentColumns = `id, subject_kind, subject_id, area_id, owner_agency_id, referral_id, cycle, latest, status, indicators, score, suggested, level, level_reason,
	assessed_by, assessed_by_name, assessed_at, review_due, reviewer_id, created_by, version, created_at, updated_at`

func scanAssessment(s interface{ Scan(...any) error }, extra ...any) (*hub.Assessment, error) {
	a := &hub.Assessment{}
	var kind, status, inds, suggested, level, review string
	var assessed, cr, up int64
	dest := []any{&a.ID, &kind, &a.Subject.ID, &a.AreaID, &a.OwnerAgencyID, &a.ReferralID, &a.Cycle, &a.Latest, &status, &inds, &a.Score, &suggested, &level, &a.LevelReason,
		&a.AssessedBy, &a.AssessedByName, &assessed, &review, &a.ReviewerID, &a.CreatedBy, &a.Version, &cr, &up}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	a.Subject.Kind, a.Status = hub.SubjectKind(kind), hub.AssessmentStatus(status)
	a.Indicators = splitList[string](inds)
	a.Suggested, a.Level = hub.RiskLevel(suggested), hub.RiskLevel(level)
	a.AssessedAt, a.ReviewDue = fromMicros(assessed), parseDateText(review)
	a.CreatedAt, a.UpdatedAt = fromMicros(cr), fromMicros(up)
	return a, nil
}

// CreateAssessment inserts a new assessment cycle for its subject as the
// subject's latest (the previous latest is marked not latest), with the
// history entry of its start. It sets the ID (if empty), version and
// times. Two cycles with the same number for one subject conflict.
func (tx *Tx) CreateAssessment(a *hub.Assessment, start *hub.AssessmentChange) error {
	if a.ID == "" {
		a.ID = hub.NewID()
	}
	a.Version, a.Latest, a.CreatedAt, a.UpdatedAt = 1, true, tx.now, tx.now
	if _, err := tx.exec(`UPDATE assessments SET latest = ? WHERE subject_kind = ? AND subject_id = ? AND latest = ?`, false, string(a.Subject.Kind), a.Subject.ID, true); err != nil {
		return err
	}
	_, err := tx.exec(`INSERT INTO assessments (`+assessmentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, string(a.Subject.Kind), a.Subject.ID, a.AreaID, a.OwnerAgencyID, a.ReferralID, a.Cycle, a.Latest, string(a.Status), joinList(a.Indicators), a.Score,
		string(a.Suggested), string(a.Level), a.LevelReason, a.AssessedBy, a.AssessedByName, micros(a.AssessedAt), dateText(a.ReviewDue), a.ReviewerID, a.CreatedBy,
		a.Version, micros(a.CreatedAt), micros(a.UpdatedAt))
	if err != nil {
		return err
	}
	return tx.insertAssessmentChange(a, start)
}

// UpdateAssessment saves an assessment's mutable fields if a.Version is
// current, increments the version and writes the history entry ch with
// the new version. A stale version gives hub.ErrConflict.
func (tx *Tx) UpdateAssessment(a *hub.Assessment, ch *hub.AssessmentChange) error {
	r, err := tx.exec(`UPDATE assessments SET status = ?, indicators = ?, score = ?, suggested = ?, level = ?, level_reason = ?, assessed_by = ?, assessed_by_name = ?, assessed_at = ?,
		review_due = ?, reviewer_id = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		string(a.Status), joinList(a.Indicators), a.Score, string(a.Suggested), string(a.Level), a.LevelReason, a.AssessedBy, a.AssessedByName, micros(a.AssessedAt),
		dateText(a.ReviewDue), a.ReviewerID, micros(tx.now), a.ID, a.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "assessments", a.ID, "assessment"); err != nil {
		return err
	}
	a.Version++
	a.UpdatedAt = tx.now
	return tx.insertAssessmentChange(a, ch)
}

func (tx *Tx) insertAssessmentChange(a *hub.Assessment, ch *hub.AssessmentChange) error {
	ch.Version, ch.At = a.Version, tx.now
	ch.Score, ch.Suggested, ch.Level, ch.Reason, ch.ReviewDue = a.Score, a.Suggested, a.Level, a.LevelReason, a.ReviewDue
	_, err := tx.exec(`INSERT INTO assessment_history (assessment_id, version, action, actor_id, actor_name, at, score, suggested, level, reason, review_due, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.ID, ch.Version, ch.Action, ch.ActorID, ch.ActorName, micros(ch.At), ch.Score, string(ch.Suggested), string(ch.Level), ch.Reason, dateText(ch.ReviewDue), ch.Detail)
	return err
}

// AddContribution appends an agency's contribution to an assessment,
// setting its sequence number and time. Call UpdateAssessment in the same
// transaction to save the new union and score.
func (tx *Tx) AddContribution(assessmentID string, c *hub.Contribution) error {
	if err := tx.queryRow(`SELECT COALESCE(MAX(seq), 0) + 1 FROM assessment_contributions WHERE assessment_id = ?`, assessmentID).Scan(&c.Seq); err != nil {
		return tx.db.translate(err)
	}
	c.At = tx.now
	_, err := tx.exec(`INSERT INTO assessment_contributions (assessment_id, seq, agency_id, agency_name, agency_kind, author_id, author_name, indicators, evidence, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		assessmentID, c.Seq, c.AgencyID, c.AgencyName, string(c.AgencyKind), c.AuthorID, c.AuthorName, joinList(c.Indicators), c.Evidence, micros(c.At))
	return err
}

// Assessment returns an assessment with each agency's current
// contribution.
func (tx *Tx) Assessment(id string) (*hub.Assessment, error) {
	a, err := scanAssessment(tx.queryRow(`SELECT `+assessmentColumns+` FROM assessments WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "assessment")
	}
	all, err := tx.Contributions(id)
	if err != nil {
		return nil, err
	}
	a.Contributions = currentContributions(all)
	return a, nil
}

// currentContributions keeps the latest contribution of each agency, in
// the order agencies first contributed.
func currentContributions(all []hub.Contribution) []hub.Contribution {
	var out []hub.Contribution
	at := map[string]int{}
	for _, c := range all {
		if i, ok := at[c.AgencyID]; ok {
			out[i] = c
			continue
		}
		at[c.AgencyID] = len(out)
		out = append(out, c)
	}
	return out
}

// Contributions returns every contribution ever saved to an assessment,
// oldest first.
func (tx *Tx) Contributions(assessmentID string) ([]hub.Contribution, error) {
	rows, err := tx.query(`SELECT seq, agency_id, agency_name, agency_kind, author_id, author_name, indicators, evidence, at FROM assessment_contributions
		WHERE assessment_id = ? ORDER BY seq`, assessmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hub.Contribution
	for rows.Next() {
		var c hub.Contribution
		var kind, inds string
		var at int64
		if err := rows.Scan(&c.Seq, &c.AgencyID, &c.AgencyName, &kind, &c.AuthorID, &c.AuthorName, &inds, &c.Evidence, &at); err != nil {
			return nil, err
		}
		c.AgencyKind, c.Indicators, c.At = hub.AgencyKind(kind), splitList[string](inds), fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// AssessmentHistory returns an assessment's history, oldest first.
func (tx *Tx) AssessmentHistory(assessmentID string) ([]hub.AssessmentChange, error) {
	rows, err := tx.query(`SELECT version, action, actor_id, actor_name, at, score, suggested, level, reason, review_due, detail FROM assessment_history
		WHERE assessment_id = ? ORDER BY version`, assessmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hub.AssessmentChange
	for rows.Next() {
		var ch hub.AssessmentChange
		var suggested, level, review string
		var at int64
		if err := rows.Scan(&ch.Version, &ch.Action, &ch.ActorID, &ch.ActorName, &at, &ch.Score, &suggested, &level, &ch.Reason, &review, &ch.Detail); err != nil {
			return nil, err
		}
		ch.At, ch.Suggested, ch.Level, ch.ReviewDue = fromMicros(at), hub.RiskLevel(suggested), hub.RiskLevel(level), parseDateText(review)
		out = append(out, ch)
	}
	return out, rows.Err()
}

// AssessmentFilter selects assessments. Every criterion given must hold.
type AssessmentFilter struct {
	Subject *hub.Subject
	// AreaIDs limits the assessments to those areas.
	AreaIDs []string
	// Open selects assessments still gathering contributions.
	Open   bool
	Limit  int
	Offset int
}

// FindAssessments returns a page of assessments (without contributions),
// newest cycle first, and the total that match.
func (tx *Tx) FindAssessments(f AssessmentFilter) ([]*hub.Assessment, int, error) {
	q := `SELECT ` + assessmentColumns + `, COUNT(*) OVER () FROM assessments WHERE 1 = 1`
	var args []any
	if f.Subject != nil {
		q += ` AND subject_kind = ? AND subject_id = ?`
		args = append(args, string(f.Subject.Kind), f.Subject.ID)
	}
	if f.Open {
		q += ` AND status = ?`
		args = append(args, string(hub.AssessmentOpen))
	}
	switch {
	case len(f.AreaIDs) > 0:
		q += ` AND area_id IN (?` + repeatPlaceholders(len(f.AreaIDs)-1) + `)`
		for _, a := range f.AreaIDs {
			args = append(args, a)
		}
	case f.Subject == nil:
		return nil, 0, nil
	}
	q += ` ORDER BY created_at DESC, cycle DESC, id`
	q += limitOffset(f.Limit, f.Offset, 5000)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.Assessment
	total := 0
	for rows.Next() {
		a, err := scanAssessment(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// NextAssessmentCycle returns the cycle number a new assessment of subject
// takes.
func (tx *Tx) NextAssessmentCycle(s hub.Subject) (int, error) {
	var n int
	err := tx.queryRow(`SELECT COALESCE(MAX(cycle), 0) + 1 FROM assessments WHERE subject_kind = ? AND subject_id = ?`, string(s.Kind), s.ID).Scan(&n)
	return n, tx.db.translate(err)
}

// CountAssessments returns the number of assessments and of contributions.
func (tx *Tx) CountAssessments() (assessments, contributions int, err error) {
	if err = tx.queryRow(`SELECT COUNT(*) FROM assessments`).Scan(&assessments); err != nil {
		return 0, 0, tx.db.translate(err)
	}
	err = tx.queryRow(`SELECT COUNT(*) FROM assessment_contributions`).Scan(&contributions)
	return assessments, contributions, tx.db.translate(err)
}

// ReviewDue is an assessment whose review is due, as the work queues list
// it.
type ReviewDue struct {
	ID         string
	Subject    hub.Subject
	AreaID     string
	ReviewerID string
	ReviewDue  hub.Date
	Level      hub.RiskLevel
	SubjectSummary
}

// ReviewsDue returns the latest completed assessments with a review date
// in the given areas, and those whose review ownerID holds (if set)
// wherever they are, with their subjects' names, by review date: the work
// queues' query, each half of the union on its own index.
func (tx *Tx) ReviewsDue(areaIDs []string, ownerID string) ([]ReviewDue, error) {
	cols := `SELECT x.id, x.subject_kind, x.subject_id, x.area_id, x.reviewer_id, x.review_due, x.level, ` + subjectColumns + ` FROM assessments x` + subjectJoin
	var parts []string
	var args []any
	if len(areaIDs) > 0 {
		parts = append(parts, cols+` WHERE x.area_id IN (?`+repeatPlaceholders(len(areaIDs)-1)+`) AND x.latest = ? AND x.status = ? AND x.review_due <> ''`)
		for _, a := range areaIDs {
			args = append(args, a)
		}
		args = append(args, true, string(hub.AssessmentCompleted))
	}
	if ownerID != "" {
		parts = append(parts, cols+` WHERE x.reviewer_id = ? AND x.latest = ? AND x.status = ? AND x.review_due <> ''`)
		args = append(args, ownerID, true, string(hub.AssessmentCompleted))
	}
	if len(parts) == 0 {
		return nil, nil
	}
	rows, err := tx.query(strings.Join(parts, ` UNION `)+` ORDER BY 6, 1`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReviewDue
	for rows.Next() {
		var r ReviewDue
		var kind, due, level, given, family, ctxName, sens string
		dest := append([]any{&r.ID, &kind, &r.Subject.ID, &r.AreaID, &r.ReviewerID, &due, &level}, r.scanDest(&given, &family, &ctxName, &sens)...)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r.Subject.Kind, r.ReviewDue, r.Level = hub.SubjectKind(kind), parseDateText(due), hub.RiskLevel(level)
		r.finish(given, family, ctxName, sens)
		out = append(out, r)
	}
	return out, rows.Err()
}
