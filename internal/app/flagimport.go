package app

import (
	"context"
	"errors"
	"strings"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// errFlagsRefused rolls back an import whose rows were refused inside its
// transaction.
var errFlagsRefused = errors.New("flag import refused")

// FlagImport is one flag of an import: the child, the flag as typed, and,
// for a flag that has already ended, its status, end date and reason.
type FlagImport struct {
	PersonID string
	FlagInput
	// Status is "active" (or empty) or "inactive".
	Status    string
	End       string
	EndReason string
}

// ImportFlags creates a batch of flags (a partner's flag register, or the
// synthetic partnership's), all-or-nothing: every row is normalised and
// checked, and if any is refused the report lists every refusal and
// nothing is written. Otherwise the batch is one transaction with one
// audit event per flag created (detail names the source) and one history
// row each ("import"). The actor needs FlagWrite on each child. Unlike
// SetFlag, a row may carry a review date already past (the flag is then
// overdue for review) and an empty lead practitioner.
func (a *App) ImportFlags(ctx context.Context, actor *access.Actor, source string, rows []FlagImport) (*ImportReport, error) {
	if err := require(actor, access.FlagWrite); err != nil {
		return nil, err
	}
	if len(rows) > MaxImportBatch {
		return nil, hub.Invalid("rows", "a batch holds at most %d records; split the import", MaxImportBatch)
	}
	if err := hub.ValidateText("source", source, 1, 200); err != nil {
		return nil, err
	}
	today := a.Today()
	cfg := a.flagConfig()
	rep := &ImportReport{}
	flags := make([]*hub.Flag, len(rows))
	for i, in := range rows {
		f, err := NormalizeFlag(in.FlagInput, cfg, today)
		if err == nil {
			err = flagImportStatus(f, in, today)
		}
		if err == nil && !hub.ValidID(in.PersonID) {
			err = hub.Invalid("person_id", "is not a record identifier")
		}
		if err != nil {
			rep.Refused = append(rep.Refused, ImportError{Row: i, Err: err})
			continue
		}
		flags[i] = f
	}
	if len(rep.Refused) > 0 {
		return rep, nil
	}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		leads := map[string]error{}
		active := map[string]bool{} // person/category pairs active in the batch
		for i, f := range flags {
			if err := a.checkFlagImportRow(tx, actor, f, rows[i].PersonID, leads, active); err != nil {
				if hub.ErrorCode(err) != hub.EInvalid {
					return err
				}
				rep.Refused = append(rep.Refused, ImportError{Row: i, Err: err})
			}
		}
		if len(rep.Refused) > 0 {
			return errFlagsRefused
		}
		// One history row each, by the importer.
		if err := tx.CreateFlags(flags, flagEdit(tx, actor, hub.FlagActImport, "import: "+source)); err != nil {
			return err
		}
		for _, f := range flags {
			e := event(ctx, actor, hub.ActCreate, "flag", f.ID)
			e.SubjectID, e.Detail = f.PersonID, "import: "+source
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errFlagsRefused) {
		return rep, nil
	}
	if err != nil {
		return nil, err
	}
	rep.Created = len(flags)
	for _, f := range flags {
		rep.IDs = append(rep.IDs, f.ID)
	}
	return rep, nil
}

// flagImportStatus applies an imported row's status and end.
func flagImportStatus(f *hub.Flag, in FlagImport, today hub.Date) error {
	switch strings.TrimSpace(in.Status) {
	case "", string(hub.FlagActive):
		if strings.TrimSpace(in.End) != "" {
			return hub.Invalid("end_date", "must be empty for an active flag")
		}
		return nil
	case string(hub.FlagInactive):
	default:
		return hub.Invalid("status", "must be active or inactive")
	}
	end, err := hub.ParseDate("end_date", strings.TrimSpace(in.End))
	if err != nil {
		return err
	}
	if end.After(today) {
		return hub.Invalid("end_date", "is in the future")
	}
	f.Status, f.End = hub.FlagInactive, end
	f.EndReason = strings.TrimSpace(in.EndReason)
	if f.EndReason == "" {
		f.EndReason = "ended before import"
	}
	return flagField(f.Validate())
}

// checkFlagImportRow checks what an imported flag needs from the database: the
// child exists, the actor may change their flags, they were a child on the
// start date, the lead practitioner (if any) may lead, and no other active
// flag of the category exists (in the database or earlier in the batch).
func (a *App) checkFlagImportRow(tx *store.Tx, actor *access.Actor, f *hub.Flag, personID string, leads map[string]error, active map[string]bool) error {
	p, err := tx.Person(personID)
	if hub.ErrorCode(err) == hub.ENotFound {
		return hub.Invalid("person_id", "is not a person the importer may flag")
	}
	if err != nil {
		return err
	}
	if !a.flagDecision(tx, actor, access.FlagWrite, p).Allow {
		return hub.Invalid("person_id", "is not a person the importer may flag")
	}
	if err := checkFlagChild(p, f.Start); err != nil {
		return err
	}
	if f.LeadUserID != "" {
		key := f.LeadUserID + "/" + p.AreaID
		err, ok := leads[key]
		if !ok {
			err = checkFlagLead(tx, f.LeadUserID, p)
			leads[key] = err
		}
		if err != nil {
			return err
		}
	}
	if f.Status == hub.FlagActive {
		key := p.ID + "/" + string(f.Category)
		if active[key] {
			return hub.Invalid("category", "this child already has an active %s flag earlier in the import", f.Category.Label())
		}
		if err := checkOneActiveFlag(tx, p.ID, f.Category, ""); err != nil {
			return err
		}
		active[key] = true
	}
	f.PersonID, f.AreaID, f.OwnerAgencyID, f.CreatedBy = p.ID, p.AreaID, p.OwnerAgencyID, actor.ID
	return nil
}
