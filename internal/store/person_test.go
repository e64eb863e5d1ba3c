package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// searchPeople is the search tests' population. Names are unique so that
// results can be compared as names.
type searchPeople struct {
	w      *world
	byName map[string]*hub.Person
}

func seedSearch(t *testing.T, db *storetest.Store) *searchPeople {
	t.Helper()
	w := seedWorld(t, db)
	dob := func(y int, m time.Month, d int) hub.Date { return hub.Date{Year: y, Month: m, Day: d} }
	person := func(given, family string, area *hub.Area, sens hub.Sensitivity, born hub.Date) *hub.Person {
		return &hub.Person{AreaID: area.ID, OwnerAgencyID: w.council.ID, GivenName: given, FamilyName: family,
			DateOfBirth: born, Sensitivity: sens, Synthetic: true}
	}
	n, s := w.north, w.south
	normal, restricted := hub.SensitivityNormal, hub.SensitivityRestricted
	people := []*hub.Person{
		person("Zoë", "Smith", n, normal, dob(2012, 3, 4)),
		person("Liam", "O'Brien", n, normal, dob(2010, 7, 1)),
		person("Zoe", "Jones", s, normal, dob(2012, 3, 4)),
		person("Amelia", "Smithson", n, restricted, dob(2009, 1, 2)),
		person("Noah", "Smith", s, restricted, dob(2011, 5, 6)),
		person("Olivia", "Smith-Jones", n, normal, dob(2012, 3, 4)),
		person("Łukasz", "Nowak", n, normal, hub.Date{}),
		person("Orla", "Reilly", n, normal, dob(2008, 12, 25)), // "or…": an injection's OR must not match her
	}
	people[0].Identifiers = []hub.Identifier{{Kind: hub.IdentNHS, Value: nhsNumber(100)}}
	people[0].Phones = []hub.Phone{{Number: "+447700900001", Kind: "mobile"}}
	people[0].Addresses = []hub.Address{{Line1: "1 Mill Lane", Town: "Northtown", Postcode: "NT1 1AA"}}
	people[1].Aliases = []hub.Alias{{GivenName: "Lee", FamilyName: "Bright", Kind: "street"}}
	people[1].Addresses = []hub.Address{{Line1: "2 Mill Lane", Town: "Northtown", Postcode: "NT1 1AA"}}
	people[2].Identifiers = []hub.Identifier{{Kind: hub.IdentNHS, Value: nhsNumber(101)}, {Kind: hub.IdentUPN, Value: "A801200000010"}}
	people[2].Phones = []hub.Phone{{Number: "+447700900001", Kind: "mobile"}}
	people[4].Identifiers = []hub.Identifier{{Kind: hub.IdentNHS, Value: nhsNumber(102)}}
	people[4].Addresses = []hub.Address{{Line1: "3 Mill Lane", Town: "Northtown", Postcode: "NT1 1AA"}}
	mustTx(t, db, func(tx *store.Tx) error {
		for _, p := range people {
			if err := tx.CreatePerson(p); err != nil {
				return err
			}
		}
		return nil
	})
	sp := &searchPeople{w: w, byName: map[string]*hub.Person{}}
	for _, p := range people {
		sp.byName[p.Name()] = p
	}
	return sp
}

// find runs FindPersons and returns the names found, in order, and the
// total.
func find(t *testing.T, db *storetest.Store, f store.PersonFilter) ([]string, int, error) {
	t.Helper()
	var ps []*hub.Person
	var total int
	err := db.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		ps, total, err = tx.FindPersons(f)
		return err
	})
	var names []string
	for _, p := range ps {
		names = append(names, p.Name())
	}
	return names, total, err
}

