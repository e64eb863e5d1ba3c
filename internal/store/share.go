package store

import (
	"strings"

	"github.com/safehub/safehub/internal/hub"
)

// Shares, share requests and recipients' contributions (issue 6).

const shareColumns = `s.id, s.person_id, s.case_id, s.owner_area_id, s.owner_agency_id, s.recipient_kind, s.recipient_ids, s.parts, s.purpose,
	s.basis_code, s.necessity, s.contribute, s.status, s.shared_by, s.shared_by_name, s.approved_by, s.approved_at, s.expires_at,
	s.revoked_by, s.revoked_at, s.end_reason, s.request_id, s.received_at, s.expiry_logged, s.created_at, s.updated_at`

func scanShare(r interface{ Scan(...any) error }) (*hub.Share, error) {
	s := &hub.Share{}
	var kind, recips, parts, status string
	var appr, exp, rev, recv, logged, c, u int64
	if err := r.Scan(&s.ID, &s.PersonID, &s.CaseID, &s.OwnerAreaID, &s.OwnerAgencyID, &kind, &recips, &parts, &s.Purpose,
		&s.BasisCode, &s.Necessity, &s.Contribute, &status, &s.SharedBy, &s.SharedByName, &s.ApprovedBy, &appr, &exp,
		&s.RevokedBy, &rev, &s.EndReason, &s.RequestID, &recv, &logged, &c, &u); err != nil {
		return nil, err
	}
	s.RecipientKind, s.Status = hub.RecipientKind(kind), hub.ShareStatus(status)
	s.RecipientIDs, s.Parts = splitList[string](recips), splitList[hub.SharePart](parts)
	s.ApprovedAt, s.ExpiresAt, s.RevokedAt, s.ReceivedAt = fromMicros(appr), fromMicros(exp), fromMicros(rev), fromMicros(recv)
	s.ExpiryLogged, s.CreatedAt, s.UpdatedAt = fromMicros(logged), fromMicros(c), fromMicros(u)
	return s, nil
}

// CreateShare stores a share and its recipients, setting its id and times.
func (tx *Tx) CreateShare(s *hub.Share) error {
	if s.ID == "" {
		s.ID = hub.NewID()
	}
	s.CreatedAt, s.UpdatedAt = tx.now, tx.now
	if _, err := tx.exec(`INSERT INTO shares (id, person_id, case_id, owner_area_id, owner_agency_id, recipient_kind, recipient_ids, parts, purpose,
		basis_code, necessity, contribute, status, shared_by, shared_by_name, approved_by, approved_at, expires_at, request_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.ID, s.PersonID, s.CaseID, s.OwnerAreaID, s.OwnerAgencyID, string(s.RecipientKind), joinList(s.RecipientIDs), joinList(s.Parts), s.Purpose,
		s.BasisCode, s.Necessity, s.Contribute, string(s.Status), s.SharedBy, s.SharedByName, s.ApprovedBy, micros(s.ApprovedAt), micros(s.ExpiresAt),
		s.RequestID, micros(s.CreatedAt), micros(s.UpdatedAt)); err != nil {
		return err
	}
	rows := make([][]any, 0, len(s.RecipientIDs))
	for _, id := range s.RecipientIDs {
		rows = append(rows, []any{s.ID, id})
	}
	return tx.insertRows(`INSERT INTO share_recipients (share_id, recipient_id) VALUES `, rows)
}

// UpdateShareState saves a share's status, approval, revocation, receipt
// and expiry marks.
func (tx *Tx) UpdateShareState(s *hub.Share) error {
	r, err := tx.exec(`UPDATE shares SET status = ?, approved_by = ?, approved_at = ?, revoked_by = ?, revoked_at = ?, end_reason = ?,
		received_at = ?, expiry_logged = ?, version = version + 1, updated_at = ? WHERE id = ?`,
		string(s.Status), s.ApprovedBy, micros(s.ApprovedAt), s.RevokedBy, micros(s.RevokedAt), s.EndReason,
		micros(s.ReceivedAt), micros(s.ExpiryLogged), micros(tx.now), s.ID)
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return hub.NotFound("share")
	}
	s.UpdatedAt = tx.now
	return nil
}

// Share returns a share.
func (tx *Tx) Share(id string) (*hub.Share, error) {
	s, err := scanShare(tx.queryRow(`SELECT `+shareColumns+` FROM shares s WHERE s.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "share")
	}
	return s, nil
}

// SharesNaming returns the active, unexpired shares of person personID (or
// of case caseID) naming the user, their agency or one of their areas.
func (tx *Tx) SharesNaming(userID, agencyID string, areaIDs []string, personID, caseID string) ([]*hub.Share, error) {
	var subj []string
	args := recipientArgs(userID, agencyID, areaIDs)
	if len(args) == 0 {
		return nil, nil
	}
	in := placeholders(len(args))
	if personID != "" {
		subj = append(subj, `s.person_id = ?`)
		args = append(args, personID)
	}
	if caseID != "" {
		subj = append(subj, `s.case_id = ?`)
		args = append(args, caseID)
	}
	if len(subj) == 0 {
		return nil, nil
	}
	args = append(args, string(hub.ShareActive), micros(tx.now))
	return tx.shares(`JOIN share_recipients r ON r.share_id = s.id WHERE r.recipient_id IN (`+in+`) AND (`+strings.Join(subj, ` OR `)+`)
		AND s.status = ? AND s.expires_at > ? ORDER BY s.created_at`, args...)
}

