package store

import (
	"github.com/safehub/safehub/internal/hub"
)

// Case notes (issue 4, part B). Notes are written once and never changed.

const noteColumns = `n.id, n.case_id, n.area_id, n.kind, n.at, n.body, n.author_id, n.author_name, n.agency_id, n.created_at`

func scanNote(s interface{ Scan(...any) error }) (*hub.Note, error) {
	n := &hub.Note{}
	var kind string
	var at, c int64
	if err := s.Scan(&n.ID, &n.CaseID, &n.AreaID, &kind, &at, &n.Body, &n.AuthorID, &n.AuthorName, &n.AgencyID, &c); err != nil {
		return nil, err
	}
	n.Kind, n.At, n.CreatedAt = hub.NoteKind(kind), fromMicros(at), fromMicros(c)
	return n, nil
}

// CreateNotes inserts case notes, setting IDs and creation times.
func (tx *Tx) CreateNotes(ns ...*hub.Note) error {
	rows := make([][]any, 0, len(ns))
	for _, n := range ns {
		if n.ID == "" {
			n.ID = hub.NewID()
		}
		n.CreatedAt = tx.now
		rows = append(rows, []any{n.ID, n.CaseID, n.AreaID, string(n.Kind), micros(n.At), n.Body, n.AuthorID, n.AuthorName, n.AgencyID, micros(n.CreatedAt)})
	}
	return tx.insertRows(`INSERT INTO case_notes (id, case_id, area_id, kind, at, body, author_id, author_name, agency_id, created_at) VALUES `, rows)
}

// Note returns the note with the given id, with its attachments.
func (tx *Tx) Note(id string) (*hub.Note, error) {
	n, err := scanNote(tx.queryRow(`SELECT `+noteColumns+` FROM case_notes n WHERE n.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "note")
	}
	if err := tx.loadAttachments([]*hub.Note{n}); err != nil {
		return nil, err
	}
	return n, nil
}

// CaseNotes returns a case's notes, newest first, with their attachments.
func (tx *Tx) CaseNotes(caseID string) ([]*hub.Note, error) {
	return tx.findNotes(`n.case_id = ? ORDER BY n.at DESC, n.id`, caseID)
}

// SubjectNotes returns the notes of every case whose subject is the given
// one, oldest first, with their attachments.
func (tx *Tx) SubjectNotes(s hub.Subject) ([]*hub.Note, error) {
	return tx.findNotes(`n.case_id IN (SELECT id FROM cases WHERE subject_kind = ? AND subject_id = ?) ORDER BY n.at, n.id`, string(s.Kind), s.ID)
}

func (tx *Tx) findNotes(where string, args ...any) ([]*hub.Note, error) {
	rows, err := tx.query(`SELECT `+noteColumns+` FROM case_notes n WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []*hub.Note
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, n)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, err
	}
	return out, tx.loadAttachments(out)
}

// CountNotes returns the number of case notes.
func (tx *Tx) CountNotes() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM case_notes`).Scan(&n)
	return n, tx.db.translate(err)
}
