package store

import (
	"strings"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// Return home interviews (issue 4).

const rhiColumns = `r.id, r.episode_id, r.person_id, p.area_id, p.sensitivity, p.given_name, p.family_name, r.due_at, r.status, r.allocated_to,
	r.offered_at, r.completed_at, r.interviewer, r.interviewer_kind, r.independent, r.not_independent_reason, r.declined_reason,
	r.push_factors, r.pull_factors, r.disclosures, r.people_named, r.places_named, r.shared_with, r.created_by, r.version, r.created_at, r.updated_at`

func scanRHI(s interface{ Scan(...any) error }, extra ...any) (*hub.ReturnInterview, error) {
	r := &hub.ReturnInterview{}
	var sens, given, family, status string
	var due, off, done, c, u int64
	dest := []any{&r.ID, &r.EpisodeID, &r.PersonID, &r.AreaID, &sens, &given, &family, &due, &status, &r.AllocatedTo,
		&off, &done, &r.Interviewer, &r.InterviewerKind, &r.Independent, &r.NotIndependentReason, &r.DeclinedReason,
		&r.PushFactors, &r.PullFactors, &r.Disclosures, &r.PeopleNamed, &r.PlacesNamed, &r.SharedWith, &r.CreatedBy, &r.Version, &c, &u}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	r.Sensitivity, r.Status = hub.Sensitivity(sens), hub.RHIStatus(status)
	r.PersonName = (&hub.Person{GivenName: given, FamilyName: family}).Name()
	r.DueAt, r.OfferedAt, r.CompletedAt, r.CreatedAt, r.UpdatedAt = fromMicros(due), fromMicros(off), fromMicros(done), fromMicros(c), fromMicros(u)
	return r, nil
}

// CreateReturnInterviews inserts interviews, setting IDs, versions and
// times. An episode has at most one: a second is a conflict.
func (tx *Tx) CreateReturnInterviews(rs []*hub.ReturnInterview) error {
	rows := make([][]any, 0, len(rs))
	for _, r := range rs {
		if r.ID == "" {
			r.ID = hub.NewID()
		}
		r.Version, r.CreatedAt, r.UpdatedAt = 1, tx.now, tx.now
		rows = append(rows, []any{r.ID, r.EpisodeID, r.PersonID, micros(r.DueAt), string(r.Status), r.AllocatedTo, micros(r.OfferedAt), micros(r.CompletedAt),
			r.Interviewer, r.InterviewerKind, r.Independent, r.NotIndependentReason, r.DeclinedReason, r.PushFactors, r.PullFactors, r.Disclosures,
			r.PeopleNamed, r.PlacesNamed, r.SharedWith, r.CreatedBy, r.Version, micros(r.CreatedAt), micros(r.UpdatedAt)})
	}
	return tx.insertRows(`INSERT INTO return_interviews (id, episode_id, person_id, due_at, status, allocated_to, offered_at, completed_at,
		interviewer, interviewer_kind, independent, not_independent_reason, declined_reason, push_factors, pull_factors, disclosures,
		people_named, places_named, shared_with, created_by, version, created_at, updated_at) VALUES `, rows)
}

// UpdateReturnInterview saves an interview if its version is current.
func (tx *Tx) UpdateReturnInterview(r *hub.ReturnInterview) error {
	res, err := tx.exec(`UPDATE return_interviews SET due_at = ?, status = ?, allocated_to = ?, offered_at = ?, completed_at = ?, interviewer = ?,
		interviewer_kind = ?, independent = ?, not_independent_reason = ?, declined_reason = ?, push_factors = ?, pull_factors = ?, disclosures = ?,
		people_named = ?, places_named = ?, shared_with = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		micros(r.DueAt), string(r.Status), r.AllocatedTo, micros(r.OfferedAt), micros(r.CompletedAt), r.Interviewer,
		r.InterviewerKind, r.Independent, r.NotIndependentReason, r.DeclinedReason, r.PushFactors, r.PullFactors, r.Disclosures,
		r.PeopleNamed, r.PlacesNamed, r.SharedWith, micros(tx.now), r.ID, r.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(res, "return_interviews", r.ID, "return home interview"); err != nil {
		return err
	}
	r.Version++
	r.UpdatedAt = tx.now
	return nil
}

// EpisodeInterview returns the interview of an episode.
func (tx *Tx) EpisodeInterview(episodeID string) (*hub.ReturnInterview, error) {
	r, err := scanRHI(tx.queryRow(`SELECT `+rhiColumns+` FROM return_interviews r JOIN persons p ON p.id = r.person_id WHERE r.episode_id = ?`, episodeID))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "return home interview")
	}
	return r, nil
}

// ReturnInterview returns an interview by its id.
func (tx *Tx) ReturnInterview(id string) (*hub.ReturnInterview, error) {
	r, err := scanRHI(tx.queryRow(`SELECT `+rhiColumns+` FROM return_interviews r JOIN persons p ON p.id = r.person_id WHERE r.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "return home interview")
	}
	return r, nil
}

// PersonInterviews returns a child's interviews, by due time, latest first.
func (tx *Tx) PersonInterviews(personID string) ([]*hub.ReturnInterview, error) {
	out, _, err := tx.interviews(`SELECT `+rhiColumns+`, 0 FROM return_interviews r JOIN persons p ON p.id = r.person_id WHERE r.person_id = ? ORDER BY r.due_at DESC, r.id`, personID)
	return out, err
}

// RHIFilter selects return home interviews.
type RHIFilter struct {
	Scope  CasefileScope
	AreaID string
	// Status: "open" (due or offered), "overdue" (open and past due at
	// Now), or one hub.RHIStatus; "" all.
	Status string
	Now    time.Time
	// AllocatedTo narrows to one user's interviews.
	AllocatedTo string
	Limit       int
	Offset      int
}

// FindReturnInterviews returns a page of interviews, soonest due first,
// and the total that match.
func (tx *Tx) FindReturnInterviews(f RHIFilter) ([]*hub.ReturnInterview, int, error) {
	scope, args := f.Scope.sql()
	if scope == "" {
		return nil, 0, nil
	}
	where := []string{scope}
	if f.AreaID != "" {
		where = append(where, `p.area_id = ?`)
		args = append(args, f.AreaID)
	}
	switch f.Status {
	case "":
	case "open":
		where = append(where, `r.status IN (?, ?)`)
		args = append(args, string(hub.RHIDue), string(hub.RHIOffered))
	case "overdue":
		where = append(where, `r.status IN (?, ?) AND r.due_at < ?`)
		args = append(args, string(hub.RHIDue), string(hub.RHIOffered), micros(f.Now))
	default:
		where = append(where, `r.status = ?`)
		args = append(args, f.Status)
	}
	if f.AllocatedTo != "" {
		where = append(where, `r.allocated_to = ?`)
		args = append(args, f.AllocatedTo)
	}
	order := ` ORDER BY r.due_at, r.id`
	if f.Status != "open" && f.Status != "overdue" && f.Status != string(hub.RHIDue) && f.Status != string(hub.RHIOffered) {
		order = ` ORDER BY r.due_at DESC, r.id`
	}
	q := `SELECT ` + rhiColumns + `, COUNT(*) OVER () FROM return_interviews r JOIN persons p ON p.id = r.person_id WHERE ` +
		strings.Join(where, ` AND `) + order + limitOffset(f.Limit, f.Offset, 5000)
	return tx.interviews(q, args...)
}

func (tx *Tx) interviews(q string, args ...any) ([]*hub.ReturnInterview, int, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.ReturnInterview
	total := 0
	for rows.Next() {
		r, err := scanRHI(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}
