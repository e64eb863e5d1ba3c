package app

import (
	"context"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// MaxImportBatch bounds one ImportPersons call.
const MaxImportBatch = 5000

// ImportError is a refused row of an import: its position in the batch
// (from 0) and why.
type ImportError struct {
	Row int
	Err error
}

// ImportReport says what an import did.
type ImportReport struct {
	Created int
	// IDs are the new records' identifiers, in the order of the rows.
	IDs []string
	// Refused lists the rows refused, with reasons. When any row is refused
	// nothing is written (the whole batch is one transaction).
	Refused []ImportError
}

// ImportPersons creates a batch of person records for a partner import or
// a synthetic load, all-or-nothing: every row is normalised and validated
// first and, if any is refused, the report lists every refusal and nothing
// is written. Otherwise the batch is one transaction with one audit event
// per record created (detail names the source). The actor needs
// PersonCreate and every record must be in one of its areas.
func (a *App) ImportPersons(ctx context.Context, actor *access.Actor, source string, rows []PersonInput) (*ImportReport, error) {
	if err := require(actor, access.PersonCreate); err != nil {
		return nil, err
	}
	if len(rows) > MaxImportBatch {
		return nil, hub.Invalid("rows", "a batch holds at most %d records; split the import", MaxImportBatch)
	}
	if err := hub.ValidateText("source", source, 1, 200); err != nil {
		return nil, err
	}
	today := a.Today()
	rep := &ImportReport{}
	persons := make([]*hub.Person, 0, len(rows))
	for i, in := range rows {
		p, err := NormalizePerson(in, today)
		if err == nil {
			p.OwnerAgencyID, p.CreatedBy = actor.AgencyID, actor.ID
			err = p.Validate(today)
		}
		if err == nil && !actor.InArea(p.AreaID) {
			err = hub.Invalid("area_id", "is not one of the importer's areas")
		}
		if err != nil {
			rep.Refused = append(rep.Refused, ImportError{Row: i, Err: err})
			continue
		}
		persons = append(persons, p)
	}
	if len(rep.Refused) > 0 {
		return rep, nil
	}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreatePersons(persons); err != nil {
			return err
		}
		for _, p := range persons {
			e := event(ctx, actor, hub.ActCreate, "person", p.ID)
			e.SubjectID, e.Detail = p.ID, "import: "+source
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Created = len(persons)
	for _, p := range persons {
		rep.IDs = append(rep.IDs, p.ID)
	}
	return rep, nil
}
