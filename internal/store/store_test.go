package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// versionedCase tests the life of one kind of versioned record: create,
// read back equal, update (version + 1, new UpdatedAt), a stale update
// (hub.ErrConflict, the row unchanged) and a missing id (hub.ErrNotFound).
type versionedCase[T any] struct {
	newRecord func(w *world) *T
	create    func(tx *store.Tx, v *T) error
	read      func(tx *store.Tx, id string) (*T, error)
	update    func(tx *store.Tx, v *T) error
	change    func(v *T)
	id        func(v *T) *string
	version   func(v *T) *int
	updatedAt func(v *T) time.Time
}

func (c versionedCase[T]) run(t *testing.T, engine string) {
	db, clock := openStore(t, engine)
	w := seedWorld(t, db)
	ctx := context.Background()

	rec := c.newRecord(w)
	mustTx(t, db, func(tx *store.Tx) error { return c.create(tx, rec) })
	if *c.version(rec) != 1 {
		t.Errorf("after create, Version = %d, want 1", *c.version(rec))
	}
	id := *c.id(rec)
	got := get(t, db, func(tx *store.Tx) (*T, error) { return c.read(tx, id) })
	if diff := cmp.Diff(rec, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("read(%s) after create: mismatch (-want +got):\n%s", id, diff)
	}

	// A change saved against the current version.
	clock.Advance(90 * time.Second)
	stale := *got
	edited := *got
	c.change(&edited)
	mustTx(t, db, func(tx *store.Tx) error { return c.update(tx, &edited) })
	if v := *c.version(&edited); v != 2 {
		t.Errorf("after update, Version = %d, want 2", v)
	}
	if u := c.updatedAt(&edited); !u.Equal(db.Now()) {
		t.Errorf("after update, UpdatedAt = %v, want %v", u, db.Now())
	}
	got = get(t, db, func(tx *store.Tx) (*T, error) { return c.read(tx, id) })
	if diff := cmp.Diff(&edited, got, cmpopts.EquateEmpty()); diff != "" {
		t.Fatalf("read(%s) after update: mismatch (-want +got):\n%s", id, diff)
	}

	// A change saved against the version read before: refused, nothing saved.
	clock.Advance(time.Minute)
	c.change(&stale)
	err := db.Tx(ctx, func(tx *store.Tx) error { return c.update(tx, &stale) })
	if !errors.Is(err, hub.ErrConflict) {
		t.Errorf("update with stale version = %v, want hub.ErrConflict", err)
	}
	if *c.version(&stale) != 1 {
		t.Errorf("failed update changed the caller's Version to %d", *c.version(&stale))
	}
	got = get(t, db, func(tx *store.Tx) (*T, error) { return c.read(tx, id) })
	if diff := cmp.Diff(&edited, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("read(%s) after stale update: row changed (-want +got):\n%s", id, diff)
	}

	// No such record.
	missing := *got
	*c.id(&missing) = hub.NewID()
	err = db.Tx(ctx, func(tx *store.Tx) error { return c.update(tx, &missing) })
	if !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("update of missing id = %v, want hub.ErrNotFound", err)
	}
	_, err = getErr(db, func(tx *store.Tx) (*T, error) { return c.read(tx, *c.id(&missing)) })
	if !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("read of missing id = %v, want hub.ErrNotFound", err)
	}
}

