package store

import (
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// Missing episodes (issue 4). An episode's area, owning agency and
// sensitivity are its child's: every read joins persons for them.

const episodeColumns = `e.id, e.person_id, p.area_id, p.owner_agency_id, p.sensitivity, p.given_name, p.family_name,
	e.type, e.missing_from, e.last_seen_at, e.last_seen_place, e.reported_at, e.reported_by, e.reporter_detail, e.police_reference,
	e.risk_level, e.circumstances, e.clothing, e.steps_taken, e.found_at, e.found_place, e.found_by, e.found_with, e.found_with_ids,
	e.out_of_area, e.found_condition, e.returned_at, e.returned_to, e.philomena_version, e.created_by, e.version, e.created_at, e.updated_at`

func scanEpisode(s interface{ Scan(...any) error }, extra ...any) (*hub.MissingEpisode, error) {
	e := &hub.MissingEpisode{}
	var sens, given, family, typ, from, risk, withIDs string
	var ls, rep, found, ret, c, u int64
	dest := []any{&e.ID, &e.PersonID, &e.AreaID, &e.OwnerAgencyID, &sens, &given, &family,
		&typ, &from, &ls, &e.LastSeenPlace, &rep, &e.ReportedBy, &e.ReporterDetail, &e.PoliceReference,
		&risk, &e.Circumstances, &e.Clothing, &e.StepsTaken, &found, &e.FoundPlace, &e.FoundBy, &e.FoundWith, &withIDs,
		&e.OutOfArea, &e.Condition, &ret, &e.ReturnedTo, &e.PhilomenaVersion, &e.CreatedBy, &e.Version, &c, &u}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	e.Sensitivity, e.Type, e.From, e.RiskLevel = hub.Sensitivity(sens), hub.EpisodeType(typ), hub.MissingFrom(from), hub.PoliceRisk(risk)
	e.PersonName = (&hub.Person{GivenName: given, FamilyName: family}).Name()
	e.FoundWithIDs = splitList[string](withIDs)
	e.LastSeenAt, e.ReportedAt, e.FoundAt, e.ReturnedAt = fromMicros(ls), fromMicros(rep), fromMicros(found), fromMicros(ret)
	e.CreatedAt, e.UpdatedAt = fromMicros(c), fromMicros(u)
	return e, nil
}

// CreateMissingEpisodes inserts episodes with their first risk gradings
// (e.RiskHistory), setting each episode's ID (if empty), version and times.
func (tx *Tx) CreateMissingEpisodes(es []*hub.MissingEpisode) error {
	rows := make([][]any, 0, len(es))
	var risks [][]any
	for _, e := range es {
		if e.ID == "" {
			e.ID = hub.NewID()
		}
		e.Version, e.CreatedAt, e.UpdatedAt = 1, tx.now, tx.now
		rows = append(rows, []any{e.ID, e.PersonID, string(e.Type), string(e.From), micros(e.LastSeenAt), e.LastSeenPlace, micros(e.ReportedAt), e.ReportedBy,
			e.ReporterDetail, e.PoliceReference, string(e.RiskLevel), e.Circumstances, e.Clothing, e.StepsTaken, micros(e.FoundAt), e.FoundPlace, e.FoundBy,
			e.FoundWith, joinList(e.FoundWithIDs), e.OutOfArea, e.Condition, micros(e.ReturnedAt), e.ReturnedTo, e.PhilomenaVersion, e.CreatedBy,
			e.Version, micros(e.CreatedAt), micros(e.UpdatedAt)})
		for i := range e.RiskHistory {
			rc := &e.RiskHistory[i]
			rc.EpisodeID = e.ID
			if rc.At.IsZero() {
				rc.At = tx.now
			}
			risks = append(risks, []any{e.ID, i + 1, micros(rc.At), rc.ActorID, rc.ActorName, string(rc.From), string(rc.To), rc.Rationale})
		}
	}
	err := tx.insertRows(`INSERT INTO missing_episodes (id, person_id, type, missing_from, last_seen_at, last_seen_place, reported_at, reported_by,
		reporter_detail, police_reference, risk_level, circumstances, clothing, steps_taken, found_at, found_place, found_by,
		found_with, found_with_ids, out_of_area, found_condition, returned_at, returned_to, philomena_version, created_by,
		version, created_at, updated_at) VALUES `, rows)
	if err != nil {
		return err
	}
	return tx.insertRows(`INSERT INTO missing_risk_history (episode_id, seq, at, actor_id, actor_name, from_level, to_level, rationale) VALUES `, risks)
}

// UpdateMissingEpisode saves every changeable field of e if e.Version is
// current, and increments the version. A stale version gives
// hub.ErrConflict.
func (tx *Tx) UpdateMissingEpisode(e *hub.MissingEpisode) error {
	r, err := tx.exec(`UPDATE missing_episodes SET type = ?, missing_from = ?, last_seen_at = ?, last_seen_place = ?, reported_at = ?, reported_by = ?,
		reporter_detail = ?, police_reference = ?, risk_level = ?, circumstances = ?, clothing = ?, steps_taken = ?, found_at = ?, found_place = ?,
		found_by = ?, found_with = ?, found_with_ids = ?, out_of_area = ?, found_condition = ?, returned_at = ?, returned_to = ?, philomena_version = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		string(e.Type), string(e.From), micros(e.LastSeenAt), e.LastSeenPlace, micros(e.ReportedAt), e.ReportedBy,
		e.ReporterDetail, e.PoliceReference, string(e.RiskLevel), e.Circumstances, e.Clothing, e.StepsTaken, micros(e.FoundAt), e.FoundPlace,
		e.FoundBy, e.FoundWith, joinList(e.FoundWithIDs), e.OutOfArea, e.Condition, micros(e.ReturnedAt), e.ReturnedTo, e.PhilomenaVersion,
		micros(tx.now), e.ID, e.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "missing_episodes", e.ID, "missing episode"); err != nil {
		return err
	}
	e.Version++
	e.UpdatedAt = tx.now
	return nil
}

// MissingEpisode returns an episode with its risk history and updates.
func (tx *Tx) MissingEpisode(id string) (*hub.MissingEpisode, error) {
	e, err := scanEpisode(tx.queryRow(`SELECT `+episodeColumns+` FROM missing_episodes e JOIN persons p ON p.id = e.person_id WHERE e.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "missing episode")
	}
	rows, err := tx.query(`SELECT at, actor_id, actor_name, from_level, to_level, rationale FROM missing_risk_history WHERE episode_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		rc := hub.RiskChange{EpisodeID: id}
		var at int64
		var from, to string
		if err := rows.Scan(&at, &rc.ActorID, &rc.ActorName, &from, &to, &rc.Rationale); err != nil {
			rows.Close()
			return nil, err
		}
		rc.At, rc.From, rc.To = fromMicros(at), hub.PoliceRisk(from), hub.PoliceRisk(to)
		e.RiskHistory = append(e.RiskHistory, rc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.query(`SELECT id, at, actor_id, actor_name, source, body FROM missing_updates WHERE episode_id = ? ORDER BY at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		up := hub.EpisodeUpdate{EpisodeID: id}
		var at int64
		if err := rows.Scan(&up.ID, &at, &up.ActorID, &up.ActorName, &up.Source, &up.Text); err != nil {
			return nil, err
		}
		up.At = fromMicros(at)
		e.Updates = append(e.Updates, up)
	}
	return e, rows.Err()
}

