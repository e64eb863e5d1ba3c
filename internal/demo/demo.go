// Package demo seeds a small, fixed, synthetic partnership for `safehub
// demo`: the three Leicester, Leicestershire and Rutland areas, one agency of
// each kind, one user per role and a few dozen synthetic people with valid
// fake identifiers (NHS numbers 999 xxx xxxx, phones 07700 900xxx). Every
// person it makes is marked synthetic.
//
// It goes through the app's use cases, as a real administrator and
// practitioner would, so the seed is validated and audited like any input.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
	"github.com/safehub/safehub/internal/store"
)

// SeededSetting marks a database that holds the demo seed. `safehub serve`
// refuses to start on such a database unless told the data is synthetic.
const SeededSetting = "demo.seeded"

// Account is a demo user and its password.
type Account struct {
	Username string
	Password string
	Role     hub.Role
	Agency   string
}

// Accounts are the demo's users, one per role. Their passwords are fixed
// and printed when the demo starts; a demo database is never a production
// one.
var Accounts = []Account{
	{"pat.practitioner", "harbour-lantern-meadow-17", hub.RolePractitioner, "Leicester City Council Children's Social Care"},
	{"paul.police", "granite-orchard-whistle-42", hub.RolePolice, "Leicestershire Police"},
	{"ana.analyst", "copper-valley-thimble-08", hub.RoleAnalyst, "Leicestershire Police"},
	{"nina.nurse", "saffron-bridge-pebble-63", hub.RoleNurse, "University Hospitals of Leicester NHS Trust"},
	{"ed.education", "meadow-compass-violet-29", hub.RoleEducation, "LLR Education Safeguarding Service"},
	{"mo.manager", "lantern-quarry-harvest-51", hub.RoleManager, "Leicester City Council Children's Social Care"},
	{"ada.admin", "velvet-anchor-summit-96", hub.RoleAdmin, "Leicester City Council Children's Social Care"},
	{"aud.auditor", "thistle-harbour-ember-34", hub.RoleAuditor, "Leicester City Council Children's Social Care"},
	{"pip.partner", "orchid-canyon-ledger-75", hub.RolePartner, "Safer Futures (voluntary)"},
}

// Areas of the demo partnership, with their DfE local authority numbers.
var Areas = []hub.Area{
	{Code: "855", Name: "Leicestershire"},
	{Code: "856", Name: "Leicester"},
	{Code: "857", Name: "Rutland"},
}

// Agencies of the demo partnership, one of each kind.
var Agencies = []hub.Agency{
	{Name: "Leicestershire Police", Kind: hub.AgencyPolice},
	{Name: "Leicester City Council Children's Social Care", Kind: hub.AgencySocialCare},
	{Name: "University Hospitals of Leicester NHS Trust", Kind: hub.AgencyHealth},
	{Name: "LLR Education Safeguarding Service", Kind: hub.AgencyEducation},
	{Name: "Leicester Youth Justice Service", Kind: hub.AgencyYouthOffending},
	{Name: "Safer Futures (voluntary)", Kind: hub.AgencyVoluntary},
}

// Seeded reports whether the database already holds the demo seed.
func Seeded(ctx context.Context, db *store.DB) (bool, error) {
	var v string
	err := db.Read(ctx, func(tx *store.Tx) error {
		var err error
		v, err = tx.Setting(SeededSetting)
		return err
	})
	return v != "", err
}

// Seed fills an empty database with the demo partnership and returns the
// id of a person to try first.
func Seed(ctx context.Context, a *app.App) error {
	admin := app.System("demo-seed")
	areaIDs := map[string]string{}
	var allAreas []string
	for _, ar := range Areas {
		ar := ar
		if err := a.CreateArea(ctx, admin, &ar); err != nil {
			return fmt.Errorf("seed area %s: %w", ar.Name, err)
		}
		areaIDs[ar.Code] = ar.ID
		allAreas = append(allAreas, ar.ID)
	}
	agencyIDs := map[string]string{}
	for _, ag := range Agencies {
		ag := ag
		if err := a.CreateAgency(ctx, admin, &ag); err != nil {
			return fmt.Errorf("seed agency %s: %w", ag.Name, err)
		}
		agencyIDs[ag.Name] = ag.ID
	}
	for _, acc := range Accounts {
		in := app.NewUser{
			Username:    acc.Username,
			DisplayName: displayName(acc.Username),
			AgencyID:    agencyIDs[acc.Agency],
			Roles:       []hub.Role{acc.Role},
			Password:    acc.Password,
		}
		if acc.Role != hub.RoleAdmin {
			in.AreaIDs = allAreas
		}
		if _, err := a.CreateUser(ctx, admin, in); err != nil {
			return fmt.Errorf("seed user %s: %w", acc.Username, err)
		}
	}
	seeder := &access.Actor{Name: "demo-seed", AgencyID: agencyIDs[Agencies[1].Name], Roles: []hub.Role{hub.RolePractitioner}, AreaIDs: allAreas}
	for _, in := range People(42, areaIDs) {
		if _, err := a.CreatePerson(ctx, seeder, in); err != nil {
			return fmt.Errorf("seed person %s %s: %w", in.GivenName, in.FamilyName, err)
		}
	}
	return a.DB().Tx(ctx, func(tx *store.Tx) error { return tx.SetSetting(SeededSetting, "1") })
}

func displayName(username string) string {
	first, last, _ := cut(username, '.')
	return title(first) + " " + title(last)
}

