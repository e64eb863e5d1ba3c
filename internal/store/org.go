package store

import (
	"github.com/safehub/safehub/internal/hub"
)

// CreateAgency inserts a new agency. It sets ID (if empty), version and times.
func (tx *Tx) CreateAgency(a *hub.Agency) error {
	if a.ID == "" {
		a.ID = hub.NewID()
	}
	a.Version, a.CreatedAt, a.UpdatedAt = 1, tx.now, tx.now
	_, err := tx.exec(`INSERT INTO agencies (id, name, kind, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.Name, string(a.Kind), a.Version, micros(a.CreatedAt), micros(a.UpdatedAt))
	return err
}

// UpdateAgency saves a's name and kind if a.Version is still current, and
// increments the version. A stale version gives hub.ErrConflict.
func (tx *Tx) UpdateAgency(a *hub.Agency) error {
	r, err := tx.exec(`UPDATE agencies SET name = ?, kind = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		a.Name, string(a.Kind), micros(tx.now), a.ID, a.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "agencies", a.ID, "agency"); err != nil {
		return err
	}
	a.Version++
	a.UpdatedAt = tx.now
	return nil
}

// Agency returns the agency with the given id.
func (tx *Tx) Agency(id string) (*hub.Agency, error) {
	a := &hub.Agency{}
	var kind string
	var c, u int64
	err := tx.queryRow(`SELECT id, name, kind, version, created_at, updated_at FROM agencies WHERE id = ?`, id).
		Scan(&a.ID, &a.Name, &kind, &a.Version, &c, &u)
	if err != nil {
		return nil, notFound(tx.db.translate(err), "agency")
	}
	a.Kind, a.CreatedAt, a.UpdatedAt = hub.AgencyKind(kind), fromMicros(c), fromMicros(u)
	return a, nil
}

// Agencies returns every agency, by name.
func (tx *Tx) Agencies() ([]*hub.Agency, error) {
	rows, err := tx.query(`SELECT id, name, kind, version, created_at, updated_at FROM agencies ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.Agency
	for rows.Next() {
		a := &hub.Agency{}
		var kind string
		var c, u int64
		if err := rows.Scan(&a.ID, &a.Name, &kind, &a.Version, &c, &u); err != nil {
			return nil, err
		}
		a.Kind, a.CreatedAt, a.UpdatedAt = hub.AgencyKind(kind), fromMicros(c), fromMicros(u)
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateArea inserts a new area.
func (tx *Tx) CreateArea(a *hub.Area) error {
	if a.ID == "" {
		a.ID = hub.NewID()
	}
	a.Version, a.CreatedAt, a.UpdatedAt = 1, tx.now, tx.now
	_, err := tx.exec(`INSERT INTO areas (id, code, name, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.ID, a.Code, a.Name, a.Version, micros(a.CreatedAt), micros(a.UpdatedAt))
	return err
}

// UpdateArea saves a's code and name if a.Version is current.
func (tx *Tx) UpdateArea(a *hub.Area) error {
	r, err := tx.exec(`UPDATE areas SET code = ?, name = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		a.Code, a.Name, micros(tx.now), a.ID, a.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "areas", a.ID, "area"); err != nil {
		return err
	}
	a.Version++
	a.UpdatedAt = tx.now
	return nil
}

// Areas returns every area, by name.
func (tx *Tx) Areas() ([]*hub.Area, error) {
	rows, err := tx.query(`SELECT id, code, name, version, created_at, updated_at FROM areas ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.Area
	for rows.Next() {
		a := &hub.Area{}
		var c, u int64
		if err := rows.Scan(&a.ID, &a.Code, &a.Name, &a.Version, &c, &u); err != nil {
			return nil, err
		}
		a.CreatedAt, a.UpdatedAt = fromMicros(c), fromMicros(u)
		out = append(out, a)
	}
	return out, rows.Err()
}

// Area returns the area with the given id.
func (tx *Tx) Area(id string) (*hub.Area, error) {
	a := &hub.Area{}
	var c, u int64
	err := tx.queryRow(`SELECT id, code, name, version, created_at, updated_at FROM areas WHERE id = ?`, id).
		Scan(&a.ID, &a.Code, &a.Name, &a.Version, &c, &u)
	if err != nil {
		return nil, notFound(tx.db.translate(err), "area")
	}
	a.CreatedAt, a.UpdatedAt = fromMicros(c), fromMicros(u)
	return a, nil
}

// checkVersioned interprets the result of an UPDATE … WHERE id = ? AND
// version = ?: one row means saved; none means either no such record
// (not found) or a newer version (conflict), which it tells apart.
func (tx *Tx) checkVersioned(r interface{ RowsAffected() (int64, error) }, table, id, kind string) error {
	n, err := r.RowsAffected()
	if err != nil {
		return err
	}
	if n == 1 {
		return nil
	}
	var one int
	// table is one of a fixed set of names passed by this package, never input.
	err = tx.queryRow(`SELECT 1 FROM `+table+` WHERE id = ?`, id).Scan(&one)
	if err != nil {
		return notFound(tx.db.translate(err), kind)
	}
	return hub.Conflict(kind)
}

// notFound replaces a bare hub.ErrNotFound with one naming the kind.
func notFound(err error, kind string) error {
	if err == hub.ErrNotFound {
		return hub.NotFound(kind)
	}
	return err
}
