package store

import (
	"database/sql"
	"errors"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

const userColumns = `id, username, display_name, email, agency_id, area_ids, roles, disabled, password_hash, mfa_secret, mfa_enrolled, mfa_last_step, oidc_issuer, oidc_subject, password_changed_at, version, created_at, updated_at`

func scanUser(s interface{ Scan(...any) error }) (*hub.User, error) {
	u := &hub.User{}
	var areas, roles string
	var pc, c, up int64
	err := s.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Email, &u.AgencyID, &areas, &roles, &u.Disabled, &u.PasswordHash,
		&u.MFASecret, &u.MFAEnrolled, &u.MFALastStep, &u.OIDCIssuer, &u.OIDCSubject, &pc, &u.Version, &c, &up)
	if err != nil {
		return nil, err
	}
	u.AreaIDs = splitList[string](areas)
	u.Roles = splitList[hub.Role](roles)
	u.PasswordChangedAt, u.CreatedAt, u.UpdatedAt = fromMicros(pc), fromMicros(c), fromMicros(up)
	return u, nil
}

// CreateUser inserts a new user. A duplicate username or identity-provider
// subject gives hub.ErrConflict.
func (tx *Tx) CreateUser(u *hub.User) error {
	if u.ID == "" {
		u.ID = hub.NewID()
	}
	u.Version, u.CreatedAt, u.UpdatedAt = 1, tx.now, tx.now
	if u.PasswordHash != "" && u.PasswordChangedAt.IsZero() {
		u.PasswordChangedAt = tx.now
	}
	_, err := tx.exec(`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Username, u.DisplayName, u.Email, u.AgencyID, joinList(u.AreaIDs), joinList(u.Roles), u.Disabled, u.PasswordHash,
		u.MFASecret, u.MFAEnrolled, u.MFALastStep, u.OIDCIssuer, u.OIDCSubject, micros(u.PasswordChangedAt), u.Version, micros(u.CreatedAt), micros(u.UpdatedAt))
	if errors.Is(err, hub.ErrConflict) {
		return hub.Invalid("username", "the username %q is already taken", u.Username).WithCode(hub.EConflict)
	}
	return err
}

// UpdateUser saves every field of u if u.Version is current, and increments
// the version.
func (tx *Tx) UpdateUser(u *hub.User) error {
	r, err := tx.exec(`UPDATE users SET username = ?, display_name = ?, email = ?, agency_id = ?, area_ids = ?, roles = ?, disabled = ?,
		password_hash = ?, mfa_secret = ?, mfa_enrolled = ?, mfa_last_step = ?, oidc_issuer = ?, oidc_subject = ?, password_changed_at = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		u.Username, u.DisplayName, u.Email, u.AgencyID, joinList(u.AreaIDs), joinList(u.Roles), u.Disabled,
		u.PasswordHash, u.MFASecret, u.MFAEnrolled, u.MFALastStep, u.OIDCIssuer, u.OIDCSubject, micros(u.PasswordChangedAt),
		micros(tx.now), u.ID, u.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "users", u.ID, "user"); err != nil {
		return err
	}
	u.Version++
	u.UpdatedAt = tx.now
	return nil
}

// User returns the user with the given id.
func (tx *Tx) User(id string) (*hub.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	return u, notFound(tx.db.translate(err), "user")
}

// UserByUsername returns the user with the given login name.
func (tx *Tx) UserByUsername(name string) (*hub.User, error) {
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE username = ?`, name))
	return u, notFound(tx.db.translate(err), "user")
}

// UserByOIDC returns the user linked to an identity provider's subject.
// Unlinked accounts hold an empty pair, so an empty issuer or subject is
// never found.
func (tx *Tx) UserByOIDC(issuer, subject string) (*hub.User, error) {
	if issuer == "" || subject == "" {
		return nil, hub.NotFound("user")
	}
	u, err := scanUser(tx.queryRow(`SELECT `+userColumns+` FROM users WHERE oidc_issuer = ? AND oidc_subject = ?`, issuer, subject))
	return u, notFound(tx.db.translate(err), "user")
}

// UserFilter selects users.
type UserFilter struct {
	AgencyID string
	Disabled *bool
	Limit    int
	Offset   int
}

// FindUsers returns matching users by username, and the total that match.
func (tx *Tx) FindUsers(f UserFilter) ([]*hub.User, int, error) {
	q := `SELECT ` + userColumns + `, COUNT(*) OVER () FROM users WHERE 1 = 1`
	var args []any
	if f.AgencyID != "" {
		q += ` AND agency_id = ?`
		args = append(args, f.AgencyID)
	}
	if f.Disabled != nil {
		q += ` AND disabled = ?`
		args = append(args, *f.Disabled)
	}
	q += ` ORDER BY username`
	q += limitOffset(f.Limit, f.Offset, 1000)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.User
	total := 0
	for rows.Next() {
		var u *hub.User
		u, err = scanUser(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &total)...) }))
		if err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// CreateSession stores a new session.
func (tx *Tx) CreateSession(s *hub.Session) error {
	_, err := tx.exec(`INSERT INTO sessions (id_hash, user_id, mfa_pending, created_at, last_seen_at, expires_at, client, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		s.IDHash, s.UserID, s.MFAPending, micros(s.CreatedAt), micros(s.LastSeenAt), micros(s.ExpiresAt), s.Client, s.UserAgent)
	return err
}

