package store

import (
	"fmt"
	"sort"
	"strings"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
)

const personColumns = `p.id, p.area_id, p.owner_agency_id, p.given_name, p.family_name, p.date_of_birth, p.dob_estimated, p.sex, p.gender, p.ethnicity, p.language, p.sensitivity, p.synthetic, p.created_by, p.version, p.created_at, p.updated_at`

func scanPerson(s interface{ Scan(...any) error }, extra ...any) (*hub.Person, error) {
	p := &hub.Person{}
	var dob, sex, sens string
	var c, u int64
	dest := []any{&p.ID, &p.AreaID, &p.OwnerAgencyID, &p.GivenName, &p.FamilyName, &dob, &p.DOBEstimated, &sex, &p.Gender, &p.Ethnicity, &p.Language, &sens, &p.Synthetic, &p.CreatedBy, &p.Version, &c, &u}
	if err := s.Scan(append(dest, extra...)...); err != nil {
		return nil, err
	}
	p.DateOfBirth = parseDateText(dob)
	p.Sex, p.Sensitivity = hub.Sex(sex), hub.Sensitivity(sens)
	p.CreatedAt, p.UpdatedAt = fromMicros(c), fromMicros(u)
	return p, nil
}

// CreatePerson inserts a person with their names, addresses, phones and
// identifiers. An identifier already held by another person gives a conflict
// naming the identifier.
func (tx *Tx) CreatePerson(p *hub.Person) error { return tx.CreatePersons([]*hub.Person{p}) }

// CreatePersons inserts a batch of persons with multi-row statements (one
// per table per few hundred rows), for imports. It sets each person's ID (if
// empty), version and times.
func (tx *Tx) CreatePersons(ps []*hub.Person) error {
	rows := make([][]any, 0, len(ps))
	for _, p := range ps {
		if p.ID == "" {
			p.ID = hub.NewID()
		}
		p.Version, p.CreatedAt, p.UpdatedAt = 1, tx.now, tx.now
		rows = append(rows, []any{p.ID, p.AreaID, p.OwnerAgencyID, p.GivenName, p.FamilyName, dateText(p.DateOfBirth), p.DOBEstimated, string(p.Sex), p.Gender, p.Ethnicity, p.Language,
			string(p.Sensitivity), p.Synthetic, p.CreatedBy, p.Version, micros(p.CreatedAt), micros(p.UpdatedAt)})
	}
	if err := tx.insertRows(`INSERT INTO persons (id, area_id, owner_agency_id, given_name, family_name, date_of_birth, dob_estimated, sex, gender, ethnicity, language, sensitivity, synthetic, created_by, version, created_at, updated_at) VALUES `, rows); err != nil {
		return err
	}
	return tx.insertPersonParts(ps)
}

// insertRows runs a multi-row INSERT (prefix ends with "VALUES ") for rows,
// in chunks that keep the parameter count well inside both engines' limits.
func (tx *Tx) insertRows(prefix string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	cols := len(rows[0])
	per := max(1, 4000/cols)
	for i := 0; i < len(rows); i += per {
		chunk := rows[i:min(len(rows), i+per)]
		args := make([]any, 0, len(chunk)*cols)
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.exec(prefix+valuesList(len(chunk), cols), args...); err != nil {
			return err
		}
	}
	return nil
}