func TestVersionedRecords(t *testing.T) {
	cases := map[string]func(t *testing.T, engine string){
		"agency": versionedCase[hub.Agency]{
			newRecord: func(*world) *hub.Agency { return &hub.Agency{Name: "Northshire Health", Kind: hub.AgencyHealth} },
			create:    (*store.Tx).CreateAgency,
			read:      (*store.Tx).Agency,
			update:    (*store.Tx).UpdateAgency,
			change:    func(a *hub.Agency) { a.Name += " NHS Trust"; a.Kind = hub.AgencyVoluntary },
			id:        func(a *hub.Agency) *string { return &a.ID },
			version:   func(a *hub.Agency) *int { return &a.Version },
			updatedAt: func(a *hub.Agency) time.Time { return a.UpdatedAt },
		}.run,
		"area": versionedCase[hub.Area]{
			newRecord: func(*world) *hub.Area { return &hub.Area{Code: "E01", Name: "East"} },
			create:    (*store.Tx).CreateArea,
			read:      (*store.Tx).Area,
			update:    (*store.Tx).UpdateArea,
			change:    func(a *hub.Area) { a.Code = "E02"; a.Name = "East and Coast" },
			id:        func(a *hub.Area) *string { return &a.ID },
			version:   func(a *hub.Area) *int { return &a.Version },
			updatedAt: func(a *hub.Area) time.Time { return a.UpdatedAt },
		}.run,
		"user": versionedCase[hub.User]{
			newRecord: func(w *world) *hub.User {
				return &hub.User{Username: "jbloggs", DisplayName: "Jo Bloggs", Email: "jo@example.org", AgencyID: w.council.ID,
					AreaIDs: []string{w.north.ID, w.south.ID}, Roles: []hub.Role{hub.RolePractitioner, hub.RoleManager},
					PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", MFASecret: "SECRET", MFAEnrolled: true, MFALastStep: 12345,
					OIDCIssuer: "https://login.example.org", OIDCSubject: "sub-1"}
			},
			create: (*store.Tx).CreateUser,
			read:   (*store.Tx).User,
			update: (*store.Tx).UpdateUser,
			change: func(u *hub.User) {
				u.DisplayName = "Jo Bloggs-Smith"
				u.Roles = []hub.Role{hub.RoleAuditor}
				u.AreaIDs = nil
				u.Disabled = true
				u.MFALastStep++
			},
			id:        func(u *hub.User) *string { return &u.ID },
			version:   func(u *hub.User) *int { return &u.Version },
			updatedAt: func(u *hub.User) time.Time { return u.UpdatedAt },
		}.run,
		"person": versionedCase[hub.Person]{
			newRecord: func(w *world) *hub.Person { return fullPerson(w) },
			create:    (*store.Tx).CreatePerson,
			read:      (*store.Tx).Person,
			update:    (*store.Tx).UpdatePerson,
			change: func(p *hub.Person) {
				p.FamilyName = "Smith-Jones"
				p.Aliases = []hub.Alias{{GivenName: "Zed", Kind: "nickname"}}
				p.Addresses = append(p.Addresses, hub.Address{Line1: "2 New Street", Town: "Northtown", Postcode: "NT2 2BB", From: hub.Date{Year: 2026, Month: 1, Day: 5}})
				p.Phones = nil
				p.Identifiers = p.Identifiers[1:]
				p.Sensitivity = hub.SensitivityRestricted
			},
			id:        func(p *hub.Person) *string { return &p.ID },
			version:   func(p *hub.Person) *int { return &p.Version },
			updatedAt: func(p *hub.Person) time.Time { return p.UpdatedAt },
		}.run,
	}
	for name, run := range cases {
		t.Run(name, func(t *testing.T) { storetest.Run(t, run) })
	}
}

// fullPerson returns a person with every part filled in, identifiers in the
// order the store returns them (by kind).
func fullPerson(w *world) *hub.Person {
	return &hub.Person{
		AreaID: w.north.ID, OwnerAgencyID: w.council.ID,
		GivenName: "Zoë", FamilyName: "O'Brien",
		Aliases: []hub.Alias{
			{GivenName: "Zoe", FamilyName: "Bryant", Kind: "previous"},
			{GivenName: "Zee", Kind: "street"},
		},
		DateOfBirth: hub.Date{Year: 2012, Month: time.March, Day: 4}, DOBEstimated: true,
		Sex: hub.SexFemale, Gender: "girl", Ethnicity: "White British", Language: "English",
		Addresses: []hub.Address{
			{Line1: "1 High Street", Line2: "Flat 2", Town: "Northtown", Postcode: "NT1 1AA", From: hub.Date{Year: 2020, Month: 1, Day: 1}, To: hub.Date{Year: 2025, Month: 12, Day: 31}},
			{Line1: "9 Low Road", Town: "Northtown", Postcode: "NT1 9ZZ", From: hub.Date{Year: 2026, Month: 1, Day: 1}},
		},
		Phones:      []hub.Phone{{Number: "+447700900123", Kind: "mobile", From: hub.Date{Year: 2024, Month: 6, Day: 1}}},
		Identifiers: []hub.Identifier{{Kind: hub.IdentLA, Value: "LA-000123"}, {Kind: hub.IdentNHS, Value: nhsNumber(1)}, {Kind: hub.IdentUPN, Value: "A801200000010"}},
		Sensitivity: hub.SensitivityNormal, Synthetic: true, CreatedBy: w.user.ID,
	}
}