// Session returns the session whose token hashes to idHash.
func (tx *Tx) Session(idHash []byte) (*hub.Session, error) {
	s := &hub.Session{}
	var c, l, e int64
	err := tx.queryRow(`SELECT id_hash, user_id, mfa_pending, created_at, last_seen_at, expires_at, client, user_agent FROM sessions WHERE id_hash = ?`, idHash).
		Scan(&s.IDHash, &s.UserID, &s.MFAPending, &c, &l, &e, &s.Client, &s.UserAgent)
	if err != nil {
		return nil, notFound(tx.db.translate(err), "session")
	}
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMicros(c), fromMicros(l), fromMicros(e)
	return s, nil
}

// TouchSession records activity on a session.
func (tx *Tx) TouchSession(idHash []byte, at time.Time) error {
	_, err := tx.exec(`UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?`, micros(at), idHash)
	return err
}

// DeleteSession ends a session.
func (tx *Tx) DeleteSession(idHash []byte) error {
	_, err := tx.exec(`DELETE FROM sessions WHERE id_hash = ?`, idHash)
	return err
}

// DeleteUserSessions ends every session of a user except keep (may be nil),
// and returns how many ended.
func (tx *Tx) DeleteUserSessions(userID string, keep []byte) (int64, error) {
	var r sql.Result
	var err error
	if keep == nil {
		r, err = tx.exec(`DELETE FROM sessions WHERE user_id = ?`, userID)
	} else {
		r, err = tx.exec(`DELETE FROM sessions WHERE user_id = ? AND id_hash <> ?`, userID, keep)
	}
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

// UserSessions lists a user's sessions, newest first.
func (tx *Tx) UserSessions(userID string) ([]*hub.Session, error) {
	rows, err := tx.query(`SELECT id_hash, user_id, mfa_pending, created_at, last_seen_at, expires_at, client, user_agent FROM sessions WHERE user_id = ? ORDER BY created_at DESC`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.Session
	for rows.Next() {
		s := &hub.Session{}
		var c, l, e int64
		if err := rows.Scan(&s.IDHash, &s.UserID, &s.MFAPending, &c, &l, &e, &s.Client, &s.UserAgent); err != nil {
			return nil, err
		}
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMicros(c), fromMicros(l), fromMicros(e)
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteExpiredSessions removes sessions past their absolute expiry or idle
// since before idleBefore.
func (tx *Tx) DeleteExpiredSessions(now, idleBefore time.Time) (int64, error) {
	r, err := tx.exec(`DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at < ?`, micros(now), micros(idleBefore))
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

const clientColumns = `id, name, setting, agency_id, user_id, scopes, token_hash, token_prefix, created_at, revoked_at, last_used_at`

func scanClient(s interface{ Scan(...any) error }) (*hub.APIClient, error) {
	c := &hub.APIClient{}
	var userID sql.NullString
	var scopes string
	var cr, rv, lu int64
	if err := s.Scan(&c.ID, &c.Name, &c.Setting, &c.AgencyID, &userID, &scopes, &c.TokenHash, &c.TokenPrefix, &cr, &rv, &lu); err != nil {
		return nil, err
	}
	c.UserID = userID.String
	c.Scopes = splitList[hub.Scope](scopes)
	c.CreatedAt, c.RevokedAt, c.LastUsedAt = fromMicros(cr), fromMicros(rv), fromMicros(lu)
	return c, nil
}

// CreateAPIClient inserts a machine client or personal token.
func (tx *Tx) CreateAPIClient(c *hub.APIClient) error {
	if c.ID == "" {
		c.ID = hub.NewID()
	}
	c.CreatedAt = tx.now
	var userID any
	if c.UserID != "" {
		userID = c.UserID
	}
	_, err := tx.exec(`INSERT INTO api_clients (`+clientColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Name, c.Setting, c.AgencyID, userID, joinList(c.Scopes), c.TokenHash, c.TokenPrefix, micros(c.CreatedAt), 0, 0)
	return err
}

// APIClientByTokenHash returns the client whose token hashes to h.
func (tx *Tx) APIClientByTokenHash(h []byte) (*hub.APIClient, error) {
	c, err := scanClient(tx.queryRow(`SELECT `+clientColumns+` FROM api_clients WHERE token_hash = ?`, h))
	return c, notFound(tx.db.translate(err), "api client")
}

// APIClient returns the client with the given id.
func (tx *Tx) APIClient(id string) (*hub.APIClient, error) {
	c, err := scanClient(tx.queryRow(`SELECT `+clientColumns+` FROM api_clients WHERE id = ?`, id))
	return c, notFound(tx.db.translate(err), "api client")
}

// APIClients lists every client, newest first.
func (tx *Tx) APIClients() ([]*hub.APIClient, error) {
	rows, err := tx.query(`SELECT ` + clientColumns + ` FROM api_clients ORDER BY created_at DESC, name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.APIClient
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RevokeAPIClient marks a client revoked; its token stops working on the next
// request.
func (tx *Tx) RevokeAPIClient(id string) error {
	r, err := tx.exec(`UPDATE api_clients SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, micros(tx.now), id)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		if _, err := tx.APIClient(id); err != nil {
			return err
		}
		return hub.Errorf(hub.EConflict, "this client is already revoked")
	}
	return nil
}

// TouchAPIClient records that a client was used.
func (tx *Tx) TouchAPIClient(id string, at time.Time) error {
	_, err := tx.exec(`UPDATE api_clients SET last_used_at = ? WHERE id = ?`, micros(at), id)
	return err
}

// CreateBreakGlass stores a break-glass grant.
func (tx *Tx) CreateBreakGlass(b *hub.BreakGlass) error {
	if b.ID == "" {
		b.ID = hub.NewID()
	}
	b.CreatedAt = tx.now
	_, err := tx.exec(`INSERT INTO break_glass (id, user_id, object_type, object_id, reason, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		b.ID, b.UserID, b.ObjectType, b.ObjectID, b.Reason, micros(b.CreatedAt), micros(b.ExpiresAt))
	return err
}

// ActiveBreakGlass returns the user's grants in force at now for an object.
func (tx *Tx) ActiveBreakGlass(userID, objectType, objectID string) ([]*hub.BreakGlass, error) {
	return tx.breakGlass(`WHERE user_id = ? AND object_type = ? AND object_id = ? AND created_at <= ? AND expires_at > ?`,
		userID, objectType, objectID, micros(tx.now), micros(tx.now))
}

// BreakGlassFilter selects grants for the auditor's list.
type BreakGlassFilter struct {
	Unreviewed bool
	Limit      int
}

// FindBreakGlass lists grants, newest first.
func (tx *Tx) FindBreakGlass(f BreakGlassFilter) ([]*hub.BreakGlass, error) {
	q := `WHERE 1 = 1`
	if f.Unreviewed {
		q += ` AND reviewed_at = 0`
	}
	q += ` ORDER BY created_at DESC` + limitOffset(f.Limit, 0, 500)
	return tx.breakGlass(q)
}

// ReviewBreakGlass records that an auditor reviewed a grant.
func (tx *Tx) ReviewBreakGlass(id, reviewer string) error {
	r, err := tx.exec(`UPDATE break_glass SET reviewed_by = ?, reviewed_at = ? WHERE id = ? AND reviewed_at = 0`, reviewer, micros(tx.now), id)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return hub.NotFound("break-glass grant")
	}
	return nil
}

func (tx *Tx) breakGlass(where string, args ...any) ([]*hub.BreakGlass, error) {
	rows, err := tx.query(`SELECT id, user_id, object_type, object_id, reason, created_at, expires_at, reviewed_by, reviewed_at FROM break_glass `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.BreakGlass
	for rows.Next() {
		b := &hub.BreakGlass{}
		var c, e, r int64
		if err := rows.Scan(&b.ID, &b.UserID, &b.ObjectType, &b.ObjectID, &b.Reason, &c, &e, &b.ReviewedBy, &r); err != nil {
			return nil, err
		}
		b.CreatedAt, b.ExpiresAt, b.ReviewedAt = fromMicros(c), fromMicros(e), fromMicros(r)
		out = append(out, b)
	}
	return out, rows.Err()
}

// limitOffset renders a LIMIT/OFFSET clause from validated integers.
func limitOffset(limit, offset, max int) string {
	if limit <= 0 || limit > max {
		limit = max
	}
	if offset < 0 {
		offset = 0
	}
	return " LIMIT " + itoa(limit) + " OFFSET " + itoa(offset)
}
