package store

import (
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

// Safeguarding plan actions (issue 4, part B) and their progress notes.

const actionColumns = `a.id, a.case_id, a.area_id, a.what, a.owner_id, a.agency_id, a.due_on, a.status, a.meeting_id, a.completed_at, a.created_by, a.version, a.created_at, a.updated_at`

func scanAction(s interface{ Scan(...any) error }, extra ...any) (*hub.PlanAction, error) {
	p := &hub.PlanAction{}
	var due, status string
	var done, c, u int64
	dest := []any{&p.ID, &p.CaseID, &p.AreaID, &p.What, &p.OwnerID, &p.AgencyID, &due, &status, &p.MeetingID, &done, &p.CreatedBy, &p.Version, &c, &u}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	p.Due, p.Status = parseDateText(due), hub.ActionStatus(status)
	p.CompletedAt, p.CreatedAt, p.UpdatedAt = fromMicros(done), fromMicros(c), fromMicros(u)
	return p, nil
}

// CreatePlanActions inserts plan actions with their first progress notes,
// setting IDs, versions and times.
func (tx *Tx) CreatePlanActions(ps ...*hub.PlanAction) error {
	rows := make([][]any, 0, len(ps))
	for _, p := range ps {
		if p.ID == "" {
			p.ID = hub.NewID()
		}
		p.Version, p.CreatedAt, p.UpdatedAt = 1, tx.now, tx.now
		rows = append(rows, []any{p.ID, p.CaseID, p.AreaID, p.What, p.OwnerID, p.AgencyID, dateText(p.Due), string(p.Status), p.MeetingID, micros(p.CompletedAt),
			p.CreatedBy, p.Version, micros(p.CreatedAt), micros(p.UpdatedAt)})
	}
	if err := tx.insertRows(`INSERT INTO plan_actions (id, case_id, area_id, what, owner_id, agency_id, due_on, status, meeting_id, completed_at, created_by, version, created_at, updated_at) VALUES `, rows); err != nil {
		return err
	}
	var progress [][]any
	for _, p := range ps {
		for i, pr := range p.Progress {
			progress = append(progress, []any{p.ID, i + 1, micros(pr.At), pr.AuthorID, pr.AuthorName, string(pr.Status), pr.Note})
		}
	}
	return tx.insertRows(`INSERT INTO plan_action_progress (action_id, seq, at, author_id, author_name, status, note) VALUES `, progress)
}

// UpdatePlanAction saves p's fields if p.Version is current, appends
// progress (if not nil) as its next progress note, and increments the
// version.
func (tx *Tx) UpdatePlanAction(p *hub.PlanAction, progress *hub.ActionProgress) error {
	r, err := tx.exec(`UPDATE plan_actions SET what = ?, owner_id = ?, agency_id = ?, due_on = ?, status = ?, completed_at = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`,
		p.What, p.OwnerID, p.AgencyID, dateText(p.Due), string(p.Status), micros(p.CompletedAt), micros(tx.now), p.ID, p.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "plan_actions", p.ID, "action"); err != nil {
		return err
	}
	if progress != nil {
		var seq int
		if err := tx.queryRow(`SELECT COALESCE(MAX(seq), 0) FROM plan_action_progress WHERE action_id = ?`, p.ID).Scan(&seq); err != nil {
			return tx.db.translate(err)
		}
		_, err := tx.exec(`INSERT INTO plan_action_progress (action_id, seq, at, author_id, author_name, status, note) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			p.ID, seq+1, micros(progress.At), progress.AuthorID, progress.AuthorName, string(progress.Status), progress.Note)
		if err != nil {
			return err
		}
		p.Progress = append(p.Progress, *progress)
	}
	p.Version++
	p.UpdatedAt = tx.now
	return nil
}

// PlanAction returns the action with the given id, with its progress.
func (tx *Tx) PlanAction(id string) (*hub.PlanAction, error) {
	p, err := scanAction(tx.queryRow(`SELECT `+actionColumns+` FROM plan_actions a WHERE a.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "action")
	}
	if err := tx.loadProgress([]*hub.PlanAction{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// CasePlanActions returns a case's actions, by due date, with their
// progress.
func (tx *Tx) CasePlanActions(caseID string) ([]*hub.PlanAction, error) {
	out, err := tx.findActions(`a.case_id = ?`+` ORDER BY a.due_on, a.created_at, a.id`, caseID)
	if err != nil {
		return nil, err
	}
	return out, tx.loadProgress(out)
}

// SubjectPlanActions returns the actions of every case whose subject is the
// given one, oldest first, without their progress.
func (tx *Tx) SubjectPlanActions(s hub.Subject) ([]*hub.PlanAction, error) {
	return tx.findActions(`a.case_id IN (SELECT id FROM cases WHERE subject_kind = ? AND subject_id = ?) ORDER BY a.created_at, a.id`, string(s.Kind), s.ID)
}

// OpenActionFilter selects open plan actions for work queues: those owned
// by OwnerID, or in one of AreaIDs, or on a case TeamUserID is on.
type OpenActionFilter struct {
	OwnerID    string
	AreaIDs    []string
	TeamUserID string
	// DueBy, if set, keeps actions due on or before this date.
	DueBy hub.Date
	Limit int
}

// ActionWork is an open plan action with what a work queue needs of its
// case: the subject and the lead.
type ActionWork struct {
	Action  *hub.PlanAction
	Subject hub.Subject
	LeadID  string
}

// OpenPlanActions returns open actions of active cases matching f, by due
// date, without their progress.
func (tx *Tx) OpenPlanActions(f OpenActionFilter) ([]*ActionWork, error) {
	var scope []string
	var args []any
	if f.OwnerID != "" {
		scope = append(scope, `a.owner_id = ?`)
		args = append(args, f.OwnerID)
	}
	if len(f.AreaIDs) > 0 {
		scope = append(scope, `a.area_id IN (?`+repeatPlaceholders(len(f.AreaIDs)-1)+`)`)
		for _, id := range f.AreaIDs {
			args = append(args, id)
		}
	}
	if f.TeamUserID != "" {
		scope = append(scope, `c.lead_id = ?`, `a.case_id IN (SELECT case_id FROM case_members WHERE user_id = ?)`)
		args = append(args, f.TeamUserID, f.TeamUserID)
	}
	if len(scope) == 0 {
		return nil, nil
	}
	q := `SELECT ` + actionColumns + `, c.subject_kind, c.subject_id, c.lead_id FROM plan_actions a JOIN cases c ON c.id = a.case_id
		WHERE a.status IN ('not_started', 'in_progress') AND c.status <> 'closed' AND (` + strings.Join(scope, ` OR `) + `)`
	if !f.DueBy.IsZero() {
		q += ` AND a.due_on <= ?`
		args = append(args, dateText(f.DueBy))
	}
	q += ` ORDER BY a.due_on, a.id` + limitOffset(f.Limit, 0, 5000)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ActionWork
	for rows.Next() {
		w := &ActionWork{}
		var kind string
		if w.Action, err = scanAction(rows, &kind, &w.Subject.ID, &w.LeadID); err != nil {
			return nil, err
		}
		w.Subject.Kind = hub.SubjectKind(kind)
		out = append(out, w)
	}
	return out, rows.Err()
}

func (tx *Tx) findActions(where string, args ...any) ([]*hub.PlanAction, error) {
	rows, err := tx.query(`SELECT `+actionColumns+` FROM plan_actions a WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.PlanAction
	for rows.Next() {
		p, err := scanAction(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (tx *Tx) loadProgress(ps []*hub.PlanAction) error {
	if len(ps) == 0 {
		return nil
	}
	byID := make(map[string]*hub.PlanAction, len(ps))
	args := make([]any, len(ps))
	for i, p := range ps {
		byID[p.ID] = p
		args[i] = p.ID
	}
	rows, err := tx.query(`SELECT action_id, at, author_id, author_name, status, note FROM plan_action_progress WHERE action_id IN (?`+repeatPlaceholders(len(ps)-1)+`) ORDER BY action_id, seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, status string
		var at int64
		var pr hub.ActionProgress
		if err := rows.Scan(&id, &at, &pr.AuthorID, &pr.AuthorName, &status, &pr.Note); err != nil {
			return err
		}
		pr.At, pr.Status = fromMicros(at), hub.ActionStatus(status)
		byID[id].Progress = append(byID[id].Progress, pr)
	}
	return rows.Err()
}

// CountPlanActions returns the number of plan actions.
func (tx *Tx) CountPlanActions() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM plan_actions`).Scan(&n)
	return n, tx.db.translate(err)
}