func TestFindPersons(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		sp := seedSearch(t, db)
		w := sp.w
		all := store.PersonScope{AllAreas: true, Restricted: true}
		north := store.PersonScope{AreaIDs: []string{w.north.ID}}
		tests := []struct {
			name      string
			filter    store.PersonFilter
			want      []string
			wantTotal int // 0 means len(want)
		}{
			{"diacritics: zoe finds Zoë", store.PersonFilter{Name: "zoe", Scope: all}, []string{"Zoe Jones", "Zoë Smith"}, 0},
			{"upper case", store.PersonFilter{Name: "ZOË", Scope: all}, []string{"Zoe Jones", "Zoë Smith"}, 0},
			{"apostrophe: obrien", store.PersonFilter{Name: "obrien", Scope: all}, []string{"Liam O'Brien"}, 0},
			{"typographic apostrophe", store.PersonFilter{Name: "O’Bri", Scope: all}, []string{"Liam O'Brien"}, 0},
			{"prefix over family names", store.PersonFilter{Name: "smi", Scope: all}, []string{"Noah Smith", "Zoë Smith", "Olivia Smith-Jones", "Amelia Smithson"}, 0},
			{"hyphen dropped", store.PersonFilter{Name: "smithjo", Scope: all}, []string{"Olivia Smith-Jones"}, 0},
			{"letter without decomposition", store.PersonFilter{Name: "lukasz", Scope: all}, []string{"Łukasz Nowak"}, 0},
			{"alias given name", store.PersonFilter{Name: "lee", Scope: all}, []string{"Liam O'Brien"}, 0},
			{"alias family name", store.PersonFilter{Name: "bright", Scope: all}, []string{"Liam O'Brien"}, 0},
			{"two words, AND", store.PersonFilter{Name: "zoe smi", Scope: all}, []string{"Zoë Smith"}, 0},
			{"two words, either order", store.PersonFilter{Name: "Smith Zoe", Scope: all}, []string{"Zoë Smith"}, 0},
			{"two words, no one has both", store.PersonFilter{Name: "liam smith", Scope: all}, nil, 0},
			{"not a suffix", store.PersonFilter{Name: "mith", Scope: all}, nil, 0},
			{"name and date of birth", store.PersonFilter{Name: "smi", DateOfBirth: hub.Date{Year: 2012, Month: 3, Day: 4}, Scope: all}, []string{"Zoë Smith", "Olivia Smith-Jones"}, 0},
			{"date of birth alone", store.PersonFilter{DateOfBirth: hub.Date{Year: 2012, Month: 3, Day: 4}, Scope: all}, []string{"Zoe Jones", "Zoë Smith", "Olivia Smith-Jones"}, 0},
			{"NHS number", store.PersonFilter{Identifier: hub.Identifier{Kind: hub.IdentNHS, Value: nhsNumber(101)}, Scope: all}, []string{"Zoe Jones"}, 0},
			{"identifier of another kind", store.PersonFilter{Identifier: hub.Identifier{Kind: hub.IdentUPN, Value: nhsNumber(101)}, Scope: all}, nil, 0},
			{"identifier prefix does not match", store.PersonFilter{Identifier: hub.Identifier{Kind: hub.IdentNHS, Value: nhsNumber(101)[:9]}, Scope: all}, nil, 0},
			{"phone", store.PersonFilter{Phone: "+447700900001", Scope: all}, []string{"Zoe Jones", "Zoë Smith"}, 0},
			{"postcode", store.PersonFilter{Postcode: "NT1 1AA", Scope: all}, []string{"Liam O'Brien", "Noah Smith", "Zoë Smith"}, 0},
			{"postcode and name", store.PersonFilter{Postcode: "NT1 1AA", Name: "smith", Scope: all}, []string{"Noah Smith", "Zoë Smith"}, 0},
			{"first page", store.PersonFilter{Name: "smi", Scope: all, Limit: 3}, []string{"Noah Smith", "Zoë Smith", "Olivia Smith-Jones"}, 4},
			{"second page", store.PersonFilter{Name: "smi", Scope: all, Limit: 3, Offset: 3}, []string{"Amelia Smithson"}, 4},

			// Scope.
			{"one area hides other areas and restricted", store.PersonFilter{Name: "smi", Scope: north}, []string{"Zoë Smith", "Olivia Smith-Jones"}, 0},
			{"one area with restricted", store.PersonFilter{Name: "smi", Scope: store.PersonScope{AreaIDs: []string{w.north.ID}, Restricted: true}}, []string{"Zoë Smith", "Olivia Smith-Jones", "Amelia Smithson"}, 0},
			{"one area plus a listed restricted person elsewhere", store.PersonFilter{Name: "smi", Scope: store.PersonScope{AreaIDs: []string{w.north.ID}, IDs: []string{sp.byName["Noah Smith"].ID}}}, []string{"Noah Smith", "Zoë Smith", "Olivia Smith-Jones"}, 0},
			{"two words, one area plus a listed person elsewhere", store.PersonFilter{Name: "noah smith", Scope: store.PersonScope{AreaIDs: []string{w.north.ID}, IDs: []string{sp.byName["Noah Smith"].ID}}}, []string{"Noah Smith"}, 0},
			{"listed ids only", store.PersonFilter{Name: "smi", Scope: store.PersonScope{IDs: []string{sp.byName["Amelia Smithson"].ID, sp.byName["Zoe Jones"].ID}}}, []string{"Amelia Smithson"}, 0},
			{"all areas, not restricted", store.PersonFilter{Name: "smi", Scope: store.PersonScope{AllAreas: true}}, []string{"Zoë Smith", "Olivia Smith-Jones"}, 0},
			{"both areas listed", store.PersonFilter{Name: "zoe", Scope: store.PersonScope{AreaIDs: []string{w.north.ID, w.south.ID}}}, []string{"Zoe Jones", "Zoë Smith"}, 0},
			{"identifier outside scope", store.PersonFilter{Identifier: hub.Identifier{Kind: hub.IdentNHS, Value: nhsNumber(101)}, Scope: north}, nil, 0},
			{"identifier of a restricted person", store.PersonFilter{Identifier: hub.Identifier{Kind: hub.IdentNHS, Value: nhsNumber(102)}, Scope: store.PersonScope{AreaIDs: []string{w.south.ID}}}, nil, 0},
			{"empty scope", store.PersonFilter{Name: "smi"}, nil, 0},
			{"restricted alone is no scope", store.PersonFilter{Name: "smi", Scope: store.PersonScope{Restricted: true}}, nil, 0},
			{"unknown area", store.PersonFilter{Name: "smi", Scope: store.PersonScope{AreaIDs: []string{hub.NewID()}, Restricted: true}}, nil, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, total, err := find(t, db, tt.filter)
				if err != nil {
					t.Fatalf("FindPersons(%+v): %v", tt.filter, err)
				}
				wantTotal := tt.wantTotal
				if wantTotal == 0 {
					wantTotal = len(tt.want)
				}
				if diff := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); diff != "" || total != wantTotal {
					t.Errorf("FindPersons(%+v) = %q, total %d; want %q, total %d", tt.filter, got, total, tt.want, wantTotal)
				}
			})
		}

		// Results carry every part.
		var ps []*hub.Person
		mustRead(t, db, func(tx *store.Tx) error {
			var err error
			ps, _, err = tx.FindPersons(store.PersonFilter{Name: "zoe smith", Scope: all})
			return err
		})
		if len(ps) != 1 {
			t.Fatalf("FindPersons(zoe smith) = %d persons, want 1", len(ps))
		}
		if diff := cmp.Diff(sp.byName["Zoë Smith"], ps[0], cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("FindPersons(zoe smith) person mismatch (-want +got):\n%s", diff)
		}

		// No criterion at all is refused, not answered with everyone.
		_, _, err := find(t, db, store.PersonFilter{Scope: all})
		if !errors.Is(err, hub.ErrInvalid) {
			t.Errorf("FindPersons(no criteria) = %v, want hub.ErrInvalid", err)
		}
	})
}

