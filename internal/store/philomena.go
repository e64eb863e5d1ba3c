package store

import (
	"github.com/safehub/safehub/internal/hub"
)

// Philomena profiles (issue 4): one row per version, never changed.

const philomenaColumns = `f.person_id, p.area_id, p.sensitivity, f.version, f.placement, f.description, f.photo_reference, f.associates, f.places,
	f.phones_social, f.vulnerabilities, f.finance, f.transport, f.prior_missing, f.review_due, f.reviewed_at, f.reviewed_by, f.reviewer_name`

func scanPhilomena(s interface{ Scan(...any) error }) (*hub.PhilomenaProfile, error) {
	f := &hub.PhilomenaProfile{}
	var sens, due string
	var at int64
	if err := s.Scan(&f.PersonID, &f.AreaID, &sens, &f.Version, &f.Placement, &f.Description, &f.PhotoReference, &f.Associates, &f.Places,
		&f.PhonesSocial, &f.Vulnerabilities, &f.Finance, &f.Transport, &f.PriorMissing, &due, &at, &f.ReviewedBy, &f.ReviewerName); err != nil {
		return nil, err
	}
	f.Sensitivity, f.ReviewDue, f.ReviewedAt = hub.Sensitivity(sens), parseDateText(due), fromMicros(at)
	return f, nil
}

// AddPhilomenaVersion stores f as the next version of the child's profile
// if f.Version is the version it was based on (0 for the first), setting
// f.Version and f.ReviewedAt. A stale base gives hub.ErrConflict.
func (tx *Tx) AddPhilomenaVersion(f *hub.PhilomenaProfile) error {
	var cur int
	if err := tx.queryRow(`SELECT COALESCE(MAX(version), 0) FROM philomena_profiles WHERE person_id = ?`, f.PersonID).Scan(&cur); err != nil {
		return tx.db.translate(err)
	}
	if cur != f.Version {
		return hub.Conflict("Philomena profile")
	}
	f.Version, f.ReviewedAt = cur+1, tx.now
	// The primary key refuses a concurrent save of the same version.
	_, err := tx.exec(`INSERT INTO philomena_profiles (person_id, version, placement, description, photo_reference, associates, places,
		phones_social, vulnerabilities, finance, transport, prior_missing, review_due, reviewed_at, reviewed_by, reviewer_name)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		f.PersonID, f.Version, f.Placement, f.Description, f.PhotoReference, f.Associates, f.Places,
		f.PhonesSocial, f.Vulnerabilities, f.Finance, f.Transport, f.PriorMissing, dateText(f.ReviewDue), micros(f.ReviewedAt), f.ReviewedBy, f.ReviewerName)
	if hub.ErrorCode(err) == hub.EConflict {
		return hub.Conflict("Philomena profile")
	}
	return err
}

// PhilomenaVersion returns one version of a child's profile; version 0
// means the latest. A child with no profile gives hub.ErrNotFound.
func (tx *Tx) PhilomenaVersion(personID string, version int) (*hub.PhilomenaProfile, error) {
	q := `SELECT ` + philomenaColumns + ` FROM philomena_profiles f JOIN persons p ON p.id = f.person_id WHERE f.person_id = ?`
	args := []any{personID}
	if version > 0 {
		q += ` AND f.version = ?`
		args = append(args, version)
	} else {
		q += ` ORDER BY f.version DESC LIMIT 1`
	}
	f, err := scanPhilomena(tx.queryRow(q, args...))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "Philomena profile")
	}
	return f, nil
}

// PhilomenaVersions returns every version of a child's profile, latest
// first.
func (tx *Tx) PhilomenaVersions(personID string) ([]*hub.PhilomenaProfile, error) {
	rows, err := tx.query(`SELECT `+philomenaColumns+` FROM philomena_profiles f JOIN persons p ON p.id = f.person_id WHERE f.person_id = ? ORDER BY f.version DESC`, personID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.PhilomenaProfile
	for rows.Next() {
		f, err := scanPhilomena(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}