func TestAgenciesAndAreas(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		w := seedWorld(t, db)
		ctx := context.Background()

		agencies := get(t, db, (*store.Tx).Agencies)
		if diff := cmp.Diff([]*hub.Agency{w.council, w.police}, agencies); diff != "" {
			t.Errorf("Agencies() mismatch, want by name (-want +got):\n%s", diff)
		}
		areas := get(t, db, (*store.Tx).Areas)
		if diff := cmp.Diff([]*hub.Area{w.north, w.south}, areas); diff != "" {
			t.Errorf("Areas() mismatch, want by name (-want +got):\n%s", diff)
		}

		dups := []struct {
			name string
			fn   func(tx *store.Tx) error
		}{
			{"agency name", func(tx *store.Tx) error {
				return tx.CreateAgency(&hub.Agency{Name: w.police.Name, Kind: hub.AgencyHealth})
			}},
			{"agency renamed to another's name", func(tx *store.Tx) error {
				a := *w.council
				a.Name = w.police.Name
				return tx.UpdateAgency(&a)
			}},
			{"area code", func(tx *store.Tx) error { return tx.CreateArea(&hub.Area{Code: w.north.Code, Name: "Elsewhere"}) }},
			{"area name", func(tx *store.Tx) error { return tx.CreateArea(&hub.Area{Code: "X99", Name: w.south.Name}) }},
			{"agency id", func(tx *store.Tx) error {
				return tx.CreateAgency(&hub.Agency{ID: w.police.ID, Name: "Other", Kind: hub.AgencyHealth})
			}},
		}
		for _, d := range dups {
			err := db.Tx(ctx, d.fn)
			if !errors.Is(err, hub.ErrConflict) {
				t.Errorf("duplicate %s: err = %v, want hub.ErrConflict", d.name, err)
			}
		}
		if n := len(get(t, db, (*store.Tx).Agencies)); n != 2 {
			t.Errorf("after refused duplicates, len(Agencies()) = %d, want 2", n)
		}
		if n := len(get(t, db, (*store.Tx).Areas)); n != 2 {
			t.Errorf("after refused duplicates, len(Areas()) = %d, want 2", n)
		}
	})
}