func cut(s string, c byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func title(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-32) + s[1:]
}

var (
	givenF  = []string{"Amelia", "Olivia", "Aisha", "Zoë", "Priya", "Chloe", "Hannah", "Fatima", "Jessica", "Maya", "Niamh", "Łucja", "Grace", "Sofia", "Keira", "Ruby"}
	givenM  = []string{"Oliver", "Mohammed", "Jack", "Harry", "Arjun", "Kai", "Tyler", "Reece", "Bilal", "Callum", "Jayden", "Kacper", "Liam", "Dylan", "Ethan", "Rhys"}
	family  = []string{"Khan", "Smith", "Patel", "O'Brien", "Jones", "Begum", "Mistry", "Walker", "Smith-Jones", "Ahmed", "Taylor", "Nowak", "Campbell", "Hussain", "Brown", "Chauhan", "Wright", "Mensah"}
	streets = []string{"Narborough Road", "Belgrave Gate", "Humberstone Road", "Ashby Road", "Castle Street", "Station Road", "Main Street", "Mill Lane", "Church Street", "Victoria Road"}
	towns   = []struct {
		code, town string
		districts  []string
	}{
		{"856", "Leicester", []string{"LE1", "LE2", "LE3", "LE4", "LE5"}},
		{"855", "Loughborough", []string{"LE11"}},
		{"855", "Hinckley", []string{"LE10"}},
		{"855", "Coalville", []string{"LE67"}},
		{"855", "Market Harborough", []string{"LE16"}},
		{"855", "Melton Mowbray", []string{"LE13"}},
		{"857", "Oakham", []string{"LE15"}},
	}
	ethnicities = []string{"White British", "Asian or Asian British: Indian", "Black or Black British: African", "Mixed: White and Black Caribbean", "Asian or Asian British: Pakistani", "White: Any other White background", "Not stated"}
)

// inwardLetters are the letters a postcode's inward code may use.
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"

// People returns n synthetic people, deterministic for a given n, spread
// over the demo areas. Children outnumber adults; some share a surname and
// address as siblings do.
func People(n int, areaIDs map[string]string) []app.PersonInput {
	r := rand.New(rand.NewPCG(2026, 11))
	var out []app.PersonInput
	for i := 0; i < n; i++ {
		t := towns[r.IntN(len(towns))]
		sex := "female"
		given := givenF[r.IntN(len(givenF))]
		if r.IntN(2) == 0 {
			sex, given = "male", givenM[r.IntN(len(givenM))]
		}
		// Mostly children aged 10 to 17, with some adults.
		year := 2009 + r.IntN(8)
		if i%5 == 4 {
			year = 1975 + r.IntN(30)
		}
		dob := fmt.Sprintf("%04d-%02d-%02d", year, 1+r.IntN(12), 1+r.IntN(28))
		district := t.districts[r.IntN(len(t.districts))]
		postcode := fmt.Sprintf("%s %d%c%c", district, 1+r.IntN(9), inwardLetters[r.IntN(len(inwardLetters))], inwardLetters[r.IntN(len(inwardLetters))])
		in := app.PersonInput{
			AreaID:      areaIDs[t.code],
			GivenName:   given,
			FamilyName:  family[r.IntN(len(family))],
			DateOfBirth: dob,
			Sex:         sex,
			Ethnicity:   ethnicities[r.IntN(len(ethnicities))],
			Language:    "English",
			NHSNumber:   nhsNumber(r),
			Addresses:   []app.AddressInput{{Line1: fmt.Sprintf("%d %s", 1+r.IntN(180), streets[r.IntN(len(streets))]), Town: t.town, Postcode: postcode, From: fmt.Sprintf("%04d-01-01", year+r.IntN(5))}},
			Phones:      []app.PhoneInput{{Number: fmt.Sprintf("07700 900%03d", r.IntN(1000))}},
			Synthetic:   true,
		}
		if year >= 2005 {
			in.UPN = upn(r, t.code)
		}
		if i%7 == 3 {
			in.Aliases = []app.AliasInput{{GivenName: nickname(given), Kind: "nickname"}}
		}
		if i%9 == 0 {
			in.PNC = pnc(r)
		}
		out = append(out, in)
	}
	return out
}

func nhsNumber(r *rand.Rand) string {
	for {
		body := fmt.Sprintf("999%06d", r.IntN(1000000))
		if c, ok := ident.NHSCheckDigit(body); ok {
			return fmt.Sprintf("%s%d", body, c)
		}
	}
}

func upn(r *rand.Rand, la string) string {
	body := fmt.Sprintf("%s9%03d%02d%03d", la, r.IntN(1000), 10+r.IntN(15), r.IntN(1000))
	c, _ := ident.UPNCheckLetter(body)
	return string(c) + body
}

func pnc(r *rand.Rand) string {
	yy, serial := 10+r.IntN(15), r.IntN(10000000)
	return fmt.Sprintf("%02d/%07d%c", yy, serial, ident.PNCCheckLetter(yy, serial))
}

func nickname(given string) string {
	switch given {
	case "Mohammed":
		return "Mo"
	case "Oliver":
		return "Ollie"
	case "Jessica":
		return "Jess"
	case "Callum":
		return "Cal"
	}
	return streetNames[len(given)%len(streetNames)]
}

var streetNames = []string{"Smudge", "Tiny", "Shorty", "Red", "Kez"}