// TestFindPersonsInjection feeds SQL fragments to every free-text criterion:
// each must be treated as data, return nothing it should not, and leave the
// tables intact, with no SQL in any error message.
func TestFindPersonsInjection(t *testing.T) {
	smi := []string{"Zoë Smith", "Olivia Smith-Jones"} // what "smi" finds in the north
	inputs := []struct {
		in string
		// wantName is what the input finds as a name: the letters and
		// digits left once ident.NameKey has dropped the rest, prefix
		// matched, so "smi%" is "smi".
		wantName []string
	}{
		{`' OR '1'='1`, nil},
		{`' OR 1=1 --`, nil},
		{`%' --`, nil},
		{`%`, nil},
		{`_`, nil},
		{`*`, nil},
		{`\`, nil},
		{`1; DROP TABLE persons;--`, nil},
		{`') UNION SELECT id, area_id, owner_agency_id, given_name, family_name FROM persons --`, nil},
		{`zoe') OR (p.sensitivity = 'restricted`, nil},
		{`zoe' OR p.area_id <> '`, nil},
		{`smi%`, smi},
		{`smi_`, smi},
		{"smi\x00", smi},
		{`$1`, nil},
		{`?`, nil},
	}
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		sp := seedSearch(t, db)
		north := store.PersonScope{AreaIDs: []string{sp.w.north.ID}}
		before := queryInt(t, db, `SELECT COUNT(*) FROM persons`)
		for _, tt := range inputs {
			in := tt.in
			filters := map[string]store.PersonFilter{
				"name":       {Name: in, Scope: north},
				"phone":      {Phone: in, Scope: north},
				"postcode":   {Postcode: in, Scope: north},
				"identifier": {Identifier: hub.Identifier{Kind: hub.IdentNHS, Value: in}, Scope: north},
				"kind":       {Identifier: hub.Identifier{Kind: hub.IdentifierKind(in), Value: nhsNumber(100)}, Scope: north},
				"area":       {Name: "smi", Scope: store.PersonScope{AreaIDs: []string{in}}},
				"listed id":  {Name: "smi", Scope: store.PersonScope{IDs: []string{in}}},
			}
			for field, f := range filters {
				got, total, err := find(t, db, f)
				if err != nil {
					// Inputs with no letters or digits leave the name empty,
					// which is refused as a validation error.
					msg := strings.ToLower(hub.ErrorMessage(err))
					if hub.ErrorCode(err) != hub.EInvalid || strings.Contains(msg, "select") || strings.Contains(msg, "syntax") || strings.Contains(msg, "sql") {
						t.Errorf("FindPersons(%s %q) error = %v (message %q), want no error or a plain validation error", field, in, err, hub.ErrorMessage(err))
					}
				}
				var want []string
				if field == "name" {
					want = tt.wantName
				}
				if !cmp.Equal(want, got, cmpopts.EquateEmpty()) || total != len(want) {
					t.Errorf("FindPersons(%s %q) = %q, total %d, want %q", field, in, got, total, want)
				}
			}
		}
		if after := queryInt(t, db, `SELECT COUNT(*) FROM persons`); after != before {
			t.Errorf("after injection attempts, persons has %d rows, want %d", after, before)
		}
		// Search still works.
		if got, _, err := find(t, db, store.PersonFilter{Name: "smi", Scope: north}); err != nil || len(got) != 2 {
			t.Errorf("FindPersons(smi) after injection attempts = %q, %v; want 2 persons", got, err)
		}
	})
}