func TestUsers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		w := seedWorld(t, db)
		ctx := context.Background()

		mk := func(name string, agency *hub.Agency, disabled bool) *hub.User {
			return &hub.User{Username: name, DisplayName: name, AgencyID: agency.ID, Roles: []hub.Role{hub.RolePractitioner}, Disabled: disabled}
		}
		users := []*hub.User{mk("carol", w.council, false), mk("bob", w.council, true), mk("dave", w.police, false), mk("erin", w.council, false)}
		users[0].OIDCIssuer, users[0].OIDCSubject = "https://idp.example.org", "carol-sub"
		users[1].PasswordHash = "hash"
		mustTx(t, db, func(tx *store.Tx) error {
			for _, u := range users {
				if err := tx.CreateUser(u); err != nil {
					return err
				}
			}
			return nil
		})
		if !users[1].PasswordChangedAt.Equal(db.Now()) {
			t.Errorf("CreateUser with a password: PasswordChangedAt = %v, want the transaction time %v", users[1].PasswordChangedAt, db.Now())
		}

		byName := get(t, db, func(tx *store.Tx) (*hub.User, error) { return tx.UserByUsername("carol") })
		if diff := cmp.Diff(users[0], byName, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("UserByUsername(carol) mismatch (-want +got):\n%s", diff)
		}
		byOIDC := get(t, db, func(tx *store.Tx) (*hub.User, error) { return tx.UserByOIDC("https://idp.example.org", "carol-sub") })
		if byOIDC.ID != users[0].ID {
			t.Errorf("UserByOIDC(carol-sub) = %s, want %s", byOIDC.Username, users[0].Username)
		}
		for _, lookup := range []func(tx *store.Tx) (*hub.User, error){
			func(tx *store.Tx) (*hub.User, error) { return tx.UserByUsername("nobody") },
			func(tx *store.Tx) (*hub.User, error) { return tx.UserByOIDC("https://idp.example.org", "nobody") },
			func(tx *store.Tx) (*hub.User, error) { return tx.UserByOIDC("", "") },
		} {
			if _, err := getErr(db, lookup); !errors.Is(err, hub.ErrNotFound) {
				t.Errorf("lookup of a missing user = %v, want hub.ErrNotFound", err)
			}
		}

		yes, no := true, false
		names := func(us []*hub.User) []string {
			var out []string
			for _, u := range us {
				out = append(out, u.Username)
			}
			return out
		}
		tests := []struct {
			name      string
			filter    store.UserFilter
			want      []string
			wantTotal int
		}{
			{"all, by username", store.UserFilter{}, []string{"asmith", "bob", "carol", "dave", "erin"}, 5},
			{"agency", store.UserFilter{AgencyID: w.council.ID}, []string{"bob", "carol", "erin"}, 3},
			{"disabled", store.UserFilter{Disabled: &yes}, []string{"bob"}, 1},
			{"enabled in agency", store.UserFilter{AgencyID: w.council.ID, Disabled: &no}, []string{"carol", "erin"}, 2},
			{"first page", store.UserFilter{Limit: 2}, []string{"asmith", "bob"}, 5},
			{"second page", store.UserFilter{Limit: 2, Offset: 2}, []string{"carol", "dave"}, 5},
			{"last page", store.UserFilter{Limit: 2, Offset: 4}, []string{"erin"}, 5},
			{"no such agency", store.UserFilter{AgencyID: hub.NewID()}, nil, 0},
		}
		for _, tt := range tests {
			var got []*hub.User
			var total int
			mustRead(t, db, func(tx *store.Tx) error {
				var err error
				got, total, err = tx.FindUsers(tt.filter)
				return err
			})
			if diff := cmp.Diff(tt.want, names(got)); diff != "" || total != tt.wantTotal {
				t.Errorf("FindUsers(%s) = %v, total %d, want %v, total %d", tt.name, names(got), total, tt.want, tt.wantTotal)
			}
		}

		// Duplicates: the username, also by rename, and the identity
		// provider's subject.
		clock.Advance(time.Minute)
		dup := mk("carol", w.police, false)
		err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateUser(dup) })
		if !errors.Is(err, hub.ErrConflict) || hub.ErrorField(err) != "username" {
			t.Errorf("CreateUser(duplicate username) = %v (field %q), want hub.ErrConflict on field username", err, hub.ErrorField(err))
		}
		rename := *users[3]
		rename.Username = "dave"
		err = db.Tx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(&rename) })
		if !errors.Is(err, hub.ErrConflict) {
			t.Errorf("UpdateUser(rename to a taken username) = %v, want hub.ErrConflict", err)
		}
		sub := mk("frank", w.police, false)
		sub.OIDCIssuer, sub.OIDCSubject = "https://idp.example.org", "carol-sub"
		err = db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateUser(sub) })
		if !errors.Is(err, hub.ErrConflict) {
			t.Errorf("CreateUser(duplicate OIDC subject) = %v, want hub.ErrConflict", err)
		}
		if _, total := findUsers(t, db, store.UserFilter{}); total != 5 {
			t.Errorf("after refused duplicates, FindUsers total = %d, want 5", total)
		}
	})
}

func findUsers(t *testing.T, db *storetest.Store, f store.UserFilter) ([]*hub.User, int) {
	t.Helper()
	var us []*hub.User
	var total int
	mustRead(t, db, func(tx *store.Tx) error {
		var err error
		us, total, err = tx.FindUsers(f)
		return err
	})
	return us, total
}

func TestSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		w := seedWorld(t, db)
		other := &hub.User{Username: "other", DisplayName: "Other", AgencyID: w.police.ID, Roles: []hub.Role{hub.RolePolice}}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateUser(other) })

		now := db.Now()
		sess := func(id byte, user string, age time.Duration) *hub.Session {
			created := now.Add(-age)
			return &hub.Session{IDHash: []byte{id, 0xfe, 0x00, 0x7f}, UserID: user, MFAPending: id%2 == 0,
				CreatedAt: created, LastSeenAt: created.Add(time.Minute), ExpiresAt: created.Add(12 * time.Hour),
				Client: "192.0.2.1", UserAgent: "Mozilla/5.0"}
		}
		a1, a2, a3 := sess(1, w.user.ID, 3*time.Hour), sess(2, w.user.ID, 2*time.Hour), sess(3, w.user.ID, time.Hour)
		b1 := sess(4, other.ID, time.Hour)
		mustTx(t, db, func(tx *store.Tx) error {
			for _, s := range []*hub.Session{a1, a2, a3, b1} {
				if err := tx.CreateSession(s); err != nil {
					return err
				}
			}
			return nil
		})
		got := get(t, db, func(tx *store.Tx) (*hub.Session, error) { return tx.Session(a2.IDHash) })
		if diff := cmp.Diff(a2, got); diff != "" {
			t.Errorf("Session(a2) mismatch (-want +got):\n%s", diff)
		}
		list := get(t, db, func(tx *store.Tx) ([]*hub.Session, error) { return tx.UserSessions(w.user.ID) })
		if diff := cmp.Diff([]*hub.Session{a3, a2, a1}, list); diff != "" {
			t.Errorf("UserSessions() mismatch, want newest first (-want +got):\n%s", diff)
		}
		if _, err := getErr(db, func(tx *store.Tx) (*hub.Session, error) { return tx.Session([]byte("nope")) }); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("Session(missing) = %v, want hub.ErrNotFound", err)
		}
		err := db.Tx(context.Background(), func(tx *store.Tx) error { return tx.CreateSession(sess(1, other.ID, 0)) })
		if !errors.Is(err, hub.ErrConflict) {
			t.Errorf("CreateSession(duplicate id hash) = %v, want hub.ErrConflict", err)
		}

		seen := now.Add(time.Second)
		mustTx(t, db, func(tx *store.Tx) error { return tx.TouchSession(a1.IDHash, seen) })
		if got := get(t, db, func(tx *store.Tx) (*hub.Session, error) { return tx.Session(a1.IDHash) }); !got.LastSeenAt.Equal(seen) {
			t.Errorf("after TouchSession(%v), LastSeenAt = %v", seen, got.LastSeenAt)
		}

		// Sign out everywhere else: keep a2.
		var n int64
		mustTx(t, db, func(tx *store.Tx) (err error) { n, err = tx.DeleteUserSessions(w.user.ID, a2.IDHash); return err })
		if n != 2 {
			t.Errorf("DeleteUserSessions(keep a2) = %d, want 2", n)
		}
		list = get(t, db, func(tx *store.Tx) ([]*hub.Session, error) { return tx.UserSessions(w.user.ID) })
		if diff := cmp.Diff([]*hub.Session{a2}, list); diff != "" {
			t.Errorf("after DeleteUserSessions(keep a2), UserSessions() mismatch (-want +got):\n%s", diff)
		}
		// Sign out everywhere.
		mustTx(t, db, func(tx *store.Tx) (err error) { n, err = tx.DeleteUserSessions(w.user.ID, nil); return err })
		if n != 1 {
			t.Errorf("DeleteUserSessions(keep nil) = %d, want 1", n)
		}
		if list := get(t, db, func(tx *store.Tx) ([]*hub.Session, error) { return tx.UserSessions(other.ID) }); len(list) != 1 {
			t.Errorf("DeleteUserSessions of one user left the other with %d sessions, want 1", len(list))
		}

		// Expiry: absolute (expires_at <= now) and idle (last seen before).
		clock.Advance(time.Minute)
		now = db.Now()
		expired := &hub.Session{IDHash: []byte("expired"), UserID: other.ID, CreatedAt: now.Add(-13 * time.Hour), LastSeenAt: now.Add(-time.Minute), ExpiresAt: now}
		idle := &hub.Session{IDHash: []byte("idle"), UserID: other.ID, CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: now.Add(-31 * time.Minute), ExpiresAt: now.Add(time.Hour)}
		fresh := &hub.Session{IDHash: []byte("fresh"), UserID: other.ID, CreatedAt: now.Add(-time.Hour), LastSeenAt: now.Add(-30 * time.Minute), ExpiresAt: now.Add(time.Microsecond)}
		mustTx(t, db, func(tx *store.Tx) error {
			for _, s := range []*hub.Session{expired, idle, fresh} {
				if err := tx.CreateSession(s); err != nil {
					return err
				}
			}
			return nil
		})
		// b1, last seen an hour ago, is idle too.
		mustTx(t, db, func(tx *store.Tx) (err error) {
			n, err = tx.DeleteExpiredSessions(now, now.Add(-30*time.Minute))
			return err
		})
		if n != 3 {
			t.Errorf("DeleteExpiredSessions() = %d, want 3 (expired, idle and b1)", n)
		}
		for _, s := range []*hub.Session{expired, idle, b1} {
			if _, err := getErr(db, func(tx *store.Tx) (*hub.Session, error) { return tx.Session(s.IDHash) }); !errors.Is(err, hub.ErrNotFound) {
				t.Errorf("after DeleteExpiredSessions, Session(%q) = %v, want hub.ErrNotFound", s.IDHash, err)
			}
		}
		left := get(t, db, func(tx *store.Tx) ([]*hub.Session, error) { return tx.UserSessions(other.ID) })
		if diff := cmp.Diff([]*hub.Session{fresh}, left, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("after DeleteExpiredSessions, sessions left mismatch (-want +got):\n%s", diff)
		}
	})
}

