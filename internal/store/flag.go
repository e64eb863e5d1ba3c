package store

import (
	"strings"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// Health flags (issue 5). Every method that changes a flag writes a row of
// its history (flag_history, one per version) and calls NotifyFlagChange,
// so that the look-up index of this server and, on PostgreSQL, of every
// other server sharing the database, follows the change once it commits.

const flagColumns = `f.id, f.person_id, f.area_id, f.owner_agency_id, f.status, f.category, f.risk_level, f.start_date, f.end_date, f.review_due,
	f.reason, f.advice, f.contact_phone, f.contact_hours, f.lead_user_id, f.end_reason, f.reviewed_at, f.reviewed_by, f.review_prompt,
	f.created_by, f.version, f.created_at, f.updated_at`

func scanFlag(s interface{ Scan(...any) error }, extra ...any) (*hub.Flag, error) {
	f := &hub.Flag{}
	var status, cat, risk, start, end, review string
	var rev, c, u int64
	dest := []any{&f.ID, &f.PersonID, &f.AreaID, &f.OwnerAgencyID, &status, &cat, &risk, &start, &end, &review,
		&f.Reason, &f.Advice, &f.ContactPhone, &f.ContactHours, &f.LeadUserID, &f.EndReason, &rev, &f.ReviewedBy, &f.ReviewPrompt,
		&f.CreatedBy, &f.Version, &c, &u}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	f.Status, f.Category, f.RiskLevel = hub.FlagStatus(status), hub.FlagCategory(cat), hub.RiskLevel(risk)
	f.Start, f.End, f.ReviewDue = parseDateText(start), parseDateText(end), parseDateText(review)
	f.ReviewedAt, f.CreatedAt, f.UpdatedAt = fromMicros(rev), fromMicros(c), fromMicros(u)
	return f, nil
}

// FlagEdit says who changed a flag, how and why, for the flag's history.
type FlagEdit struct {
	// Action is one of the hub.FlagAct… names.
	Action    string
	ActorID   string
	ActorName string
	Note      string
}

// CreateFlag inserts a flag and the first row of its history.
func (tx *Tx) CreateFlag(f *hub.Flag, e FlagEdit) error { return tx.CreateFlags([]*hub.Flag{f}, e) }

// CreateFlags inserts a batch of flags, each with the first row of its
// history, in multi-row statements (for imports). It sets each flag's ID
// (if empty), version and times. A second active flag of the same category
// for a child gives hub.ErrConflict.
func (tx *Tx) CreateFlags(fs []*hub.Flag, e FlagEdit) error {
	rows := make([][]any, 0, len(fs))
	hist := make([][]any, 0, len(fs))
	for _, f := range fs {
		if f.ID == "" {
			f.ID = hub.NewID()
		}
		f.Version, f.CreatedAt, f.UpdatedAt = 1, tx.now, tx.now
		rows = append(rows, []any{f.ID, f.PersonID, f.AreaID, f.OwnerAgencyID, string(f.Status), string(f.Category), string(f.RiskLevel),
			dateText(f.Start), dateText(f.End), dateText(f.ReviewDue), f.Reason, f.Advice, f.ContactPhone, f.ContactHours, f.LeadUserID,
			f.EndReason, micros(f.ReviewedAt), f.ReviewedBy, f.ReviewPrompt, f.CreatedBy, f.Version, micros(f.CreatedAt), micros(f.UpdatedAt)})
		hist = append(hist, flagHistoryRow(f, e, tx.now))
	}
	if err := tx.insertRows(`INSERT INTO flags (id, person_id, area_id, owner_agency_id, status, category, risk_level, start_date, end_date, review_due,
		reason, advice, contact_phone, contact_hours, lead_user_id, end_reason, reviewed_at, reviewed_by, review_prompt, created_by, version, created_at, updated_at) VALUES `, rows); err != nil {
		return err
	}
	if err := tx.insertRows(flagHistoryInsert, hist); err != nil {
		return err
	}
	return tx.notifyFlags(fs)
}

const flagHistoryInsert = `INSERT INTO flag_history (flag_id, version, action, actor_id, actor_name, at, status, category, risk_level, start_date, end_date, review_due,
	reason, advice, contact_phone, contact_hours, lead_user_id, end_reason, note) VALUES `

func flagHistoryRow(f *hub.Flag, e FlagEdit, at time.Time) []any {
	return []any{f.ID, f.Version, e.Action, e.ActorID, e.ActorName, micros(at), string(f.Status), string(f.Category), string(f.RiskLevel),
		dateText(f.Start), dateText(f.End), dateText(f.ReviewDue), f.Reason, f.Advice, f.ContactPhone, f.ContactHours, f.LeadUserID, f.EndReason, e.Note}
}

// notifyFlags tells the look-up index, once per child, that flags changed.
func (tx *Tx) notifyFlags(fs []*hub.Flag) error {
	seen := make(map[string]bool, len(fs))
	for _, f := range fs {
		if seen[f.PersonID] {
			continue
		}
		seen[f.PersonID] = true
		if err := tx.NotifyFlagChange(f.PersonID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateFlag saves every changeable field of f if f.Version is current,
// increments the version and writes the new version's history row. A stale
// version gives hub.ErrConflict; an unknown flag hub.ErrNotFound. The
// person, area and owner of a flag never change.
func (tx *Tx) UpdateFlag(f *hub.Flag, e FlagEdit) error {
	r, err := tx.exec(`UPDATE flags SET status = ?, category = ?, risk_level = ?, start_date = ?, end_date = ?, review_due = ?, reason = ?, advice = ?,
		contact_phone = ?, contact_hours = ?, lead_user_id = ?, end_reason = ?, reviewed_at = ?, reviewed_by = ?, review_prompt = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		string(f.Status), string(f.Category), string(f.RiskLevel), dateText(f.Start), dateText(f.End), dateText(f.ReviewDue), f.Reason, f.Advice,
		f.ContactPhone, f.ContactHours, f.LeadUserID, f.EndReason, micros(f.ReviewedAt), f.ReviewedBy, f.ReviewPrompt,
		micros(tx.now), f.ID, f.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "flags", f.ID, "flag"); err != nil {
		return err
	}
	f.Version++
	f.UpdatedAt = tx.now
	if err := tx.insertRows(flagHistoryInsert, [][]any{flagHistoryRow(f, e, tx.now)}); err != nil {
		return err
	}
	return tx.NotifyFlagChange(f.PersonID)
}

// Flag returns the flag with the given id.
func (tx *Tx) Flag(id string) (*hub.Flag, error) {
	f, err := scanFlag(tx.queryRow(`SELECT `+flagColumns+` FROM flags f WHERE f.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "flag")
	}
	return f, nil
}

// FlagHistory returns every version of a flag, newest first.
func (tx *Tx) FlagHistory(flagID string) ([]*hub.FlagChange, error) {
	rows, err := tx.query(`SELECT flag_id, version, action, actor_id, actor_name, at, status, category, risk_level, start_date, end_date, review_due,
		reason, advice, contact_phone, contact_hours, lead_user_id, end_reason, note FROM flag_history WHERE flag_id = ? ORDER BY version DESC`, flagID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.FlagChange
	for rows.Next() {
		c := &hub.FlagChange{}
		var at int64
		var status, cat, risk, start, end, review string
		s := &c.State
		if err := rows.Scan(&c.FlagID, &c.Version, &c.Action, &c.ActorID, &c.ActorName, &at, &status, &cat, &risk, &start, &end, &review,
			&s.Reason, &s.Advice, &s.ContactPhone, &s.ContactHours, &s.LeadUserID, &s.EndReason, &c.Note); err != nil {
			return nil, err
		}
		c.At = fromMicros(at)
		s.ID, s.Version = c.FlagID, c.Version
		s.Status, s.Category, s.RiskLevel = hub.FlagStatus(status), hub.FlagCategory(cat), hub.RiskLevel(risk)
		s.Start, s.End, s.ReviewDue = parseDateText(start), parseDateText(end), parseDateText(review)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FlagChild is what a listing of flags shows of the flagged child, and what
// the access policy needs to decide on each row.
type FlagChild struct {
	GivenName   string
	FamilyName  string
	DateOfBirth hub.Date
	Sensitivity hub.Sensitivity
}

// Name returns "Given FAMILY" as hub.Person.Name does.
func (c FlagChild) Name() string {
	p := hub.Person{GivenName: c.GivenName, FamilyName: c.FamilyName}
	return p.Name()
}

// FlagListing is a flag with its child.
type FlagListing struct {
	Flag  *hub.Flag
	Child FlagChild
}

// FlagScope limits a listing to records in some areas: those of persons in
// AreaIDs, and restricted persons only when Restricted is set. The app
// builds it from the access policy.
type FlagScope struct {
	AreaIDs    []string
	Restricted bool
}

// where renders the scope as a condition on the listed table's area column
// (alias.area_id) and the person's sensitivity (p.sensitivity), or false
// when it holds no area.
func (s FlagScope) where(alias string) (string, []any) {
	if len(s.AreaIDs) == 0 {
		return `1 = 0`, nil
	}
	args := make([]any, 0, len(s.AreaIDs))
	for _, a := range s.AreaIDs {
		args = append(args, a)
	}
	cond := alias + `.area_id IN (?` + strings.Repeat(`, ?`, len(s.AreaIDs)-1) + `)`
	if !s.Restricted {
		cond += ` AND p.sensitivity = 'normal'`
	}
	return cond, args
}

// FlagFilter selects flags. Every criterion given must hold; a filter
// without PersonID must give Scope.
type FlagFilter struct {
	PersonID string
	Scope    *FlagScope
	Statuses []hub.FlagStatus
	// ReviewDueBy selects flags whose review falls due on or before it.
	ReviewDueBy hub.Date
	// BornBy selects flags of children born on or before it (those who are
	// or are about to be adults).
	BornBy hub.Date
	Limit  int
	Offset int
}

// FindFlags returns a page of matching flags with their children, active
// flags first, then by review date and newest start, and the total that
// match.
func (tx *Tx) FindFlags(f FlagFilter) ([]*FlagListing, int, error) {
	var where []string
	var args []any
	if f.PersonID != "" {
		where = append(where, `f.person_id = ?`)
		args = append(args, f.PersonID)
	}
	if f.Scope != nil {
		cond, a := f.Scope.where("f")
		where = append(where, cond)
		args = append(args, a...)
	}
	if len(where) == 0 {
		return nil, 0, hub.Invalid("filter", "give a person or a scope of areas")
	}
	if len(f.Statuses) > 0 {
		where = append(where, `f.status IN (?`+strings.Repeat(`, ?`, len(f.Statuses)-1)+`)`)
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	if !f.ReviewDueBy.IsZero() {
		where = append(where, `f.review_due <> '' AND f.review_due <= ?`)
		args = append(args, dateText(f.ReviewDueBy))
	}
	if !f.BornBy.IsZero() {
		where = append(where, `p.date_of_birth <> '' AND p.date_of_birth <= ?`)
		args = append(args, dateText(f.BornBy))
	}
	q := `SELECT ` + flagColumns + `, p.given_name, p.family_name, p.date_of_birth, p.sensitivity, COUNT(*) OVER ()
		FROM flags f JOIN persons p ON p.id = f.person_id WHERE ` + strings.Join(where, ` AND `) + `
		ORDER BY CASE f.status WHEN 'active' THEN 0 ELSE 1 END, f.review_due, f.start_date DESC, f.id` + limitOffset(f.Limit, f.Offset, 500)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*FlagListing
	total := 0
	for rows.Next() {
		var c FlagChild
		var dob, sens string
		fl, err := scanFlag(rows, &c.GivenName, &c.FamilyName, &dob, &sens, &total)
		if err != nil {
			return nil, 0, err
		}
		c.DateOfBirth, c.Sensitivity = parseDateText(dob), hub.Sensitivity(sens)
		out = append(out, &FlagListing{Flag: fl, Child: c})
	}
	return out, total, rows.Err()
}

// CountFlags returns the number of flags of every status.
func (tx *Tx) CountFlags() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM flags`).Scan(&n)
	return n, tx.db.translate(err)
}

// FlagLookup is a health system's look-up that matched a flag, as the
// look-up path records it in the audit log (hub.ActFlagLookup: ObjectID
// the flag, SubjectID the child, ActorName the client, Detail the setting
// and practitioner), with the flag's category and child.
type FlagLookup struct {
	Event    *hub.AuditEvent
	Category hub.FlagCategory
	AreaID   string
	Child    FlagChild
}

// FlagLookupFilter selects look-ups: of one child (PersonID), or of
// children in Scope since Since.
type FlagLookupFilter struct {
	PersonID string
	Scope    *FlagScope
	Since    time.Time
	Limit    int
}

// FlagLookups returns matching look-ups that found a flag, newest first.
func (tx *Tx) FlagLookups(f FlagLookupFilter) ([]*FlagLookup, error) {
	// The action is a literal (not a parameter) so that SQLite can use the
	// partial index audit_events_flag_lookup.
	where := []string{`a.action = '` + hub.ActFlagLookup + `'`}
	var args []any
	if f.PersonID != "" {
		// "subject_id <> ''" lets both engines use the partial index
		// audit_events_subject (SQLite cannot infer it from the equality).
		where = append(where, `a.subject_id = ? AND a.subject_id <> ''`)
		args = append(args, f.PersonID)
	}
	if f.Scope != nil {
		cond, a := f.Scope.where("f")
		where = append(where, cond)
		args = append(args, a...)
	}
	if len(args) == 0 {
		return nil, hub.Invalid("filter", "give a person or a scope of areas")
	}
	if !f.Since.IsZero() {
		where = append(where, `a.at >= ?`)
		args = append(args, micros(f.Since))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	q := `SELECT a.idx, a.at, a.actor_id, a.actor_name, a.agency_id, a.role, a.action, a.object_type, a.object_id, a.subject_id, a.purpose, a.outcome,
		a.request_id, a.client, a.detail, f.category, f.area_id, p.given_name, p.family_name, p.date_of_birth, p.sensitivity
		FROM audit_events a JOIN flags f ON f.id = a.object_id JOIN persons p ON p.id = f.person_id
		WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY a.idx DESC LIMIT ` + itoa(f.Limit)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*FlagLookup
	for rows.Next() {
		e := &hub.AuditEvent{}
		l := &FlagLookup{Event: e}
		var at int64
		var cat, dob, sens string
		if err := rows.Scan(&e.Index, &at, &e.ActorID, &e.ActorName, &e.AgencyID, &e.Role, &e.Action, &e.ObjectType, &e.ObjectID, &e.SubjectID, &e.Purpose, &e.Outcome,
			&e.RequestID, &e.Client, &e.Detail, &cat, &l.AreaID, &l.Child.GivenName, &l.Child.FamilyName, &dob, &sens); err != nil {
			return nil, err
		}
		e.Time = fromMicros(at)
		l.Category = hub.FlagCategory(cat)
		l.Child.DateOfBirth, l.Child.Sensitivity = parseDateText(dob), hub.Sensitivity(sens)
		out = append(out, l)
	}
	return out, rows.Err()
}

// CreateFlagConsultation records a consultation, setting its ID and time.
func (tx *Tx) CreateFlagConsultation(c *hub.FlagConsultation) error {
	if c.ID == "" {
		c.ID = hub.NewID()
	}
	c.CreatedAt = tx.now
	_, err := tx.exec(`INSERT INTO flag_consultations (id, flag_id, person_id, area_id, consulted_on, caller, setting, note, recorded_by, recorded_by_name, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.FlagID, c.PersonID, c.AreaID, dateText(c.On), c.Caller, c.Setting, c.Note, c.RecordedBy, c.RecordedByName, micros(c.CreatedAt))
	return err
}

// FlagConsultationListing is a consultation with its flag's category and child.
type FlagConsultationListing struct {
	Consultation *hub.FlagConsultation
	Category     hub.FlagCategory
	Child        FlagChild
}

// FlagConsultationFilter selects consultations: of one flag, or of children in
// Scope on or after Since.
type FlagConsultationFilter struct {
	FlagID string
	Scope  *FlagScope
	Since  hub.Date
	Limit  int
}

// FlagConsultations returns matching consultations, newest first.
func (tx *Tx) FlagConsultations(f FlagConsultationFilter) ([]*FlagConsultationListing, error) {
	var where []string
	var args []any
	if f.FlagID != "" {
		where = append(where, `c.flag_id = ?`)
		args = append(args, f.FlagID)
	}
	if f.Scope != nil {
		cond, a := f.Scope.where("c")
		where = append(where, cond)
		args = append(args, a...)
	}
	if len(where) == 0 {
		return nil, hub.Invalid("filter", "give a flag or a scope of areas")
	}
	if !f.Since.IsZero() {
		where = append(where, `c.consulted_on >= ?`)
		args = append(args, dateText(f.Since))
	}
	q := `SELECT c.id, c.flag_id, c.person_id, c.area_id, c.consulted_on, c.caller, c.setting, c.note, c.recorded_by, c.recorded_by_name, c.created_at,
		f.category, p.given_name, p.family_name, p.date_of_birth, p.sensitivity
		FROM flag_consultations c JOIN flags f ON f.id = c.flag_id JOIN persons p ON p.id = c.person_id
		WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY c.consulted_on DESC, c.created_at DESC, c.id` + limitOffset(f.Limit, 0, 500)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*FlagConsultationListing
	for rows.Next() {
		c := &hub.FlagConsultation{}
		l := &FlagConsultationListing{Consultation: c}
		var on, cat, dob, sens string
		var created int64
		if err := rows.Scan(&c.ID, &c.FlagID, &c.PersonID, &c.AreaID, &on, &c.Caller, &c.Setting, &c.Note, &c.RecordedBy, &c.RecordedByName, &created,
			&cat, &l.Child.GivenName, &l.Child.FamilyName, &dob, &sens); err != nil {
			return nil, err
		}
		c.On, c.CreatedAt = parseDateText(on), fromMicros(created)
		l.Category = hub.FlagCategory(cat)
		l.Child.DateOfBirth, l.Child.Sensitivity = parseDateText(dob), hub.Sensitivity(sens)
		out = append(out, l)
	}
	return out, rows.Err()
}

const flagReferralColumns = `r.id, r.flag_id, r.person_id, r.area_id, r.service, r.referred_on, r.outcome, r.outcome_on, r.note, r.recorded_by, r.recorded_by_name,
	r.version, r.created_at, r.updated_at`

func scanFlagReferral(s interface{ Scan(...any) error }, extra ...any) (*hub.FlagReferral, error) {
	r := &hub.FlagReferral{}
	var on, outcome, outOn string
	var c, u int64
	dest := []any{&r.ID, &r.FlagID, &r.PersonID, &r.AreaID, &r.Service, &on, &outcome, &outOn, &r.Note, &r.RecordedBy, &r.RecordedByName, &r.Version, &c, &u}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	r.ReferredOn, r.OutcomeOn, r.Outcome = parseDateText(on), parseDateText(outOn), hub.FlagReferralOutcome(outcome)
	r.CreatedAt, r.UpdatedAt = fromMicros(c), fromMicros(u)
	return r, nil
}

// CreateFlagReferral records a referral to a service, setting its ID,
// version and times.
func (tx *Tx) CreateFlagReferral(r *hub.FlagReferral) error {
	if r.ID == "" {
		r.ID = hub.NewID()
	}
	r.Version, r.CreatedAt, r.UpdatedAt = 1, tx.now, tx.now
	_, err := tx.exec(`INSERT INTO flag_referrals (id, flag_id, person_id, area_id, service, referred_on, outcome, outcome_on, note, recorded_by, recorded_by_name,
		version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.FlagID, r.PersonID, r.AreaID, r.Service, dateText(r.ReferredOn), string(r.Outcome), dateText(r.OutcomeOn), r.Note, r.RecordedBy, r.RecordedByName,
		r.Version, micros(r.CreatedAt), micros(r.UpdatedAt))
	return err
}

// UpdateFlagReferral saves a referral's outcome, outcome date and note if
// r.Version is current, and increments the version.
func (tx *Tx) UpdateFlagReferral(r *hub.FlagReferral) error {
	res, err := tx.exec(`UPDATE flag_referrals SET outcome = ?, outcome_on = ?, note = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		string(r.Outcome), dateText(r.OutcomeOn), r.Note, micros(tx.now), r.ID, r.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(res, "flag_referrals", r.ID, "referral"); err != nil {
		return err
	}
	r.Version++
	r.UpdatedAt = tx.now
	return nil
}

// FlagReferral returns a referral by id.
func (tx *Tx) FlagReferral(id string) (*hub.FlagReferral, error) {
	r, err := scanFlagReferral(tx.queryRow(`SELECT `+flagReferralColumns+` FROM flag_referrals r WHERE r.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "referral")
	}
	return r, nil
}

// FlagReferralListing is a referral with its flag's category and child.
type FlagReferralListing struct {
	Referral *hub.FlagReferral
	Category hub.FlagCategory
	Child    FlagChild
}

// FlagReferralFilter selects referrals: of one flag, or of children in Scope
// (then only those still awaiting an outcome when Awaiting is set).
type FlagReferralFilter struct {
	FlagID   string
	Scope    *FlagScope
	Awaiting bool
	Limit    int
}

// FlagReferrals returns matching referrals, newest first.
func (tx *Tx) FlagReferrals(f FlagReferralFilter) ([]*FlagReferralListing, error) {
	var where []string
	var args []any
	if f.FlagID != "" {
		where = append(where, `r.flag_id = ?`)
		args = append(args, f.FlagID)
	}
	if f.Scope != nil {
		cond, a := f.Scope.where("r")
		where = append(where, cond)
		args = append(args, a...)
	}
	if len(where) == 0 {
		return nil, hub.Invalid("filter", "give a flag or a scope of areas")
	}
	if f.Awaiting {
		where = append(where, `r.outcome = ?`)
		args = append(args, string(hub.ReferralAwaiting))
	}
	q := `SELECT ` + flagReferralColumns + `, f.category, p.given_name, p.family_name, p.date_of_birth, p.sensitivity
		FROM flag_referrals r JOIN flags f ON f.id = r.flag_id JOIN persons p ON p.id = r.person_id
		WHERE ` + strings.Join(where, ` AND `) + ` ORDER BY r.referred_on DESC, r.created_at DESC, r.id` + limitOffset(f.Limit, 0, 500)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*FlagReferralListing
	for rows.Next() {
		l := &FlagReferralListing{}
		var cat, dob, sens string
		r, err := scanFlagReferral(rows, &cat, &l.Child.GivenName, &l.Child.FamilyName, &dob, &sens)
		if err != nil {
			return nil, err
		}
		l.Referral, l.Category = r, hub.FlagCategory(cat)
		l.Child.DateOfBirth, l.Child.Sensitivity = parseDateText(dob), hub.Sensitivity(sens)
		out = append(out, l)
	}
	return out, rows.Err()
}
