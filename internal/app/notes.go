package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Case notes (issue 4, part B): contacts, visits, phone calls, management
// oversight, information received and case reviews, each with its kind, when
// it happened and who wrote it. Notes are never changed once written: a
// correction is a further note. Files are attached to notes
// (attachments.go).

// NoteInput is a case note as a form or API body gives it.
type NoteInput struct {
	Kind string
	// Date is YYYY-MM-DD and Time HH:MM, London time; an empty date means
	// now.
	Date string
	Time string
	Body string
}

// NoteMaxRunes is the configured limit on a note's length.
func (a *App) NoteMaxRunes() int { return a.caseConfig().NoteMaxRunes }

// AddNote writes a note on an active case.
func (a *App) AddNote(ctx context.Context, actor *access.Actor, caseID string, in NoteInput) (*hub.Note, error) {
	n := &hub.Note{Kind: hub.NoteKind(strings.TrimSpace(in.Kind)), Body: strings.TrimSpace(in.Body)}
	if !n.Kind.Valid() {
		return nil, hub.Invalid("kind", "choose the kind of note")
	}
	if strings.TrimSpace(in.Date) != "" {
		at, err := londonInstant("date", in.Date, "time", in.Time)
		if err != nil {
			return nil, err
		}
		n.At = at
	} else if strings.TrimSpace(in.Time) != "" {
		return nil, hub.Invalid("date", "give the date as well as the time")
	}
	// Check the size before reading the store: an oversized note is refused
	// however it arrives.
	if err := hub.ValidateNote("body", n.Body, a.caseConfig().NoteMaxRunes); err != nil {
		return nil, err
	}
	err := a.withCase(ctx, actor, access.CaseWrite, caseID, hub.ActCreate, "note", "", "case", func(tx *store.Tx, ca *caseAccess, e *hub.AuditEvent) error {
		c := ca.Case
		if !c.Status.Active() {
			return hub.Invalid("case", "the case is closed")
		}
		if n.At.IsZero() {
			n.At = tx.Now()
		}
		n.CaseID, n.AreaID, n.AuthorID, n.AuthorName, n.AgencyID = c.ID, c.AreaID, actor.ID, actor.Name, actor.AgencyID
		if u, err := tx.User(actor.ID); err == nil {
			n.AuthorName = u.DisplayName
		}
		if err := n.Validate(tx.Now(), a.caseConfig().NoteMaxRunes); err != nil {
			return err
		}
		if err := tx.CreateNotes(n); err != nil {
			return err
		}
		e.ObjectID, e.Detail = n.ID, fmt.Sprintf("%s note on case %s", n.Kind, c.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// NoteView is a note as its page shows it.
type NoteView struct {
	Note        *hub.Note
	Case        *hub.Case
	SubjectName string
	AgencyName  string
	// CanAttach is set when the actor may attach files to it.
	CanAttach bool
	// MaxBytes is the attachment size limit.
	MaxBytes int64
}

// ViewNote returns a note with its attachments, auditing the view.
func (a *App) ViewNote(ctx context.Context, actor *access.Actor, id string) (*NoteView, error) {
	var v *NoteView
	err := a.withNote(ctx, actor, id, hub.ActView, access.CaseRead, func(tx *store.Tx, ca *caseAccess, n *hub.Note, e *hub.AuditEvent) error {
		v = &NoteView{Note: n, Case: ca.Case, SubjectName: ca.Subject.Name, MaxBytes: a.caseConfig().AttachmentMaxBytes}
		if ag, err := tx.Agency(n.AgencyID); err == nil {
			v.AgencyName = ag.Name
		}
		v.CanAttach = a.caseConfig().AttachmentDir != "" && ca.Case.Status.Active() && a.decide(tx, actor, access.CaseWrite, caseRecord(ca.Case, ca.Subject)).Allow
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// withNote loads a note and decides act on its case, in one transaction
// with one audit event (objectType "note"). A note the actor may not see is
// not found, and the refusal is audited.
func (a *App) withNote(ctx context.Context, actor *access.Actor, id, action string, act access.Action, fn func(tx *store.Tx, ca *caseAccess, n *hub.Note, e *hub.AuditEvent) error) error {
	if err := require(actor, act); err != nil {
		return err
	}
	if !hub.ValidID(id) {
		return hub.NotFound("note")
	}
	denied := false
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		n, err := tx.Note(id)
		if errors.Is(err, hub.ErrNotFound) {
			denied = true
			e := event(ctx, actor, action, "note", id)
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		ca, err := a.casePartFor(tx, actor, act, n.CaseID, hub.PartNotes)
		if err != nil {
			return err
		}
		e := caseEvent(ctx, actor, action, "note", id, ca.Subject)
		if !ca.Decision.Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, ca.Decision.Reason
			return tx.AppendAudit(e)
		}
		markShare(e, ca.Decision)
		if err := fn(tx, ca, n, e); err != nil {
			return err
		}
		return tx.AppendAudit(e)
	})
	if err != nil {
		return err
	}
	if denied {
		return hub.NotFound("note")
	}
	return nil
}

// noteTitle is a note's first line, shortened, for lists and chronologies.
func noteTitle(n *hub.Note) string {
	line, _, _ := strings.Cut(n.Body, "\n")
	return clip(strings.TrimSpace(line), 120)
}