func TestPersonIdentifierConflict(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		w := seedWorld(t, db)
		ctx := context.Background()
		p := fullPerson(w)
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreatePerson(p) })
		other := &hub.Person{AreaID: w.south.ID, OwnerAgencyID: w.police.ID, GivenName: "Other", FamilyName: "Child", Sensitivity: hub.SensitivityNormal,
			Identifiers: []hub.Identifier{{Kind: hub.IdentPNC, Value: "12/345678A"}}}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreatePerson(other) })

		for _, id := range p.Identifiers {
			t.Run(string(id.Kind), func(t *testing.T) {
				dup := &hub.Person{AreaID: w.south.ID, OwnerAgencyID: w.police.ID, GivenName: "Dup", FamilyName: "Licate", Sensitivity: hub.SensitivityNormal,
					Identifiers: []hub.Identifier{id}}
				err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreatePerson(dup) })
				want := "identifiers." + string(id.Kind)
				if !errors.Is(err, hub.ErrConflict) || hub.ErrorField(err) != want {
					t.Errorf("CreatePerson(duplicate %s) = %v (field %q), want hub.ErrConflict on field %s", id.Kind, err, hub.ErrorField(err), want)
				}
				if _, err := getErr(db, func(tx *store.Tx) (*hub.Person, error) { return tx.Person(dup.ID) }); !errors.Is(err, hub.ErrNotFound) {
					t.Errorf("after refused CreatePerson, Person(dup) = %v, want hub.ErrNotFound", err)
				}

				// The same identifier given to an existing person by update.
				o := get(t, db, func(tx *store.Tx) (*hub.Person, error) { return tx.Person(other.ID) })
				edited := *o
				edited.GivenName = "Changed"
				edited.Identifiers = []hub.Identifier{id, o.Identifiers[0]}
				err = db.Tx(ctx, func(tx *store.Tx) error { return tx.UpdatePerson(&edited) })
				if !errors.Is(err, hub.ErrConflict) || hub.ErrorField(err) != want {
					t.Errorf("UpdatePerson(duplicate %s) = %v (field %q), want hub.ErrConflict on field %s", id.Kind, err, hub.ErrorField(err), want)
				}
				if got := get(t, db, func(tx *store.Tx) (*hub.Person, error) { return tx.Person(other.ID) }); !cmp.Equal(o, got, cmpopts.EquateEmpty()) {
					t.Errorf("after refused UpdatePerson, Person(other) changed:\n%s", cmp.Diff(o, got, cmpopts.EquateEmpty()))
				}
			})
		}
		if n := get(t, db, (*store.Tx).CountPersons); n != 2 {
			t.Errorf("CountPersons() = %d, want 2", n)
		}
	})
}
