package store

import (
	"slices"

	"github.com/safehub/safehub/internal/hub"
)

// Referrals to support and recovery services (issue 4, part B).

const serviceColumns = `s.id, s.case_id, s.area_id, s.pathway, s.provider, s.referred_on, s.reason, s.outcome, s.outcome_on, s.outcome_note, s.flag_id, s.created_by, s.version, s.created_at, s.updated_at`

// scanService scans serviceColumns and then into extra.
func scanService(sc interface{ Scan(...any) error }, extra ...any) (*hub.ServiceReferral, error) {
	s := &hub.ServiceReferral{}
	var referred, outcome, outcomeOn string
	var c, u int64
	dest := append([]any{&s.ID, &s.CaseID, &s.AreaID, &s.Pathway, &s.Provider, &referred, &s.Reason, &outcome, &outcomeOn, &s.OutcomeNote, &s.FlagID, &s.CreatedBy, &s.Version, &c, &u}, extra...)
	if err := sc.Scan(dest...); err != nil {
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
		rows = append(rows, []any{s.ID, s.CaseID, s.AreaID, s.Pathway, s.Provider, dateText(s.Referred), s.Reason, string(s.Outcome), dateText(s.OutcomeOn), s.OutcomeNote, s.FlagID,
			s.CreatedBy, s.Version, micros(s.CreatedAt), micros(s.UpdatedAt)})
	}
	return tx.insertRows(`INSERT INTO service_referrals (id, case_id, area_id, pathway, provider, referred_on, reason, outcome, outcome_on, outcome_note, flag_id, created_by, version, created_at, updated_at) VALUES `, rows)
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

// FlagServiceReferrals returns the service referrals made from a flag,
// newest first.
func (tx *Tx) FlagServiceReferrals(flagID string) ([]*hub.ServiceReferral, error) {
	// flag_id <> '' lets the planner use the partial index.
	out, err := tx.findServices(`s.flag_id <> '' AND s.flag_id = ?`, flagID)
	slices.Reverse(out)
	return out, err
}

// FlagServiceListing is a service referral made from a flag, with the
// flag's category and the child's name, date of birth and sensitivity.
type FlagServiceListing struct {
	Referral *hub.ServiceReferral
	// PersonID and AreaID are the flag's.
	PersonID string
	AreaID   string
	Category hub.FlagCategory
	Child    FlagChild
}

// PendingFlagServiceReferrals returns the service referrals made from
// flags in scope (the flag's area) on cases still open that await an
// outcome, newest first.
func (tx *Tx) PendingFlagServiceReferrals(scope FlagScope, limit int) ([]*FlagServiceListing, error) {
	cond, args := scope.where("f")
	args = append([]any{string(hub.ServicePending)}, args...)
	rows, err := tx.query(`SELECT `+serviceColumns+`, f.person_id, f.area_id, f.category, p.given_name, p.family_name, p.date_of_birth, p.sensitivity
		FROM service_referrals s JOIN flags f ON f.id = s.flag_id JOIN persons p ON p.id = f.person_id JOIN cases c ON c.id = s.case_id
		WHERE s.flag_id <> '' AND s.outcome = ? AND c.status <> 'closed' AND `+cond+` ORDER BY s.referred_on DESC, s.created_at DESC, s.id`+limitOffset(limit, 0, 500), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*FlagServiceListing
	for rows.Next() {
		l := &FlagServiceListing{}
		var cat, dob, sens string
		r, err := scanService(rows, &l.PersonID, &l.AreaID, &cat, &l.Child.GivenName, &l.Child.FamilyName, &dob, &sens)
		if err != nil {
			return nil, err
		}
		l.Referral = r
		l.Category = hub.FlagCategory(cat)
		l.Child.DateOfBirth, l.Child.Sensitivity = parseDateText(dob), hub.Sensitivity(sens)
		out = append(out, l)
	}
	return out, rows.Err()
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