// SharesReceived returns the shares naming the user, their agency or one of
// their areas, newest first; active ones only unless all is set.
func (tx *Tx) SharesReceived(userID, agencyID string, areaIDs []string, all bool, limit int) ([]*hub.Share, error) {
	args := recipientArgs(userID, agencyID, areaIDs)
	if len(args) == 0 {
		return nil, nil
	}
	q := `WHERE s.id IN (SELECT share_id FROM share_recipients WHERE recipient_id IN (` + placeholders(len(args)) + `))`
	if !all {
		q += ` AND s.status = ? AND s.expires_at > ?`
		args = append(args, string(hub.ShareActive), micros(tx.now))
	}
	return tx.shares(q+` ORDER BY s.created_at DESC`+limitOffset(limit, 0, 500), args...)
}

// recipientArgs are the recipient ids that may name someone: their user,
// their agency and their areas (the empty ones left out).
func recipientArgs(userID, agencyID string, areaIDs []string) []any {
	var args []any
	for _, id := range append([]string{userID, agencyID}, areaIDs...) {
		if id != "" {
			args = append(args, id)
		}
	}
	return args
}

// ShareFilter selects shares for the owner's and the overseer's lists.
type ShareFilter struct {
	PersonID string
	CaseID   string
	// AreaIDs are the owning areas (none: any).
	AreaIDs []string
	// Status: "" any; "active" in force now; "pending"; "ended" revoked,
	// refused or expired.
	Status string
	// ExpiringBefore keeps active shares expiring before it.
	ExpiringBefore int64
	// ExpiredUnlogged keeps active shares past their expiry whose expiry
	// is not yet recorded (the deadline job's work).
	ExpiredUnlogged bool
	Limit           int
}

// FindShares lists shares, newest first (or soonest to expire, with
// ExpiringBefore).
func (tx *Tx) FindShares(f ShareFilter) ([]*hub.Share, error) {
	var where []string
	var args []any
	if f.PersonID != "" {
		where, args = append(where, `s.person_id = ?`), append(args, f.PersonID)
	}
	if f.CaseID != "" {
		where, args = append(where, `s.case_id = ?`), append(args, f.CaseID)
	}
	if len(f.AreaIDs) > 0 {
		where = append(where, `s.owner_area_id IN (`+placeholders(len(f.AreaIDs))+`)`)
		for _, a := range f.AreaIDs {
			args = append(args, a)
		}
	}
	now := micros(tx.now)
	switch f.Status {
	case "active":
		where, args = append(where, `s.status = ? AND s.expires_at > ?`), append(args, string(hub.ShareActive), now)
	case "pending":
		where, args = append(where, `s.status = ?`), append(args, string(hub.SharePending))
	case "ended":
		where, args = append(where, `(s.status IN (?, ?) OR (s.status = ? AND s.expires_at <= ?))`),
			append(args, string(hub.ShareRevoked), string(hub.ShareRefused), string(hub.ShareActive), now)
	}
	order := ` ORDER BY s.created_at DESC`
	if f.ExpiringBefore != 0 {
		where, args = append(where, `s.status = ? AND s.expires_at > ? AND s.expires_at <= ?`), append(args, string(hub.ShareActive), now, f.ExpiringBefore)
		order = ` ORDER BY s.expires_at, s.id`
	}
	if f.ExpiredUnlogged {
		where, args = append(where, `s.status = ? AND s.expires_at <= ? AND s.expiry_logged = 0`), append(args, string(hub.ShareActive), now)
		order = ` ORDER BY s.expires_at, s.id`
	}
	q := ``
	if len(where) > 0 {
		q = `WHERE ` + strings.Join(where, ` AND `)
	}
	return tx.shares(q+order+limitOffset(f.Limit, 0, 1000), args...)
}