// AddRiskChange appends a grading to an episode's risk history.
func (tx *Tx) AddRiskChange(rc *hub.RiskChange) error {
	if rc.At.IsZero() {
		rc.At = tx.now
	}
	_, err := tx.exec(`INSERT INTO missing_risk_history (episode_id, seq, at, actor_id, actor_name, from_level, to_level, rationale)
		SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ? FROM missing_risk_history WHERE episode_id = ?`,
		rc.EpisodeID, micros(rc.At), rc.ActorID, rc.ActorName, string(rc.From), string(rc.To), rc.Rationale, rc.EpisodeID)
	return err
}

// AddEpisodeUpdate stores a note of new information on an episode.
func (tx *Tx) AddEpisodeUpdate(u *hub.EpisodeUpdate) error {
	if u.ID == "" {
		u.ID = hub.NewID()
	}
	if u.At.IsZero() {
		u.At = tx.now
	}
	_, err := tx.exec(`INSERT INTO missing_updates (id, episode_id, at, actor_id, actor_name, source, body) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.EpisodeID, micros(u.At), u.ActorID, u.ActorName, u.Source, u.Text)
	return err
}

// PersonEpisodes returns a child's episodes, latest first, without their
// histories.
func (tx *Tx) PersonEpisodes(personID string) ([]*hub.MissingEpisode, error) {
	return tx.episodes(`SELECT `+episodeColumns+` FROM missing_episodes e JOIN persons p ON p.id = e.person_id WHERE e.person_id = ? ORDER BY e.last_seen_at DESC, e.id`, personID)
}

func (tx *Tx) episodes(q string, args ...any) ([]*hub.MissingEpisode, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.MissingEpisode
	for rows.Next() {
		e, err := scanEpisode(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// OverlappingEpisodes returns the child's episodes, other than exceptID,
// that share some time with [start, end); a zero end means still open, as
// does an episode with no return.
func (tx *Tx) OverlappingEpisodes(personID string, start, end time.Time, exceptID string) ([]*hub.MissingEpisode, error) {
	q := `SELECT ` + episodeColumns + ` FROM missing_episodes e JOIN persons p ON p.id = e.person_id
		WHERE e.person_id = ? AND e.id <> ? AND (e.returned_at = 0 OR e.returned_at > ?)`
	args := []any{personID, exceptID, micros(start)}
	if !end.IsZero() {
		q += ` AND e.last_seen_at < ?`
		args = append(args, micros(end))
	}
	return tx.episodes(q+` ORDER BY e.last_seen_at`, args...)
}

// CountPoliceEpisodes counts a child's police-recorded episodes (missing
// and away, not missing education) last seen within [since, until].
func (tx *Tx) CountPoliceEpisodes(personID string, since, until time.Time) (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM missing_episodes WHERE person_id = ? AND type <> ? AND last_seen_at >= ? AND last_seen_at <= ?`,
		personID, string(hub.EpisodeEducation), micros(since), micros(until)).Scan(&n)
	return n, tx.db.translate(err)
}

