package store

import (
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

const contextColumns = `id, area_id, owner_agency_id, kind, name, description, postcode, latitude, longitude, external_ref, created_by, version, created_at, updated_at`

func scanContext(s interface{ Scan(...any) error }, extra ...any) (*hub.Context, error) {
	c := &hub.Context{}
	var kind, ext string
	var cr, up int64
	dest := []any{&c.ID, &c.AreaID, &c.OwnerAgencyID, &kind, &c.Name, &c.Description, &c.Postcode, &c.Latitude, &c.Longitude, &ext, &c.CreatedBy, &c.Version, &cr, &up}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	c.Kind = hub.ContextKind(kind)
	c.CreatedAt, c.UpdatedAt = fromMicros(cr), fromMicros(up)
	return c, nil
}

// CreateContext inserts a context with its members, setting its ID (if
// empty), version and times. externalRef, if set, is the context's id in
// the system it came from and must be unique.
func (tx *Tx) CreateContext(c *hub.Context, externalRef string) error {
	if c.ID == "" {
		c.ID = hub.NewID()
	}
	c.Version, c.CreatedAt, c.UpdatedAt = 1, tx.now, tx.now
	_, err := tx.exec(`INSERT INTO contexts (`+contextColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.AreaID, c.OwnerAgencyID, string(c.Kind), c.Name, c.Description, c.Postcode, c.Latitude, c.Longitude, externalRef, c.CreatedBy, c.Version, micros(c.CreatedAt), micros(c.UpdatedAt))
	if err != nil {
		return err
	}
	return tx.insertContextMembers(c)
}

// UpdateContext replaces a context's fields and members if c.Version is
// current, and increments the version. A stale version gives
// hub.ErrConflict.
func (tx *Tx) UpdateContext(c *hub.Context) error {
	r, err := tx.exec(`UPDATE contexts SET area_id = ?, kind = ?, name = ?, description = ?, postcode = ?, latitude = ?, longitude = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ?`,
		c.AreaID, string(c.Kind), c.Name, c.Description, c.Postcode, c.Latitude, c.Longitude, micros(tx.now), c.ID, c.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "contexts", c.ID, "context"); err != nil {
		return err
	}
	if _, err := tx.exec(`DELETE FROM context_members WHERE context_id = ?`, c.ID); err != nil {
		return err
	}
	if err := tx.insertContextMembers(c); err != nil {
		return err
	}
	c.Version++
	c.UpdatedAt = tx.now
	return nil
}

func (tx *Tx) insertContextMembers(c *hub.Context) error {
	rows := make([][]any, len(c.Members))
	for i, m := range c.Members {
		rows[i] = []any{c.ID, i, m.PersonID, m.Role, dateText(m.From), dateText(m.To)}
	}
	return tx.insertRows(`INSERT INTO context_members (context_id, seq, person_id, role, from_date, to_date) VALUES `, rows)
}

// ContextRecord returns a context (a place or group) with its members.
func (tx *Tx) ContextRecord(id string) (*hub.Context, error) {
	c, err := scanContext(tx.queryRow(`SELECT `+contextColumns+` FROM contexts WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "context")
	}
	if err := tx.loadContextMembers([]*hub.Context{c}); err != nil {
		return nil, err
	}
	return c, nil
}

// ContextByExternalRef returns the context imported with the given
// reference (a synthetic hotspot or group id).
func (tx *Tx) ContextByExternalRef(ref string) (*hub.Context, error) {
	var id string
	if err := tx.queryRow(`SELECT id FROM contexts WHERE external_ref = ? AND external_ref <> ''`, ref).Scan(&id); err != nil {
		return nil, notFound(tx.db.translate(err), "context")
	}
	return tx.ContextRecord(id)
}

// ContextFilter selects contexts.
type ContextFilter struct {
	// AreaIDs limits the contexts to those areas (required: a scope).
	AreaIDs []string
	Kind    hub.ContextKind
	// Name matches contexts whose name contains it, ignoring case.
	Name string
	// PersonID selects the contexts the person is a member of.
	PersonID string
	Limit    int
	Offset   int
}

// FindContexts returns a page of contexts, by name, with their members, and
// the total that match.
func (tx *Tx) FindContexts(f ContextFilter) ([]*hub.Context, int, error) {
	if len(f.AreaIDs) == 0 {
		return nil, 0, nil
	}
	q := `SELECT ` + contextColumns + `, COUNT(*) OVER () FROM contexts WHERE area_id IN (?` + repeatPlaceholders(len(f.AreaIDs)-1) + `)`
	var args []any
	for _, a := range f.AreaIDs {
		args = append(args, a)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, string(f.Kind))
	}
	if s := strings.TrimSpace(f.Name); s != "" {
		q += ` AND LOWER(name) LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscape(strings.ToLower(s))+"%")
	}
	if f.PersonID != "" {
		q += ` AND id IN (SELECT context_id FROM context_members WHERE person_id = ?)`
		args = append(args, f.PersonID)
	}
	q += ` ORDER BY name, id` + limitOffset(f.Limit, f.Offset, 200)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.Context
	total := 0
	for rows.Next() {
		c, err := scanContext(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	return out, total, tx.loadContextMembers(out)
}

// likeEscape escapes LIKE's wildcards (with '\' as the ESCAPE character).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (tx *Tx) loadContextMembers(cs []*hub.Context) error {
	if len(cs) == 0 {
		return nil
	}
	byID := make(map[string]*hub.Context, len(cs))
	args := make([]any, len(cs))
	for i, c := range cs {
		byID[c.ID] = c
		c.Members = nil
		args[i] = c.ID
	}
	rows, err := tx.query(`SELECT context_id, person_id, role, from_date, to_date FROM context_members WHERE context_id IN (?`+repeatPlaceholders(len(cs)-1)+`) ORDER BY context_id, seq`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var cid, from, to string
		var m hub.ContextMember
		if err := rows.Scan(&cid, &m.PersonID, &m.Role, &from, &to); err != nil {
			return err
		}
		m.From, m.To = parseDateText(from), parseDateText(to)
		byID[cid].Members = append(byID[cid].Members, m)
	}
	return rows.Err()
}

// CountContexts returns the number of contexts.
func (tx *Tx) CountContexts() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM contexts`).Scan(&n)
	return n, tx.db.translate(err)
}
