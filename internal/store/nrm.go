package store

import (
	"strings"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// NRM referrals and Duty to Notify notifications (issue 4).

const nrmColumns = `n.id, n.person_id, p.area_id, p.owner_agency_id, p.sensitivity, p.given_name, p.family_name, n.kind, n.child, n.consent,
	n.submitted_at, n.first_responder, n.responder_officer, n.exploitation_type, n.reference, n.rg_target_at, n.rg_decision, n.rg_decided_on,
	n.recovery_ends, n.cg_decision, n.cg_decided_on, n.outcome, n.ictg, n.notes, n.created_by, n.version, n.created_at, n.updated_at`

func scanNRM(s interface{ Scan(...any) error }, extra ...any) (*hub.NRMReferral, error) {
	n := &hub.NRMReferral{}
	var sens, given, family, kind, consent, rg, rgOn, rec, cg, cgOn string
	var sub, target, c, u int64
	dest := []any{&n.ID, &n.PersonID, &n.AreaID, &n.OwnerAgencyID, &sens, &given, &family, &kind, &n.Child, &consent,
		&sub, &n.FirstResponder, &n.ResponderOfficer, &n.ExploitationType, &n.Reference, &target, &rg, &rgOn,
		&rec, &cg, &cgOn, &n.Outcome, &n.ICTG, &n.Notes, &n.CreatedBy, &n.Version, &c, &u}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	n.Sensitivity, n.Kind, n.Consent = hub.Sensitivity(sens), hub.NRMKind(kind), hub.NRMConsent(consent)
	n.PersonName = (&hub.Person{GivenName: given, FamilyName: family}).Name()
	n.RG, n.CG = hub.RGDecision(rg), hub.CGDecision(cg)
	n.RGDecidedOn, n.RecoveryEnds, n.CGDecidedOn = parseDateText(rgOn), parseDateText(rec), parseDateText(cgOn)
	n.SubmittedAt, n.RGTargetAt, n.CreatedAt, n.UpdatedAt = fromMicros(sub), fromMicros(target), fromMicros(c), fromMicros(u)
	return n, nil
}

// CreateNRMReferrals inserts referrals, setting IDs, versions and times.
func (tx *Tx) CreateNRMReferrals(ns []*hub.NRMReferral) error {
	rows := make([][]any, 0, len(ns))
	for _, n := range ns {
		if n.ID == "" {
			n.ID = hub.NewID()
		}
		n.Version, n.CreatedAt, n.UpdatedAt = 1, tx.now, tx.now
		rows = append(rows, []any{n.ID, n.PersonID, string(n.Kind), n.Child, string(n.Consent), micros(n.SubmittedAt), n.FirstResponder, n.ResponderOfficer,
			n.ExploitationType, n.Reference, micros(n.RGTargetAt), string(n.RG), dateText(n.RGDecidedOn), dateText(n.RecoveryEnds), string(n.CG),
			dateText(n.CGDecidedOn), n.Outcome, n.ICTG, n.Notes, n.CreatedBy, n.Version, micros(n.CreatedAt), micros(n.UpdatedAt)})
	}
	return tx.insertRows(`INSERT INTO nrm_referrals (id, person_id, kind, child, consent, submitted_at, first_responder, responder_officer,
		exploitation_type, reference, rg_target_at, rg_decision, rg_decided_on, recovery_ends, cg_decision,
		cg_decided_on, outcome, ictg, notes, created_by, version, created_at, updated_at) VALUES `, rows)
}

// UpdateNRMReferral saves a referral's decisions and details if its version
// is current.
func (tx *Tx) UpdateNRMReferral(n *hub.NRMReferral) error {
	r, err := tx.exec(`UPDATE nrm_referrals SET first_responder = ?, responder_officer = ?, exploitation_type = ?, reference = ?, rg_target_at = ?,
		rg_decision = ?, rg_decided_on = ?, recovery_ends = ?, cg_decision = ?, cg_decided_on = ?, outcome = ?, ictg = ?, notes = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		n.FirstResponder, n.ResponderOfficer, n.ExploitationType, n.Reference, micros(n.RGTargetAt),
		string(n.RG), dateText(n.RGDecidedOn), dateText(n.RecoveryEnds), string(n.CG), dateText(n.CGDecidedOn), n.Outcome, n.ICTG, n.Notes,
		micros(tx.now), n.ID, n.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "nrm_referrals", n.ID, "NRM referral"); err != nil {
		return err
	}
	n.Version++
	n.UpdatedAt = tx.now
	return nil
}

// NRMReferral returns a referral.
func (tx *Tx) NRMReferral(id string) (*hub.NRMReferral, error) {
	n, err := scanNRM(tx.queryRow(`SELECT `+nrmColumns+` FROM nrm_referrals n JOIN persons p ON p.id = n.person_id WHERE n.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "NRM referral")
	}
	return n, nil
}

// PersonNRMReferrals returns a person's referrals, latest first.
func (tx *Tx) PersonNRMReferrals(personID string) ([]*hub.NRMReferral, error) {
	out, _, err := tx.nrmReferrals(`SELECT `+nrmColumns+`, 0 FROM nrm_referrals n JOIN persons p ON p.id = n.person_id WHERE n.person_id = ? ORDER BY n.submitted_at DESC, n.id`, personID)
	return out, err
}

// NRMFilter selects NRM referrals.
type NRMFilter struct {
	Scope  CasefileScope
	AreaID string
	// Status: "rg_pending", "rg_overdue" (pending past its target at Now),
	// "cg_pending" (positive RG, CG awaited), "decided" (CG made or RG
	// negative), "dtn"; "" all.
	Status string
	Now    time.Time
	Limit  int
	Offset int
}

// FindNRMReferrals returns a page of referrals, longest waiting first, and
// the total that match.
func (tx *Tx) FindNRMReferrals(f NRMFilter) ([]*hub.NRMReferral, int, error) {
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
	case "rg_pending":
		where = append(where, `n.kind = 'nrm' AND n.rg_decision = 'pending'`)
	case "rg_overdue":
		where = append(where, `n.kind = 'nrm' AND n.rg_decision = 'pending' AND n.rg_target_at < ?`)
		args = append(args, micros(f.Now))
	case "cg_pending":
		where = append(where, `n.kind = 'nrm' AND n.rg_decision = 'positive' AND n.cg_decision = 'pending'`)
	case "decided":
		where = append(where, `n.kind = 'nrm' AND (n.rg_decision = 'negative' OR n.cg_decision <> 'pending')`)
	case "dtn":
		where = append(where, `n.kind = 'dtn'`)
	}
	q := `SELECT ` + nrmColumns + `, COUNT(*) OVER () FROM nrm_referrals n JOIN persons p ON p.id = n.person_id WHERE ` +
		strings.Join(where, ` AND `) + ` ORDER BY n.submitted_at, n.id` + limitOffset(f.Limit, f.Offset, 5000)
	return tx.nrmReferrals(q, args...)
}

func (tx *Tx) nrmReferrals(q string, args ...any) ([]*hub.NRMReferral, int, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.NRMReferral
	total := 0
	for rows.Next() {
		n, err := scanNRM(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, n)
	}
	return out, total, rows.Err()
}
