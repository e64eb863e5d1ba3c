package store

import (
	"github.com/safehub/safehub/internal/hub"
)

// Referrals to support and recovery services (issue 4, part B).

const serviceColumns = `s.id, s.case_id, s.area_id, s.pathway, s.provider, s.referred_on, s.reason, s.outcome, s.outcome_on, s.outcome_note, s.created_by, s.version, s.created_at, s.updated_at`

func scanService(sc interface{ Scan(...any) error }) (*hub.ServiceReferral, error) {
	s := &hub.ServiceReferral{}
	var referred, outcome, outcomeOn string
	var c, u int64
	if err := sc.Scan(&s.ID, &s.CaseID, &s.AreaID, &s.Pathway, &s.Provider, &referred, &s.Reason, &outcome, &outcomeOn, &s.OutcomeNote, &s.CreatedBy, &s.Version, &c, &u); err != nil {
		return nil, err
	}
	s.Referred, s.Outcome, s.OutcomeOn = parseDateText(referred), hub.ServiceOutcome(outcome), parseDateText(outcomeOn)
	s.CreatedAt, s.UpdatedAt = fromMicros(c), fromMicros(u)
	return s, nil
}

// CreateServiceReferrals inserts service referrals, setting IDs, versions
// and times.
func (tx *Tx) CreateServiceReferrals(ss ...*hub.ServiceReferral) error {
	rows := make([][]any, 0, len(ss))
	for _, s := range ss {
		if s.ID == "" {
			s.ID = hub.NewID()
		}
		s.Version, s.CreatedAt, s.UpdatedAt = 1, tx.now, tx.now
		rows = append(rows, []any{s.ID, s.CaseID, s.AreaID, s.Pathway, s.Provider, dateText(s.Referred), s.Reason, string(s.Outcome), dateText(s.OutcomeOn), s.OutcomeNote,
			s.CreatedBy, s.Version, micros(s.CreatedAt), micros(s.UpdatedAt)})
	}
	return tx.insertRows(`INSERT INTO service_referrals (id, case_id, area_id, pathway, provider, referred_on, reason, outcome, outcome_on, outcome_note, created_by, version, created_at, updated_at) VALUES `, rows)
}

// UpdateServiceReferral saves s's outcome and details if s.Version is
// current, and increments the version.
func (tx *Tx) UpdateServiceReferral(s *hub.ServiceReferral) error {
	r, err := tx.exec(`UPDATE service_referrals SET provider = ?, reason = ?, outcome = ?, outcome_on = ?, outcome_note = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`,
		s.Provider, s.Reason, string(s.Outcome), dateText(s.OutcomeOn), s.OutcomeNote, micros(tx.now), s.ID, s.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "service_referrals", s.ID, "service referral"); err != nil {
		return err
	}
	s.Version++
	s.UpdatedAt = tx.now
	return nil
}

// ServiceReferral returns the service referral with the given id.
func (tx *Tx) ServiceReferral(id string) (*hub.ServiceReferral, error) {
	s, err := scanService(tx.queryRow(`SELECT `+serviceColumns+` FROM service_referrals s WHERE s.id = ?`, id))
	return s, notFound(tx.db.translate(err), "service referral")
}

// CaseServiceReferrals returns a case's service referrals, oldest first.
func (tx *Tx) CaseServiceReferrals(caseID string) ([]*hub.ServiceReferral, error) {
	return tx.findServices(`s.case_id = ?`, caseID)
}

// SubjectServiceReferrals returns the service referrals of every case whose
// subject is the given one, oldest first.
func (tx *Tx) SubjectServiceReferrals(sub hub.Subject) ([]*hub.ServiceReferral, error) {
	return tx.findServices(`s.case_id IN (SELECT id FROM cases WHERE subject_kind = ? AND subject_id = ?)`, string(sub.Kind), sub.ID)
}

func (tx *Tx) findServices(where string, args ...any) ([]*hub.ServiceReferral, error) {
	rows, err := tx.query(`SELECT `+serviceColumns+` FROM service_referrals s WHERE `+where+` ORDER BY s.referred_on, s.created_at, s.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.ServiceReferral
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