// LockPerson takes a row lock on a person for the rest of the transaction,
// so that two transactions checking the same child's episodes for overlap
// cannot both pass. SQLite's transactions already hold the database's
// write lock from BEGIN IMMEDIATE, so only PostgreSQL needs it:
//
//	PostgreSQL: SELECT id FROM persons WHERE id = $1 FOR UPDATE
//	SQLite:     (nothing)
func (tx *Tx) LockPerson(id string) error {
	if tx.db.engine != Postgres {
		return nil
	}
	var got string
	err := tx.queryRow(`SELECT id FROM persons WHERE id = ? FOR UPDATE`, id).Scan(&got)
	return notFound(tx.db.translate(err), "person")
}

// CasefileScope says whose casework records a list may return: those of
// persons in AreaIDs (restricted persons only when Restricted), plus those
// of persons in PersonIDs (a team the actor is on, a break-glass grant).
// The app builds it from the access policy.
type CasefileScope struct {
	AreaIDs    []string
	Restricted bool
	PersonIDs  []string
}

// sql returns the scope as a condition on persons p, with its arguments,
// or "" when the scope admits nothing.
func (s CasefileScope) sql() (string, []any) {
	var parts []string
	var args []any
	if len(s.AreaIDs) > 0 {
		c := `p.area_id IN (?` + strings.Repeat(`, ?`, len(s.AreaIDs)-1) + `)`
		if !s.Restricted {
			c = `(` + c + ` AND p.sensitivity = 'normal')`
		}
		parts = append(parts, c)
		for _, a := range s.AreaIDs {
			args = append(args, a)
		}
	}
	if len(s.PersonIDs) > 0 {
		parts = append(parts, `p.id IN (?`+strings.Repeat(`, ?`, len(s.PersonIDs)-1)+`)`)
		for _, id := range s.PersonIDs {
			args = append(args, id)
		}
	}
	if len(parts) == 0 {
		return "", nil
	}
	return `(` + strings.Join(parts, ` OR `) + `)`, args
}