func (tx *Tx) shares(where string, args ...any) ([]*hub.Share, error) {
	rows, err := tx.query(`SELECT `+shareColumns+` FROM shares s `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.Share
	for rows.Next() {
		s, err := scanShare(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

const shareRequestColumns = `id, person_id, owner_area_id, requester_id, requester_name, requester_agency, parts, purpose, reason, status,
	decided_by, decided_at, refuse_reason, share_id, created_at`

func scanShareRequest(r interface{ Scan(...any) error }) (*hub.ShareRequest, error) {
	q := &hub.ShareRequest{}
	var parts, status string
	var d, c int64
	if err := r.Scan(&q.ID, &q.PersonID, &q.OwnerAreaID, &q.RequesterID, &q.RequesterName, &q.RequesterAgency, &parts, &q.Purpose, &q.Reason, &status,
		&q.DecidedBy, &d, &q.RefuseReason, &q.ShareID, &c); err != nil {
		return nil, err
	}
	q.Parts, q.Status = splitList[hub.SharePart](parts), hub.ShareRequestStatus(status)
	q.DecidedAt, q.CreatedAt = fromMicros(d), fromMicros(c)
	return q, nil
}

// CreateShareRequest stores a request for a share.
func (tx *Tx) CreateShareRequest(q *hub.ShareRequest) error {
	if q.ID == "" {
		q.ID = hub.NewID()
	}
	q.CreatedAt = tx.now
	_, err := tx.exec(`INSERT INTO share_requests (`+shareRequestColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.ID, q.PersonID, q.OwnerAreaID, q.RequesterID, q.RequesterName, q.RequesterAgency, joinList(q.Parts), q.Purpose, q.Reason, string(q.Status),
		q.DecidedBy, micros(q.DecidedAt), q.RefuseReason, q.ShareID, micros(q.CreatedAt))
	return err
}

// DecideShareRequest records the owner's answer to a pending request; a
// request already answered gives hub.ErrConflict.
func (tx *Tx) DecideShareRequest(q *hub.ShareRequest) error {
	r, err := tx.exec(`UPDATE share_requests SET status = ?, decided_by = ?, decided_at = ?, refuse_reason = ?, share_id = ? WHERE id = ? AND status = ?`,
		string(q.Status), q.DecidedBy, micros(tx.now), q.RefuseReason, q.ShareID, q.ID, string(hub.RequestPending))
	if err != nil {
		return err
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return &hub.Error{Code: hub.EConflict, Message: "this request has already been answered"}
	}
	q.DecidedAt = tx.now
	return nil
}

// ShareRequest returns a request.
func (tx *Tx) ShareRequest(id string) (*hub.ShareRequest, error) {
	q, err := scanShareRequest(tx.queryRow(`SELECT `+shareRequestColumns+` FROM share_requests WHERE id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "share request")
	}
	return q, nil
}

// ShareRequestFilter selects requests.
type ShareRequestFilter struct {
	// OwnerAreaIDs are the areas asked (none: any).
	OwnerAreaIDs []string
	RequesterID  string
	PersonID     string
	Pending      bool
	Limit        int
}

// FindShareRequests lists requests, oldest pending first.
func (tx *Tx) FindShareRequests(f ShareRequestFilter) ([]*hub.ShareRequest, error) {
	var where []string
	var args []any
	if len(f.OwnerAreaIDs) > 0 {
		where = append(where, `owner_area_id IN (`+placeholders(len(f.OwnerAreaIDs))+`)`)
		for _, a := range f.OwnerAreaIDs {
			args = append(args, a)
		}
	}
	if f.RequesterID != "" {
		where, args = append(where, `requester_id = ?`), append(args, f.RequesterID)
	}
	if f.PersonID != "" {
		where, args = append(where, `person_id = ?`), append(args, f.PersonID)
	}
	if f.Pending {
		where, args = append(where, `status = ?`), append(args, string(hub.RequestPending))
	}
	q := `SELECT ` + shareRequestColumns + ` FROM share_requests`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := tx.query(q+` ORDER BY created_at DESC`+limitOffset(f.Limit, 0, 500), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.ShareRequest
	for rows.Next() {
		r, err := scanShareRequest(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CreateShareContribution stores a recipient's contribution.
func (tx *Tx) CreateShareContribution(c *hub.ShareContribution) error {
	if c.ID == "" {
		c.ID = hub.NewID()
	}
	c.CreatedAt = tx.now
	_, err := tx.exec(`INSERT INTO share_contributions (id, share_id, person_id, author_id, author_name, agency_id, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.ShareID, c.PersonID, c.AuthorID, c.AuthorName, c.AgencyID, c.Body, micros(c.CreatedAt))
	return err
}

// ShareContributions returns the contributions to the given shares, or
// (with agencyID) those an agency made about a person, oldest first.
func (tx *Tx) ShareContributions(shareIDs []string, agencyID, personID string) ([]*hub.ShareContribution, error) {
	var where []string
	var args []any
	if len(shareIDs) > 0 {
		where = append(where, `share_id IN (`+placeholders(len(shareIDs))+`)`)
		for _, id := range shareIDs {
			args = append(args, id)
		}
	}
	if agencyID != "" {
		where, args = append(where, `(agency_id = ? AND person_id = ?)`), append(args, agencyID, personID)
	}
	if len(where) == 0 {
		return nil, nil
	}
	rows, err := tx.query(`SELECT id, share_id, person_id, author_id, author_name, agency_id, body, created_at FROM share_contributions
		WHERE `+strings.Join(where, ` OR `)+` ORDER BY created_at, id LIMIT 1000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.ShareContribution
	for rows.Next() {
		c := &hub.ShareContribution{}
		var at int64
		if err := rows.Scan(&c.ID, &c.ShareID, &c.PersonID, &c.AuthorID, &c.AuthorName, &c.AgencyID, &c.Body, &at); err != nil {
			return nil, err
		}
		c.CreatedAt = fromMicros(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// placeholders renders n comma-separated "?" (n ≥ 1).
func placeholders(n int) string { return `?` + repeatPlaceholders(n-1) }