func TestAPIClients(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		w := seedWorld(t, db)
		ctx := context.Background()

		machine := &hub.APIClient{Name: "GP front door", Setting: "health", AgencyID: w.council.ID,
			Scopes: []hub.Scope{hub.ScopeFlagRead}, TokenHash: []byte("hash-1"), TokenPrefix: "shk_abc"}
		personal := &hub.APIClient{Name: "Analyst token", AgencyID: w.police.ID, UserID: w.user.ID,
			Scopes: []hub.Scope{hub.ScopePersonRead, hub.ScopePersonWrite}, TokenHash: []byte("hash-2"), TokenPrefix: "shk_def"}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateAPIClient(machine) })
		clock.Advance(time.Minute)
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateAPIClient(personal) })

		for _, c := range []*hub.APIClient{machine, personal} {
			got := get(t, db, func(tx *store.Tx) (*hub.APIClient, error) { return tx.APIClient(c.ID) })
			if diff := cmp.Diff(c, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("APIClient(%s) mismatch (-want +got):\n%s", c.Name, diff)
			}
			got = get(t, db, func(tx *store.Tx) (*hub.APIClient, error) { return tx.APIClientByTokenHash(c.TokenHash) })
			if got.ID != c.ID {
				t.Errorf("APIClientByTokenHash(%s) = %s, want %s", c.TokenHash, got.Name, c.Name)
			}
		}
		list := get(t, db, (*store.Tx).APIClients)
		if diff := cmp.Diff([]*hub.APIClient{personal, machine}, list, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("APIClients() mismatch, want newest first (-want +got):\n%s", diff)
		}

		used := db.Now().Add(time.Second)
		mustTx(t, db, func(tx *store.Tx) error { return tx.TouchAPIClient(machine.ID, used) })
		clock.Advance(time.Minute)
		mustTx(t, db, func(tx *store.Tx) error { return tx.RevokeAPIClient(machine.ID) })
		got := get(t, db, func(tx *store.Tx) (*hub.APIClient, error) { return tx.APIClient(machine.ID) })
		if !got.LastUsedAt.Equal(used) || !got.RevokedAt.Equal(db.Now()) || !got.Revoked() {
			t.Errorf("after touch and revoke, LastUsedAt = %v, RevokedAt = %v, want %v, %v", got.LastUsedAt, got.RevokedAt, used, db.Now())
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.RevokeAPIClient(machine.ID) }); !errors.Is(err, hub.ErrConflict) {
			t.Errorf("RevokeAPIClient(already revoked) = %v, want hub.ErrConflict", err)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.RevokeAPIClient(hub.NewID()) }); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("RevokeAPIClient(missing) = %v, want hub.ErrNotFound", err)
		}
		if _, err := getErr(db, func(tx *store.Tx) (*hub.APIClient, error) { return tx.APIClientByTokenHash([]byte("nope")) }); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("APIClientByTokenHash(missing) = %v, want hub.ErrNotFound", err)
		}
		dup := &hub.APIClient{Name: "Copy", AgencyID: w.council.ID, Scopes: []hub.Scope{hub.ScopeFlagRead}, TokenHash: machine.TokenHash, TokenPrefix: "shk_xyz"}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.CreateAPIClient(dup) }); !errors.Is(err, hub.ErrConflict) {
			t.Errorf("CreateAPIClient(duplicate token hash) = %v, want hub.ErrConflict", err)
		}
	})
}