// EpisodeFilter selects missing episodes.
type EpisodeFilter struct {
	Scope CasefileScope
	// AreaID narrows to one area, PersonID to one child (within the scope).
	AreaID   string
	PersonID string
	// Status: "open" still missing, "closed" returned, "" both.
	Status string
	Type   hub.EpisodeType
	// Since keeps episodes last seen at or after it.
	Since  time.Time
	Limit  int
	Offset int
}

// FindMissingEpisodes returns a page of episodes, latest first, and the
// total that match.
func (tx *Tx) FindMissingEpisodes(f EpisodeFilter) ([]*hub.MissingEpisode, int, error) {
	scope, args := f.Scope.sql()
	if scope == "" {
		return nil, 0, nil
	}
	where := []string{scope}
	if f.AreaID != "" {
		where = append(where, `p.area_id = ?`)
		args = append(args, f.AreaID)
	}
	if f.PersonID != "" {
		where = append(where, `e.person_id = ?`)
		args = append(args, f.PersonID)
	}
	switch f.Status {
	case "open":
		where = append(where, `e.returned_at = 0`)
	case "closed":
		where = append(where, `e.returned_at <> 0`)
	}
	if f.Type != "" {
		where = append(where, `e.type = ?`)
		args = append(args, string(f.Type))
	}
	if !f.Since.IsZero() {
		where = append(where, `e.last_seen_at >= ?`)
		args = append(args, micros(f.Since))
	}
	q := `SELECT ` + episodeColumns + `, COUNT(*) OVER () FROM missing_episodes e JOIN persons p ON p.id = e.person_id WHERE ` +
		strings.Join(where, ` AND `) + ` ORDER BY e.last_seen_at DESC, e.id` + limitOffset(f.Limit, f.Offset, 500)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.MissingEpisode
	total := 0
	for rows.Next() {
		e, err := scanEpisode(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// AreaManagers returns the enabled users holding role in area, for
// notifications that have no lead practitioner to go to.
func (tx *Tx) AreaManagers(areaID string, role hub.Role) ([]*hub.User, error) {
	// area_ids and roles are comma-separated lists; the candidates are few
	// (the users of an agency set), so they are filtered here.
	rows, err := tx.query(`SELECT `+userColumns+` FROM users WHERE disabled = ? AND roles LIKE ? AND area_ids LIKE ? ORDER BY username`,
		false, "%"+string(role)+"%", "%"+areaID+"%")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		if u.HasRole(role) && slices.Contains(u.AreaIDs, areaID) {
			out = append(out, u)
		}
	}
	return out, rows.Err()
}

// CreateMissingPrompt stores a repeat-missing prompt.
func (tx *Tx) CreateMissingPrompt(p *hub.MissingPrompt) error {
	if p.ID == "" {
		p.ID = hub.NewID()
	}
	p.Version, p.CreatedAt = 1, tx.now
	_, err := tx.exec(`INSERT INTO missing_prompts (id, person_id, episode_id, reason, high_risk, episodes, due_at, created_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.PersonID, p.EpisodeID, p.Reason, p.HighRisk, p.Episodes, micros(p.DueAt), micros(p.CreatedAt), p.Version)
	return err
}

const promptColumns = `m.id, m.person_id, p.area_id, p.given_name, p.family_name, m.episode_id, m.reason, m.high_risk, m.episodes, m.due_at, m.created_at,
	m.resolved_at, m.resolved_by, m.resolution, m.note, m.version`

func scanPrompt(s interface{ Scan(...any) error }) (*hub.MissingPrompt, error) {
	m := &hub.MissingPrompt{}
	var given, family string
	var due, c, r int64
	if err := s.Scan(&m.ID, &m.PersonID, &m.AreaID, &given, &family, &m.EpisodeID, &m.Reason, &m.HighRisk, &m.Episodes, &due, &c, &r, &m.ResolvedBy, &m.Resolution, &m.Note, &m.Version); err != nil {
		return nil, err
	}
	m.PersonName = (&hub.Person{GivenName: given, FamilyName: family}).Name()
	m.DueAt, m.CreatedAt, m.ResolvedAt = fromMicros(due), fromMicros(c), fromMicros(r)
	return m, nil
}

// MissingPrompt returns a prompt.
func (tx *Tx) MissingPrompt(id string) (*hub.MissingPrompt, error) {
	m, err := scanPrompt(tx.queryRow(`SELECT `+promptColumns+` FROM missing_prompts m JOIN persons p ON p.id = m.person_id WHERE m.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "repeat-missing prompt")
	}
	return m, nil
}

// PersonPrompts returns a child's prompts, newest first.
func (tx *Tx) PersonPrompts(personID string) ([]*hub.MissingPrompt, error) {
	return tx.prompts(`SELECT `+promptColumns+` FROM missing_prompts m JOIN persons p ON p.id = m.person_id WHERE m.person_id = ? ORDER BY m.created_at DESC, m.id`, personID)
}

// OpenMissingPrompts returns the open prompts of persons in scope, oldest
// due first.
func (tx *Tx) OpenMissingPrompts(s CasefileScope, limit int) ([]*hub.MissingPrompt, error) {
	scope, args := s.sql()
	if scope == "" {
		return nil, nil
	}
	return tx.prompts(`SELECT `+promptColumns+` FROM missing_prompts m JOIN persons p ON p.id = m.person_id WHERE m.resolved_at = 0 AND `+scope+
		` ORDER BY m.due_at, m.id`+limitOffset(limit, 0, 5000), args...)
}

func (tx *Tx) prompts(q string, args ...any) ([]*hub.MissingPrompt, error) {
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hub.MissingPrompt
	for rows.Next() {
		m, err := scanPrompt(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ResolveMissingPrompt closes a prompt if its version is current.
func (tx *Tx) ResolveMissingPrompt(m *hub.MissingPrompt) error {
	r, err := tx.exec(`UPDATE missing_prompts SET resolved_at = ?, resolved_by = ?, resolution = ?, note = ?, version = version + 1 WHERE id = ? AND version = ?`,
		micros(m.ResolvedAt), m.ResolvedBy, m.Resolution, m.Note, m.ID, m.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "missing_prompts", m.ID, "repeat-missing prompt"); err != nil {
		return err
	}
	m.Version++
	return nil
}

// PoliceEpisodesSince returns the police-recorded episodes (not missing
// education) of persons in scope last seen at or after since, by person and
// latest first, for applying the repeat-missing rule to loaded history.
func (tx *Tx) PoliceEpisodesSince(s CasefileScope, since time.Time) ([]*hub.MissingEpisode, error) {
	scope, args := s.sql()
	if scope == "" {
		return nil, nil
	}
	args = append(args, string(hub.EpisodeEducation), micros(since))
	return tx.episodes(`SELECT `+episodeColumns+` FROM missing_episodes e JOIN persons p ON p.id = e.person_id WHERE `+scope+
		` AND e.type <> ? AND e.last_seen_at >= ? ORDER BY e.person_id, e.last_seen_at DESC, e.id`, args...)
}

// PersonsCore returns the persons with the given ids, by id, without their
// names, addresses, phones and identifiers (for imports, which need only
// the area, sensitivity and date of birth). Unknown ids are left out.
func (tx *Tx) PersonsCore(ids []string) (map[string]*hub.Person, error) {
	out := make(map[string]*hub.Person, len(ids))
	for i := 0; i < len(ids); i += 500 {
		chunk := ids[i:min(len(ids), i+500)]
		args := make([]any, len(chunk))
		for j, id := range chunk {
			args[j] = id
		}
		rows, err := tx.query(`SELECT `+personColumns+` FROM persons p WHERE p.id IN (?`+strings.Repeat(`, ?`, len(chunk)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			p, err := scanPerson(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[p.ID] = p
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// EpisodesOf returns every episode of the given persons, without their
// histories, by last sighting.
func (tx *Tx) EpisodesOf(personIDs []string) ([]*hub.MissingEpisode, error) {
	var out []*hub.MissingEpisode
	for i := 0; i < len(personIDs); i += 500 {
		chunk := personIDs[i:min(len(personIDs), i+500)]
		args := make([]any, len(chunk))
		for j, id := range chunk {
			args[j] = id
		}
		es, err := tx.episodes(`SELECT `+episodeColumns+` FROM missing_episodes e JOIN persons p ON p.id = e.person_id WHERE e.person_id IN (?`+
			strings.Repeat(`, ?`, len(chunk)-1)+`) ORDER BY e.person_id, e.last_seen_at`, args...)
		if err != nil {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}
