package demo

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
)

// Partnership is the demo's areas and agencies, by DfE LA code and by name.
type Partnership struct {
	AreaIDs   map[string]string // "855" → id
	AgencyIDs map[string]string // name → id
}

// EnsurePartnership creates the demo areas and agencies that do not exist
// yet and returns the ids of all of them.
func EnsurePartnership(ctx context.Context, a *app.App) (*Partnership, error) {
	admin := app.System("demo-seed")
	p := &Partnership{AreaIDs: map[string]string{}, AgencyIDs: map[string]string{}}
	areas, err := a.Areas(ctx)
	if err != nil {
		return nil, err
	}
	for _, ar := range areas {
		p.AreaIDs[ar.Code] = ar.ID
	}
	for _, ar := range Areas {
		if p.AreaIDs[ar.Code] != "" {
			continue
		}
		ar := ar
		if err := a.CreateArea(ctx, admin, &ar); err != nil {
			return nil, fmt.Errorf("area %s: %w", ar.Name, err)
		}
		p.AreaIDs[ar.Code] = ar.ID
	}
	ags, err := a.Agencies(ctx)
	if err != nil {
		return nil, err
	}
	for _, ag := range ags {
		p.AgencyIDs[ag.Name] = ag.ID
	}
	for _, ag := range Agencies {
		if p.AgencyIDs[ag.Name] != "" {
			continue
		}
		ag := ag
		if err := a.CreateAgency(ctx, admin, &ag); err != nil {
			return nil, fmt.Errorf("agency %s: %w", ag.Name, err)
		}
		p.AgencyIDs[ag.Name] = ag.ID
	}
	return p, nil
}

// Opener opens one of the synthetic partnership's files by name
// ("truth_persons.csv").
type Opener func(name string) (io.ReadCloser, error)

// importBatch is how many persons one import transaction holds.
const importBatch = 1000

// Loaded is what LoadPersons loaded: how many persons, and the hub
// identifier of each synthetic person by truth id ("P00000123").
type Loaded struct {
	Persons int
	IDs     map[string]string
}

// featureLoaders load a feature's synthetic records (missing episodes,
// referrals, flags …) after the persons, through that feature's own import
// use cases. Feature files add theirs in init functions.
var featureLoaders []func(ctx context.Context, a *app.App, p *Partnership, open Opener, loaded *Loaded) error

// LoadPartnership loads the persons and then every feature's records.
func LoadPartnership(ctx context.Context, a *app.App, p *Partnership, open Opener, progress func(done int)) (*Loaded, error) {
	loaded, err := LoadPersons(ctx, a, p, open, progress)
	if err != nil {
		return loaded, err
	}
	for _, load := range featureLoaders {
		if err := load(ctx, a, p, open, loaded); err != nil {
			return loaded, err
		}
	}
	return loaded, nil
}

// LoadPersons imports the synthetic people known to at least one partner
// agency (those in truth_extract_records.csv) through the same import use
// case partner imports use, in batches. The importer is the hub's social
// care agency working in every demo area. People living outside Leicester,
// Leicestershire and Rutland (county line holders from exporting areas) are
// held by Leicestershire, where the lines run. It returns how many persons
// it created; progress, if set, is called after each batch.
func LoadPersons(ctx context.Context, a *app.App, p *Partnership, open Opener, progress func(done int)) (*Loaded, error) {
	loaded := &Loaded{IDs: map[string]string{}}
	known := map[string]bool{}
	laIDs := map[string]string{}
	err := readCSV(open, "truth_extract_records.csv", func(row map[string]string) error {
		known[row["person_id"]] = true
		if row["agency"] == "social_care" && row["duplicate"] == "false" {
			laIDs[row["person_id"]] = row["record_id"]
		}
		return nil
	})
	if err != nil {
		return loaded, err
	}
	var areas []string
	for _, id := range p.AreaIDs {
		areas = append(areas, id)
	}
	owner := p.AgencyIDs[Agencies[1].Name]
	if owner == "" {
		return loaded, errors.New("the demo partnership has no social care agency")
	}
	importer := &access.Actor{Name: "synth-load", AgencyID: owner, Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: areas}
	var batch []app.PersonInput
	var truthIDs []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		rep, err := a.ImportPersons(ctx, importer, "synthetic partnership", batch)
		if err != nil {
			return err
		}
		if len(rep.Refused) > 0 {
			r := rep.Refused[0]
			return fmt.Errorf("synthetic person refused at batch row %d (%d refused in the batch): %w", r.Row, len(rep.Refused), r.Err)
		}
		for i, id := range rep.IDs {
			loaded.IDs[truthIDs[i]] = id
		}
		loaded.Persons += rep.Created
		batch, truthIDs = batch[:0], truthIDs[:0]
		if progress != nil {
			progress(loaded.Persons)
		}
		return nil
	}
	err = readCSV(open, "truth_persons.csv", func(row map[string]string) error {
		if !known[row["person_id"]] {
			return nil
		}
		area := p.AreaIDs[row["area_code"]]
		if area == "" {
			area = p.AreaIDs["855"]
		}
		in := app.PersonInput{
			AreaID:      area,
			GivenName:   row["given_name"],
			FamilyName:  row["family_name"],
			DateOfBirth: row["date_of_birth"],
			Sex:         row["sex"],
			Ethnicity:   row["ethnicity"],
			Language:    row["language"],
			NHSNumber:   row["nhs_number"],
			UPN:         row["upn"],
			PNC:         row["pnc_id"],
			LocalID:     laIDs[row["person_id"]],
			Synthetic:   true,
		}
		if al := row["alias"]; al != "" {
			in.Aliases = []app.AliasInput{{GivenName: al, Kind: "street"}}
		}
		if row["address_line"] != "" || row["postcode"] != "" {
			in.Addresses = append(in.Addresses, app.AddressInput{Line1: row["address_line"], Town: row["town"], Postcode: row["postcode"], From: row["address_from"]})
		}
		if row["previous_address_line"] != "" {
			in.Addresses = append(in.Addresses, app.AddressInput{Line1: row["previous_address_line"], Town: row["previous_town"], Postcode: row["previous_postcode"], To: row["address_from"]})
		}
		if row["phone"] != "" {
			in.Phones = []app.PhoneInput{{Number: row["phone"], Kind: row["phone_kind"]}}
		}
		batch = append(batch, in)
		truthIDs = append(truthIDs, row["person_id"])
		if len(batch) >= importBatch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return loaded, err
	}
	if err := flush(); err != nil {
		return loaded, err
	}
	// Fresh statistics, so searches over the new records plan well.
	return loaded, a.DB().Optimize(ctx)
}

// ReadCSV calls fn with each row of a synthetic file as a map from column
// name to value (feature loaders use it too).
func ReadCSV(open Opener, name string, fn func(map[string]string) error) error {
	return readCSV(open, name, fn)
}

// readCSV calls fn with each row of a synthetic file as a map from column
// name to value.
func readCSV(open Opener, name string, fn func(map[string]string) error) error {
	f, err := open(name)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: read header: %w", name, err)
	}
	header = append([]string(nil), header...)
	row := make(map[string]string, len(header))
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for i, h := range header {
			row[h] = strings.Clone(rec[i])
		}
		if err := fn(row); err != nil {
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
	}
}