func TestBreakGlass(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, clock := openStore(t, engine)
		w := seedWorld(t, db)
		ctx := context.Background()
		person := hub.NewID()

		g := &hub.BreakGlass{UserID: w.user.ID, ObjectType: "person", ObjectID: person, Reason: "child missing overnight; on-call DI", ExpiresAt: db.Now().Add(time.Hour)}
		older := &hub.BreakGlass{UserID: w.user.ID, ObjectType: "person", ObjectID: hub.NewID(), Reason: "earlier", ExpiresAt: db.Now().Add(time.Hour)}
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateBreakGlass(older) })
		clock.Advance(time.Minute)
		mustTx(t, db, func(tx *store.Tx) error { return tx.CreateBreakGlass(g) })

		active := func() []*hub.BreakGlass {
			return get(t, db, func(tx *store.Tx) ([]*hub.BreakGlass, error) { return tx.ActiveBreakGlass(w.user.ID, "person", person) })
		}
		if diff := cmp.Diff([]*hub.BreakGlass{g}, active()); diff != "" {
			t.Errorf("ActiveBreakGlass() mismatch (-want +got):\n%s", diff)
		}
		if got := get(t, db, func(tx *store.Tx) ([]*hub.BreakGlass, error) { return tx.ActiveBreakGlass(w.user.ID, "case", person) }); len(got) != 0 {
			t.Errorf("ActiveBreakGlass(other object type) = %d grants, want 0", len(got))
		}

		all := get(t, db, func(tx *store.Tx) ([]*hub.BreakGlass, error) { return tx.FindBreakGlass(store.BreakGlassFilter{}) })
		if diff := cmp.Diff([]*hub.BreakGlass{g, older}, all); diff != "" {
			t.Errorf("FindBreakGlass() mismatch, want newest first (-want +got):\n%s", diff)
		}
		clock.Advance(time.Minute)
		mustTx(t, db, func(tx *store.Tx) error { return tx.ReviewBreakGlass(older.ID, "dpo") })
		older.ReviewedBy, older.ReviewedAt = "dpo", db.Now()
		unreviewed := get(t, db, func(tx *store.Tx) ([]*hub.BreakGlass, error) {
			return tx.FindBreakGlass(store.BreakGlassFilter{Unreviewed: true})
		})
		if diff := cmp.Diff([]*hub.BreakGlass{g}, unreviewed); diff != "" {
			t.Errorf("FindBreakGlass(Unreviewed) mismatch (-want +got):\n%s", diff)
		}
		all = get(t, db, func(tx *store.Tx) ([]*hub.BreakGlass, error) {
			return tx.FindBreakGlass(store.BreakGlassFilter{Limit: 5})
		})
		if diff := cmp.Diff([]*hub.BreakGlass{g, older}, all); diff != "" {
			t.Errorf("FindBreakGlass() after review mismatch (-want +got):\n%s", diff)
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return tx.ReviewBreakGlass(older.ID, "dpo") }); !errors.Is(err, hub.ErrNotFound) {
			t.Errorf("ReviewBreakGlass(already reviewed) = %v, want hub.ErrNotFound", err)
		}

		clock.Advance(time.Hour)
		if got := active(); len(got) != 0 {
			t.Errorf("ActiveBreakGlass() after expiry = %d grants, want 0", len(got))
		}
	})
}