// UpdatePerson replaces every field and part of p if p.Version is current,
// and increments the version. A stale version gives hub.ErrConflict.
func (tx *Tx) UpdatePerson(p *hub.Person) error {
	r, err := tx.exec(`UPDATE persons SET area_id = ?, owner_agency_id = ?, given_name = ?, family_name = ?, date_of_birth = ?, dob_estimated = ?, sex = ?, gender = ?, ethnicity = ?, language = ?, sensitivity = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
		p.AreaID, p.OwnerAgencyID, p.GivenName, p.FamilyName, dateText(p.DateOfBirth), p.DOBEstimated, string(p.Sex), p.Gender, p.Ethnicity, p.Language, string(p.Sensitivity),
		micros(tx.now), p.ID, p.Version)
	if err != nil {
		return err
	}
	if err := tx.checkVersioned(r, "persons", p.ID, "person"); err != nil {
		return err
	}
	for _, t := range []string{"person_names", "person_name_keys", "person_addresses", "person_phones", "person_identifiers"} {
		// t is one of five fixed table names.
		if _, err := tx.exec(`DELETE FROM `+t+` WHERE person_id = ?`, p.ID); err != nil {
			return err
		}
	}
	if err := tx.insertPersonParts([]*hub.Person{p}); err != nil {
		return err
	}
	p.Version++
	p.UpdatedAt = tx.now
	return nil
}

func (tx *Tx) insertPersonParts(ps []*hub.Person) error {
	var names, keys, addrs, phones, idents [][]any
	for _, p := range ps {
		all := append([]hub.Alias{{GivenName: p.GivenName, FamilyName: p.FamilyName, Kind: "name"}}, p.Aliases...)
		seen := map[string]bool{}
		for i, n := range all {
			names = append(names, []any{p.ID, i, n.Kind, n.GivenName, n.FamilyName})
			for _, k := range NameKeys(n.GivenName, n.FamilyName) {
				seen[k] = true
			}
		}
		for _, k := range sortedKeys(seen) {
			keys = append(keys, []any{p.ID, k, p.AreaID, p.Sensitivity == hub.SensitivityRestricted})
		}
		for i, a := range p.Addresses {
			addrs = append(addrs, []any{p.ID, i, a.Line1, a.Line2, a.Town, a.Postcode, dateText(a.From), dateText(a.To)})
		}
		for i, ph := range p.Phones {
			phones = append(phones, []any{p.ID, i, ph.Number, ph.Kind, dateText(ph.From), dateText(ph.To)})
		}
		for _, id := range p.Identifiers {
			idents = append(idents, []any{p.ID, string(id.Kind), id.Value})
		}
	}
	if err := tx.insertRows(`INSERT INTO person_names (person_id, seq, kind, given_name, family_name) VALUES `, names); err != nil {
		return err
	}
	if err := tx.insertRows(`INSERT INTO person_name_keys (person_id, name_key, area_id, restricted) VALUES `, keys); err != nil {
		return err
	}
	if err := tx.insertRows(`INSERT INTO person_addresses (person_id, seq, line1, line2, town, postcode, from_date, to_date) VALUES `, addrs); err != nil {
		return err
	}
	if err := tx.insertRows(`INSERT INTO person_phones (person_id, seq, number, kind, from_date, to_date) VALUES `, phones); err != nil {
		return err
	}
	err := tx.insertRows(`INSERT INTO person_identifiers (person_id, kind, value) VALUES `, idents)
	if hub.ErrorCode(err) == hub.EConflict {
		return tx.identifierConflict(ps)
	}
	return err
}

// identifierConflict finds which identifier of ps is already held (by
// another person, or twice within the batch) and says so, naming it. The
// transaction is already failed on PostgreSQL, so it looks at the batch
// and at what was committed before it, through a fresh read.
func (tx *Tx) identifierConflict(ps []*hub.Person) error {
	seen := map[hub.Identifier]bool{}
	for _, p := range ps {
		for _, id := range p.Identifiers {
			if seen[id] {
				return identConflict(id.Kind)
			}
			seen[id] = true
		}
	}
	for _, p := range ps {
		for _, id := range p.Identifiers {
			var n int
			err := tx.db.db.QueryRowContext(tx.ctx, tx.db.rebind(`SELECT COUNT(*) FROM person_identifiers WHERE kind = ? AND value = ? AND person_id <> ?`), string(id.Kind), id.Value, p.ID).Scan(&n)
			if err == nil && n > 0 {
				return identConflict(id.Kind)
			}
		}
	}
	return hub.Errorf(hub.EConflict, "another person record already has one of these identifiers; search for it before creating a new record")
}

func identConflict(k hub.IdentifierKind) error {
	return &hub.Error{Code: hub.EConflict, Field: "identifiers." + string(k),
		Message: fmt.Sprintf("another person record already has this %s; search for it before creating a new record", k.Label())}
}

// Person returns the person with the given id, with every part.
func (tx *Tx) Person(id string) (*hub.Person, error) {
	p, err := scanPerson(tx.queryRow(`SELECT `+personColumns+` FROM persons p WHERE p.id = ?`, id))
	if err != nil {
		return nil, notFound(tx.db.translate(err), "person")
	}
	if err := tx.loadPersonParts([]*hub.Person{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// PersonScope says which persons a search may return: those in AreaIDs
// (all areas when AllAreas), plus any in IDs; restricted persons only when
// Restricted is set or they are in IDs. The app builds it from the access
// policy so that search results never include what the actor may not see.
type PersonScope struct {
	AllAreas   bool
	AreaIDs    []string
	IDs        []string
	Restricted bool
}

// PersonFilter selects persons. Every criterion given must hold.
type PersonFilter struct {
	// Name is free text: each word must prefix-match a word of a given or
	// family name (or alias) of the person, or a whole such name, compared
	// by ident.NameKey.
	Name        string
	DateOfBirth hub.Date
	Identifier  hub.Identifier
	Phone       string
	Postcode    string
	Scope       PersonScope
	Limit       int
	Offset      int
}

// NameKeys returns the search keys of a name: ident.NameKey of each word of
// the given and family names and of each whole name, so that "Mary Ann van
// der Berg" is found by "mary", "ann", "van", "berg" or "vanderberg".
func NameKeys(given, family string) []string {
	var out []string
	for _, part := range []string{given, family} {
		words := strings.FieldsFunc(part, func(r rune) bool { return r == ' ' || r == '-' })
		for _, w := range words {
			if k := ident.NameKey(w); k != "" {
				out = append(out, k)
			}
		}
		if len(words) > 1 {
			if k := ident.NameKey(part); k != "" {
				out = append(out, k)
			}
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// keyUpper is greater than any UTF-8 encoded text starting with the same
// prefix, for range scans: prefix <= key < prefix+keyUpper (byte order; the
// PostgreSQL columns use COLLATE "C").
const keyUpper = "\U0010FFFF"

// FindPersons returns a page of matching persons, with every part, and the
// total number that match.
func (tx *Tx) FindPersons(f PersonFilter) ([]*hub.Person, int, error) {
	var where []string
	var args []any
	s := f.Scope
	// When the scope is areas (and listed persons), apply it inside the
	// name-key index: only keys of persons in those areas (and not
	// restricted, unless allowed) or listed are read, and persons are
	// fetched only for those.
	var keyScope string
	var keyArgs []any
	if !s.AllAreas && len(s.AreaIDs) > 0 {
		keyScope = `area_id IN (?` + strings.Repeat(`, ?`, len(s.AreaIDs)-1) + `)`
		for _, a := range s.AreaIDs {
			keyArgs = append(keyArgs, a)
		}
		if !s.Restricted {
			keyScope += ` AND restricted = ?`
			keyArgs = append(keyArgs, false)
		}
		if len(s.IDs) > 0 {
			keyScope = `(` + keyScope + ` OR person_id IN (?` + strings.Repeat(`, ?`, len(s.IDs)-1) + `))`
			for _, id := range s.IDs {
				keyArgs = append(keyArgs, id)
			}
		}
		keyScope = ` AND ` + keyScope
	}
	for _, w := range strings.Fields(f.Name) {
		k := ident.NameKey(w)
		if k == "" {
			continue
		}
		where = append(where, `p.id IN (SELECT person_id FROM person_name_keys WHERE name_key >= ? AND name_key < ?`+keyScope+`)`)
		args = append(args, k, k+keyUpper)
		args = append(args, keyArgs...)
	}
	if !f.DateOfBirth.IsZero() {
		where = append(where, `p.date_of_birth = ?`)
		args = append(args, dateText(f.DateOfBirth))
	}
	if f.Identifier.Value != "" {
		where = append(where, `p.id IN (SELECT person_id FROM person_identifiers WHERE kind = ? AND value = ?)`)
		args = append(args, string(f.Identifier.Kind), f.Identifier.Value)
	}
	if f.Phone != "" {
		where = append(where, `p.id IN (SELECT person_id FROM person_phones WHERE number = ?)`)
		args = append(args, f.Phone)
	}
	if f.Postcode != "" {
		where = append(where, `p.id IN (SELECT person_id FROM person_addresses WHERE postcode = ?)`)
		args = append(args, f.Postcode)
	}
	if len(where) == 0 {
		return nil, 0, hub.Invalid("q", "give a name, a date of birth or an identifier to search for")
	}
	// Scope: the areas the actor works in, plus explicitly allowed records.
	// When the name keys already carry it, it is not repeated here (which
	// also keeps the planner from scanning the area instead).
	if keyScope == "" || !strings.Contains(strings.Join(where, " "), "person_name_keys") {
		inIDs := ""
		if len(s.IDs) > 0 {
			inIDs = `p.id IN (?` + strings.Repeat(`, ?`, len(s.IDs)-1) + `)`
		}
		var scope []string
		if s.AllAreas {
			scope = append(scope, `1 = 1`)
		} else if len(s.AreaIDs) > 0 {
			scope = append(scope, `p.area_id IN (?`+strings.Repeat(`, ?`, len(s.AreaIDs)-1)+`)`)
			for _, a := range s.AreaIDs {
				args = append(args, a)
			}
		}
		if !s.Restricted && len(scope) > 0 {
			scope[0] = `(` + scope[0] + ` AND p.sensitivity = 'normal')`
		}
		if inIDs != "" {
			scope = append(scope, inIDs)
			for _, id := range s.IDs {
				args = append(args, id)
			}
		}
		if len(scope) == 0 {
			return nil, 0, nil
		}
		where = append(where, `(`+strings.Join(scope, ` OR `)+`)`)
	}

	q := `SELECT ` + personColumns + `, COUNT(*) OVER () FROM persons p WHERE ` + strings.Join(where, ` AND `) +
		` ORDER BY p.family_name, p.given_name, p.date_of_birth, p.id` + limitOffset(f.Limit, f.Offset, 200)
	rows, err := tx.query(q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*hub.Person
	total := 0
	for rows.Next() {
		p, err := scanPerson(rows, &total)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	if err := tx.loadPersonParts(out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// loadPersonParts fills in names, addresses, phones and identifiers of ps
// with one query per part.
func (tx *Tx) loadPersonParts(ps []*hub.Person) error {
	if len(ps) == 0 {
		return nil
	}
	byID := make(map[string]*hub.Person, len(ps))
	args := make([]any, len(ps))
	for i, p := range ps {
		byID[p.ID] = p
		args[i] = p.ID
	}
	in := `(?` + strings.Repeat(`, ?`, len(ps)-1) + `)`

	rows, err := tx.query(`SELECT person_id, kind, given_name, family_name FROM person_names WHERE person_id IN `+in+` AND seq > 0 ORDER BY person_id, seq`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var pid string
		var a hub.Alias
		if err := rows.Scan(&pid, &a.Kind, &a.GivenName, &a.FamilyName); err != nil {
			rows.Close()
			return err
		}
		byID[pid].Aliases = append(byID[pid].Aliases, a)
	}
	rows.Close()

	rows, err = tx.query(`SELECT person_id, line1, line2, town, postcode, from_date, to_date FROM person_addresses WHERE person_id IN `+in+` ORDER BY person_id, seq`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var pid, from, to string
		var a hub.Address
		if err := rows.Scan(&pid, &a.Line1, &a.Line2, &a.Town, &a.Postcode, &from, &to); err != nil {
			rows.Close()
			return err
		}
		a.From, a.To = parseDateText(from), parseDateText(to)
		byID[pid].Addresses = append(byID[pid].Addresses, a)
	}
	rows.Close()

	rows, err = tx.query(`SELECT person_id, number, kind, from_date, to_date FROM person_phones WHERE person_id IN `+in+` ORDER BY person_id, seq`, args...)
	if err != nil {
		return err
	}
	for rows.Next() {
		var pid, from, to string
		var ph hub.Phone
		if err := rows.Scan(&pid, &ph.Number, &ph.Kind, &from, &to); err != nil {
			rows.Close()
			return err
		}
		ph.From, ph.To = parseDateText(from), parseDateText(to)
		byID[pid].Phones = append(byID[pid].Phones, ph)
	}
	rows.Close()

	rows, err = tx.query(`SELECT person_id, kind, value FROM person_identifiers WHERE person_id IN `+in+` ORDER BY person_id, kind`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid, kind string
		var id hub.Identifier
		if err := rows.Scan(&pid, &kind, &id.Value); err != nil {
			return err
		}
		id.Kind = hub.IdentifierKind(kind)
		byID[pid].Identifiers = append(byID[pid].Identifiers, id)
	}
	return rows.Err()
}

// CountPersons returns the number of person records.
func (tx *Tx) CountPersons() (int, error) {
	var n int
	err := tx.queryRow(`SELECT COUNT(*) FROM persons`).Scan(&n)
	return n, tx.db.translate(err)
}
