package store

import (
	"github.com/safehub/safehub/internal/hub"
)

// Attachments to case notes (issue 4, part B): the rows describing them.
// The files live in the attachment directory under StoredName; the app
// writes and reads them.

const attachmentColumns = `id, note_id, case_id, area_id, name, content_type, size, sha256, stored_name, uploaded_by, created_at`

func scanAttachment(s interface{ Scan(...any) error }) (*hub.Attachment, error) {
	at := &hub.Attachment{}
	var c int64
	if err := s.Scan(&at.ID, &at.NoteID, &at.CaseID, &at.AreaID, &at.Name, &at.ContentType, &at.Size, &at.SHA256, &at.StoredName, &at.UploadedBy, &c); err != nil {
		return nil, err
	}
	at.CreatedAt = fromMicros(c)
	return at, nil
}

// CreateAttachment inserts an attachment's row, setting its creation time
// (the app sets the ID, which names the stored file).
func (tx *Tx) CreateAttachment(at *hub.Attachment) error {
	if at.ID == "" {
		at.ID = hub.NewID()
	}
	at.CreatedAt = tx.now
	_, err := tx.exec(`INSERT INTO attachments (`+attachmentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		at.ID, at.NoteID, at.CaseID, at.AreaID, at.Name, at.ContentType, at.Size, at.SHA256, at.StoredName, at.UploadedBy, micros(at.CreatedAt))
	return err
}

// Attachment returns the attachment with the given id.
func (tx *Tx) Attachment(id string) (*hub.Attachment, error) {
	at, err := scanAttachment(tx.queryRow(`SELECT `+attachmentColumns+` FROM attachments WHERE id = ?`, id))
	return at, notFound(tx.db.translate(err), "attachment")
}

// CountAttachments returns the number of attachments.
func (tx *Tx) CountAttachments() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM attachments`).Scan(&n)
	return n, tx.db.translate(err)
}

func (tx *Tx) loadAttachments(ns []*hub.Note) error {
	if len(ns) == 0 {
		return nil
	}
	byID := make(map[string]*hub.Note, len(ns))
	for _, n := range ns {
		byID[n.ID] = n
	}
	ids := make([]any, 0, len(ns))
	for id := range byID {
		ids = append(ids, id)
	}
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(len(ids), start+500)]
		rows, err := tx.query(`SELECT `+attachmentColumns+` FROM attachments WHERE note_id IN (?`+repeatPlaceholders(len(chunk)-1)+`) ORDER BY note_id, created_at, id`, chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			at, err := scanAttachment(rows)
			if err != nil {
				rows.Close()
				return err
			}
			byID[at.NoteID].Attachments = append(byID[at.NoteID].Attachments, at)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