func TestSettings(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		setting := func(name string) string {
			return get(t, db, func(tx *store.Tx) (string, error) { return tx.Setting(name) })
		}
		if got := setting("banner"); got != "" {
			t.Errorf("Setting(banner) unset = %q, want \"\"", got)
		}
		mustTx(t, db, func(tx *store.Tx) error { return tx.SetSetting("banner", "Training system: synthetic data only") })
		mustTx(t, db, func(tx *store.Tx) error { return tx.SetSetting("retention_days", "2555") })
		if got := setting("banner"); got != "Training system: synthetic data only" {
			t.Errorf("Setting(banner) = %q after SetSetting", got)
		}
		mustTx(t, db, func(tx *store.Tx) error { return tx.SetSetting("banner", "") })
		if got, want := setting("banner"), ""; got != want {
			t.Errorf("Setting(banner) after overwrite = %q, want %q", got, want)
		}
		if got := setting("retention_days"); got != "2555" {
			t.Errorf("Setting(retention_days) = %q, want 2555", got)
		}
	})
}

// TestTxAllOrNothing checks that a transaction whose function fails writes
// nothing: not the records, not the audit events appended in it, not a
// checkpoint, and publishes nothing.
func TestTxAllOrNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		db, _ := openStore(t, engine)
		boom := errors.New("boom")
		ran := false
		err := db.Tx(context.Background(), func(tx *store.Tx) error {
			a := &hub.Agency{Name: "A", Kind: hub.AgencyPolice}
			ar := &hub.Area{Code: "A1", Name: "A"}
			if err := tx.CreateAgency(a); err != nil {
				return err
			}
			if err := tx.CreateArea(ar); err != nil {
				return err
			}
			p := &hub.Person{AreaID: ar.ID, OwnerAgencyID: a.ID, GivenName: "Ann", FamilyName: "Other", Sensitivity: hub.SensitivityNormal,
				Identifiers: []hub.Identifier{{Kind: hub.IdentNHS, Value: nhsNumber(7)}}}
			if err := tx.CreatePerson(p); err != nil {
				return err
			}
			if err := tx.SetSetting("k", "v"); err != nil {
				return err
			}
			for i := range 3 {
				if err := tx.AppendAudit(newEvent(i)); err != nil {
					return err
				}
			}
			tx.AfterCommit(func() { ran = true })
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Tx(fn returning boom) = %v, want boom", err)
		}
		if ran {
			t.Error("AfterCommit hook ran for a transaction that did not commit")
		}
		for _, table := range []string{"agencies", "areas", "persons", "person_names", "person_identifiers", "settings", "audit_events", "audit_hashes", "audit_checkpoints"} {
			if n := queryInt(t, db, `SELECT COUNT(*) FROM `+table); n != 0 {
				t.Errorf("after a failed Tx, %s has %d rows, want 0", table, n)
			}
		}
		if n := get(t, db, (*store.Tx).AuditSize); n != 0 {
			t.Errorf("after a failed Tx, AuditSize() = %d, want 0", n)
		}
		if n := len(db.Published.Notes()); n != 0 {
			t.Errorf("after a failed Tx, %d checkpoints were published, want 0", n)
		}
		if rep := verify(t, db, nil); !rep.OK() || rep.Entries != 0 {
			t.Errorf("VerifyAudit() after a failed Tx = %d entries, %v; want an empty, intact log", rep.Entries, rep.Problems)
		}

		// The next transaction starts the log at 0.
		e := newEvent(0)
		mustTx(t, db, func(tx *store.Tx) error { return tx.AppendAudit(e) })
		if e.Index != 0 {
			t.Errorf("first event after a failed Tx has Index %d, want 0", e.Index)
		}
	})
}
