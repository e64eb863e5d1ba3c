package store

import (
	"github.com/safehub/safehub/internal/hub"
)

// Meetings about cases (issue 4, part B) and who attended them.

const meetingColumns = `m.id, m.case_id, m.area_id, m.kind, m.held_at, m.decisions, m.s47, m.created_by, m.created_at`

func scanMeeting(s interface{ Scan(...any) error }) (*hub.Meeting, error) {
	m := &hub.Meeting{}
	var kind string
	var held, c int64
	if err := s.Scan(&m.ID, &m.CaseID, &m.AreaID, &kind, &held, &m.Decisions, &m.S47, &m.CreatedBy, &c); err != nil {
		return nil, err
	}
	m.Kind, m.HeldAt, m.CreatedAt = hub.MeetingKind(kind), fromMicros(held), fromMicros(c)
	return m, nil
}

// CreateMeetings inserts meetings with their attendees, setting IDs and
// times. The actions a meeting agreed are plan actions naming it.
func (tx *Tx) CreateMeetings(ms ...*hub.Meeting) error {
	rows := make([][]any, 0, len(ms))
	var attendees [][]any
	for _, m := range ms {
		if m.ID == "" {
			m.ID = hub.NewID()
		}
		m.CreatedAt = tx.now
		rows = append(rows, []any{m.ID, m.CaseID, m.AreaID, string(m.Kind), micros(m.HeldAt), m.Decisions, m.S47, m.CreatedBy, micros(m.CreatedAt)})
		for i, at := range m.Attendees {
			attendees = append(attendees, []any{m.ID, i, at.UserID, at.Name, at.Agency, at.Role})
		}
	}
	if err := tx.insertRows(`INSERT INTO meetings (id, case_id, area_id, kind, held_at, decisions, s47, created_by, created_at) VALUES `, rows); err != nil {
		return err
	}
	return tx.insertRows(`INSERT INTO meeting_attendees (meeting_id, seq, user_id, name, agency, role) VALUES `, attendees)
}

// Meeting returns the meeting with the given id, with its attendees and the
// ids of the actions it agreed.
func (tx *Tx) Meeting(id string) (*hub.Meeting, error) {
	m, err := scanMeeting(tx.queryRow(`SELECT `+meetingColumns+` FROM meetings m WHERE m.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "meeting")
	}
	if err := tx.loadMeetingParts([]*hub.Meeting{m}); err != nil {
		return nil, err
	}
	return m, nil
}

// CaseMeetings returns a case's meetings, oldest first, with attendees.
func (tx *Tx) CaseMeetings(caseID string) ([]*hub.Meeting, error) {
	return tx.findMeetings(`m.case_id = ?`, caseID)
}

// SubjectMeetings returns the meetings of every case whose subject is the
// given one, oldest first, with attendees.
func (tx *Tx) SubjectMeetings(s hub.Subject) ([]*hub.Meeting, error) {
	return tx.findMeetings(`m.case_id IN (SELECT id FROM cases WHERE subject_kind = ? AND subject_id = ?)`, string(s.Kind), s.ID)
}

func (tx *Tx) findMeetings(where string, args ...any) ([]*hub.Meeting, error) {
	rows, err := tx.query(`SELECT `+meetingColumns+` FROM meetings m WHERE `+where+` ORDER BY m.held_at, m.id`, args...)
	if err != nil {
		return nil, err
	}
	var out []*hub.Meeting
	for rows.Next() {
		m, err := scanMeeting(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, m)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, err
	}
	return out, tx.loadMeetingParts(out)
}

func (tx *Tx) loadMeetingParts(ms []*hub.Meeting) error {
	if len(ms) == 0 {
		return nil
	}
	byID := make(map[string]*hub.Meeting, len(ms))
	args := make([]any, len(ms))
	for i, m := range ms {
		byID[m.ID] = m
		args[i] = m.ID
	}
	in := `(?` + repeatPlaceholders(len(ms)-1) + `)`
	rows, err := tx.query(`SELECT meeting_id, user_id, name, agency, role FROM meeting_attendees WHERE meeting_id IN `+in+` ORDER BY meeting_id, seq`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var at hub.Attendee
		if err := rows.Scan(&id, &at.UserID, &at.Name, &at.Agency, &at.Role); err != nil {
			rows.Close()
			return err
		}
		byID[id].Attendees = append(byID[id].Attendees, at)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return err
	}
	rows, err = tx.query(`SELECT meeting_id, id FROM plan_actions WHERE meeting_id IN `+in+` ORDER BY meeting_id, created_at, id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var mid, aid string
		if err := rows.Scan(&mid, &aid); err != nil {
			return err
		}
		byID[mid].ActionIDs = append(byID[mid].ActionIDs, aid)
	}
	return rows.Err()
}
