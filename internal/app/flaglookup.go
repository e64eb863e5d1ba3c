package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
	"github.com/safehub/safehub/internal/store"
)

// Health flag look-ups (issue 5): a health front door asks, by NHS number,
// whether a child has an active flag. The answer comes from an in-memory
// index of the active flags, so a look-up reads nothing from the database;
// it writes one audit event (and, when a flag matched, a notification to
// the child's lead practitioner) through the store's group commit, and
// returns only once that is durable.
//
// The index is keyed by HMAC-SHA-256 of the canonical NHS number under a
// random key made when the process starts, so the numbers themselves are
// not held in memory. It is built from the database at start and kept
// coherent with writes: a flag change made by this process refreshes the
// child's entry before the change's use case returns (store
// DB.OnFlagChange); on PostgreSQL, changes made by other servers arrive
// within moments through LISTEN/NOTIFY, and after the listening connection
// is re-made the index is rebuilt, since notifications may have been
// missed. A full rebuild also runs every few minutes as a safety net.

// FlagLookupKind is the kind of the notification a look-up sends.
const FlagLookupKind = "flag_lookup"

// FlagLookupOptions adjust StartFlagLookups.
type FlagLookupOptions struct {
	// RebuildEvery is how often the index is rebuilt from the database as
	// a safety net (default 10 minutes; negative: never).
	RebuildEvery time.Duration
}

type nhsKey [sha256.Size]byte

// FlagLookups is the look-up service: the index and the use cases.
type FlagLookups struct {
	app *App
	key []byte

	// refresh serialises index refreshes (one child's or all), so that an
	// older read never overwrites a newer one.
	refresh sync.Mutex
	mu      sync.RWMutex
	// idx holds each indexed child's active flags (one child per NHS
	// number), packed (flagindex.go).
	idx *flagIndex

	agencies sync.Map // agency id → name
	settings sync.Map // client id → setting

	// tokens caches bearer tokens checked by AuthenticateToken (by hash);
	// checked remembers, for the transaction being written, the clients
	// found not revoked in it.
	tokens    sync.Map // [32]byte → *cachedToken
	checkedMu sync.Mutex
	checkedTx *store.Tx
	checkedOK map[string]bool

	closed atomic.Bool
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// StartFlagLookups builds the index from the database and keeps it
// coherent until Close.
func (a *App) StartFlagLookups(ctx context.Context, opt FlagLookupOptions) (*FlagLookups, error) {
	l := &FlagLookups{app: a, key: make([]byte, 32)}
	if _, err := rand.Read(l.key); err != nil {
		return nil, err
	}
	if opt.RebuildEvery == 0 {
		opt.RebuildEvery = 10 * time.Minute
	}
	if err := l.Rebuild(ctx); err != nil {
		return nil, fmt.Errorf("build the flag look-up index: %w", err)
	}
	a.db.OnFlagChange(l.refreshPerson)
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	l.done.Add(1)
	go func() {
		defer l.done.Done()
		err := a.db.ListenFlagChanges(bg, func(personID string) {
			if personID == "" {
				// (Re)connected: anything may have changed meanwhile.
				if err := l.Rebuild(bg); err != nil && bg.Err() == nil {
					a.log.Error("flag look-up index rebuild failed", "err", err)
				}
				return
			}
			l.refreshPerson(personID)
		})
		if err != nil && bg.Err() == nil {
			a.log.Error("listening for flag changes failed", "err", err)
		}
	}()
	if opt.RebuildEvery > 0 {
		l.done.Add(1)
		go func() {
			defer l.done.Done()
			t := time.NewTicker(opt.RebuildEvery)
			defer t.Stop()
			for {
				select {
				case <-bg.Done():
					return
				case <-t.C:
					if err := l.Rebuild(bg); err != nil && bg.Err() == nil {
						a.log.Error("flag look-up index rebuild failed", "err", err)
					}
				}
			}
		}()
	}
	return l, nil
}

// Close stops keeping the index coherent.
func (l *FlagLookups) Close() {
	if l.closed.Swap(true) {
		return
	}
	l.cancel()
	l.done.Wait()
}

func (l *FlagLookups) hash(nhs string) nhsKey {
	m := hmac.New(sha256.New, l.key)
	m.Write([]byte(nhs))
	var k nhsKey
	m.Sum(k[:0])
	return k
}

// Rebuild reads every active flag of a child with an NHS number and
// replaces the index.
func (l *FlagLookups) Rebuild(ctx context.Context) error {
	l.refresh.Lock()
	defer l.refresh.Unlock()
	// Many flags share their advice, contact line, agency and area: the
	// index keeps one copy of each such string.
	idx := newFlagIndex()
	var agencies []*hub.Agency
	err := l.app.db.Read(ctx, func(tx *store.Tx) error {
		err := tx.ActiveFlagsWithNHS("", func(f *hub.Flag, nhs string) error {
			k := l.hash(nhs)
			idx.add(k, f)
			idx.byPerson[personKeyOf(f.PersonID)] = k
			return nil
		})
		if err != nil {
			return err
		}
		agencies, err = tx.Agencies()
		return err
	})
	if err != nil {
		return err
	}
	for _, ag := range agencies {
		l.agencies.Store(ag.ID, ag.Name)
	}
	l.mu.Lock()
	l.idx = idx
	l.mu.Unlock()
	return nil
}

// refreshPerson re-reads one child's active flags into the index. It runs
// after a flag change commits, before the change's use case returns.
func (l *FlagLookups) refreshPerson(personID string) {
	if l.closed.Load() {
		return
	}
	l.refresh.Lock()
	defer l.refresh.Unlock()
	var flags []*hub.Flag
	var nhs string
	err := l.app.db.Read(context.Background(), func(tx *store.Tx) error {
		return tx.ActiveFlagsWithNHS(personID, func(f *hub.Flag, n string) error {
			flags, nhs = append(flags, f), n
			return nil
		})
	})
	if err != nil {
		// The index may now be stale for this child: drop the child's
		// entry (a look-up then says "no flag" only until the rebuild that
		// follows) and rebuild.
		l.app.log.Error("flag look-up index refresh failed; rebuilding", "err", err)
		go func() {
			if err := l.Rebuild(context.Background()); err != nil {
				l.app.log.Error("flag look-up index rebuild failed", "err", err)
			}
		}()
		return
	}
	var k nhsKey
	if len(flags) > 0 {
		k = l.hash(nhs)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.idx.set(personID, k, flags)
}

// IndexSize returns the number of children and flags in the index.
func (l *FlagLookups) IndexSize() (children, flags int) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.idx.size()
}

func (l *FlagLookups) agencyName(ctx context.Context, id string) string {
	if v, ok := l.agencies.Load(id); ok {
		return v.(string)
	}
	var name string
	err := l.app.db.Read(ctx, func(tx *store.Tx) error {
		ag, err := tx.Agency(id)
		if err == nil {
			name = ag.Name
		}
		return err
	})
	if err != nil {
		return ""
	}
	l.agencies.Store(id, name)
	return name
}

// setting returns where a client is used ("Leicester Royal Infirmary ED").
// A client's setting never changes, so it is read once.
func (l *FlagLookups) setting(ctx context.Context, actor *access.Actor) (string, error) {
	if !actor.Machine {
		return "personal token of " + actor.Name, nil
	}
	if v, ok := l.settings.Load(actor.ID); ok {
		return v.(string), nil
	}
	var s string
	err := l.app.db.Read(ctx, func(tx *store.Tx) error {
		c, err := tx.APIClient(actor.ID)
		if err != nil {
			return err
		}
		s = c.Setting
		if s == "" {
			s = c.Name
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	l.settings.Store(actor.ID, s)
	return s, nil
}

// tokenCacheFor is how long a checked machine token is trusted before
// AuthenticateToken is asked again (which also records the client's use).
const tokenCacheFor = time.Minute

type cachedToken struct {
	actor *access.Actor
	at    time.Time
}

// errClientRevoked answers a look-up by a client revoked since its token
// was cached.
var errClientRevoked = hub.Errorf(hub.EUnauthorized, "the bearer token is not valid")

// Authenticate checks a bearer token for the FHIR routes: machine clients'
// tokens are checked with App.AuthenticateToken and then trusted from a
// cache for a minute, which takes the database out of the request's path.
// Revocation still takes effect at once: every look-up and read checks,
// inside the transaction that records it, that its client is not revoked,
// and is refused (401) and not recorded if it is.
func (l *FlagLookups) Authenticate(ctx context.Context, token string) (*access.Actor, error) {
	var k [32]byte
	copy(k[:], auth.HashToken(token))
	now := time.Now()
	if v, ok := l.tokens.Load(k); ok {
		c := v.(*cachedToken)
		if now.Sub(c.at) < tokenCacheFor {
			return c.actor, nil
		}
	}
	actor, _, err := l.app.AuthenticateToken(ctx, token)
	if err != nil {
		l.tokens.Delete(k)
		return nil, err
	}
	if actor.Machine {
		l.tokens.Store(k, &cachedToken{actor: actor, at: now})
	}
	return actor, nil
}

// checkClient refuses the look-up if its machine client has been revoked,
// reading the client once per transaction.
func (l *FlagLookups) checkClient(tx *store.Tx, actor *access.Actor) error {
	if !actor.Machine {
		return nil // personal tokens and sessions were checked just now
	}
	l.checkedMu.Lock()
	defer l.checkedMu.Unlock()
	if l.checkedTx != tx {
		// Holding tx keeps its address from being reused by a later one.
		l.checkedTx, l.checkedOK = tx, map[string]bool{}
	}
	if l.checkedOK[actor.ID] {
		return nil
	}
	c, err := tx.APIClient(actor.ID)
	if hub.ErrorCode(err) == hub.ENotFound || err == nil && c.Revoked() {
		return errClientRevoked
	}
	if err != nil {
		return err
	}
	l.checkedOK[actor.ID] = true
	return nil
}

// FlagLookupResult is the answer to a look-up.
type FlagLookupResult struct {
	// NHSNumber is the number looked up, canonical.
	NHSNumber string
	// Flags are the child's active flags (at most the count asked for),
	// without their reasons; Total is how many there are.
	Flags []*hub.Flag
	Total int
	// Agencies names the agencies that own the flags, by id.
	Agencies map[string]string
	// At is when the look-up was recorded.
	At time.Time
}

// LookUp answers whether the child with this NHS number has active flags,
// for a health system's client (access.FlagLookup). practitioner optionally
// names the person or role asking; count bounds the flags returned. The
// look-up is recorded in the audit log — who, which setting, when, which
// child, the result — and, when a flag matched, each lead practitioner is
// notified of the setting and time; LookUp returns only once both are
// durable. An invalid NHS number is refused, never answered "no flag".
func (l *FlagLookups) LookUp(ctx context.Context, actor *access.Actor, nhs, practitioner string, count int) (*FlagLookupResult, error) {
	if err := require(actor, access.FlagLookup); err != nil {
		return nil, err
	}
	nhs, err := ident.NHSNumber(nhs)
	if err != nil {
		return nil, err
	}
	if err := hub.ValidateText("practitioner", practitioner, 0, 100); err != nil {
		return nil, err
	}
	setting, err := l.setting(ctx, actor)
	if err != nil {
		return nil, err
	}
	today := l.app.Today()
	k := l.hash(nhs)
	l.mu.RLock()
	indexed := l.idx.flags(k)
	l.mu.RUnlock()
	res := &FlagLookupResult{NHSNumber: nhs, Agencies: map[string]string{}}
	var all []*hub.Flag
	for _, f := range indexed {
		if f.Active(today) {
			all = append(all, f)
		}
	}
	res.Total = len(all)
	res.Flags = all[:min(len(all), max(count, 0))]

	e := event(ctx, actor, hub.ActFlagLookup, "flag", "")
	e.Detail = lookupDetail(setting, practitioner, len(all))
	if len(all) > 0 {
		e.ObjectID, e.SubjectID = all[0].ID, all[0].PersonID
	}
	err = l.app.db.Group(ctx, func(tx *store.Tx) error {
		if err := l.checkClient(tx, actor); err != nil {
			return err
		}
		ev := *e
		if err := tx.AppendAudit(&ev); err != nil {
			return err
		}
		res.At = ev.Time
		if len(all) == 0 {
			return nil
		}
		ns, err := lookupNotifications(tx, all, setting, practitioner)
		if err != nil {
			return err
		}
		return l.app.notify(tx, ns...)
	})
	if err != nil {
		return nil, err
	}
	for _, f := range res.Flags {
		res.Agencies[f.OwnerAgencyID] = l.agencyName(ctx, f.OwnerAgencyID)
	}
	return res, nil
}

// FlagRead is one flag as a health system reads it.
type FlagRead struct {
	Flag *hub.Flag
	// NHSNumber is the child's, "" when the child has none.
	NHSNumber string
	Agency    string
}

// ReadFlag returns one flag, in any status, for a health system's client
// that learnt its id from a look-up; the read is audited (durably, before
// it returns). An unknown id is hub.ErrNotFound, and audited as such.
func (l *FlagLookups) ReadFlag(ctx context.Context, actor *access.Actor, id, practitioner string) (*FlagRead, error) {
	if err := require(actor, access.FlagLookup); err != nil {
		return nil, err
	}
	if !hub.ValidID(id) {
		return nil, hub.Invalid("id", "is not a flag identifier")
	}
	if err := hub.ValidateText("practitioner", practitioner, 0, 100); err != nil {
		return nil, err
	}
	setting, err := l.setting(ctx, actor)
	if err != nil {
		return nil, err
	}
	var out *FlagRead
	err = l.app.db.Group(ctx, func(tx *store.Tx) error {
		out = nil
		if err := l.checkClient(tx, actor); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActView, "flag", id)
		e.Detail = lookupDetail(setting, practitioner, 1)
		f, nhs, err := tx.FlagWithNHS(id)
		if err != nil {
			if hub.ErrorCode(err) != hub.ENotFound {
				return err
			}
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		e.SubjectID = f.PersonID
		out = &FlagRead{Flag: f, NHSNumber: nhs}
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, hub.NotFound("flag")
	}
	out.Agency = l.agencyName(ctx, out.Flag.OwnerAgencyID)
	return out, nil
}

// lookupDetail is the audit event's detail: the setting and practitioner,
// and for a look-up that found nothing "no active flag" first.
func lookupDetail(setting, practitioner string, matched int) string {
	d := "setting: " + setting
	if practitioner != "" {
		d += "; practitioner: " + practitioner
	}
	switch {
	case matched == 0:
		d = "no active flag; " + d
	case matched > 1:
		d += fmt.Sprintf("; %d active flags", matched)
	}
	return d
}

// lookupNotifications tell each lead practitioner of the matched flags
// where and when the child was looked up.
func lookupNotifications(tx *store.Tx, flags []*hub.Flag, setting, practitioner string) ([]*hub.Notification, error) {
	given, family, err := tx.PersonName(flags[0].PersonID)
	if err != nil {
		return nil, err
	}
	child := strings.TrimSpace(given + " " + family)
	when := tx.Now().In(London).Format("Monday 2 January 2006 at 15:04")
	by := ""
	if practitioner != "" {
		by = " by " + practitioner
	}
	var out []*hub.Notification
	seen := map[string]bool{}
	for _, f := range flags {
		if f.LeadUserID == "" || seen[f.LeadUserID] {
			continue
		}
		seen[f.LeadUserID] = true
		out = append(out, &hub.Notification{
			UserID: f.LeadUserID, Kind: FlagLookupKind, SubjectID: f.PersonID, ObjectType: "flag", ObjectID: f.ID,
			Title: fmt.Sprintf("%s's health flag was looked up at %s", child, setting),
			Body:  fmt.Sprintf("%s's health flag was looked up at %s on %s%s.", child, setting, when, by),
			Link:  "/persons/" + f.PersonID,
		})
	}
	return out, nil
}

// flagLookupRecord is one recorded look-up of a child.
type flagLookupRecord struct {
	At           time.Time
	Setting      string
	Practitioner string
	// Client is the machine client's name; FlagID the flag that matched.
	Client string
	FlagID string
}

// flagLookupsOf lists the latest look-ups that found the child's flags,
// newest first, from the audit log (for the child's page, the nurse's desk
// and the chronology; the caller decides who may see them).
func flagLookupsOf(tx *store.Tx, personID string, limit int) ([]flagLookupRecord, error) {
	es, err := tx.FindAuditEvents(store.AuditFilter{SubjectID: personID, Action: hub.ActFlagLookup, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]flagLookupRecord, 0, len(es))
	for _, e := range es {
		setting, practitioner := parseLookupDetail(e.Detail)
		out = append(out, flagLookupRecord{At: e.Time, Setting: setting, Practitioner: practitioner, Client: e.ActorName, FlagID: e.ObjectID})
	}
	return out, nil
}

// parseLookupDetail reads the setting and practitioner back from
// lookupDetail's text.
func parseLookupDetail(d string) (setting, practitioner string) {
	for _, part := range strings.Split(d, "; ") {
		if v, ok := strings.CutPrefix(part, "setting: "); ok {
			setting = v
		}
		if v, ok := strings.CutPrefix(part, "practitioner: "); ok {
			practitioner = v
		}
	}
	return setting, practitioner
}

func init() {
	// The child's chronology shows each look-up, to those who may see the
	// child's flags.
	chronologySources = append(chronologySources, func(a *App, tx *store.Tx, actor *access.Actor, p *hub.Person) ([]ChronologyEntry, error) {
		if !a.decide(tx, actor, access.FlagRead, access.PersonRecord(p)).Allow {
			return nil, nil
		}
		recs, err := flagLookupsOf(tx, p.ID, 100)
		if err != nil {
			return nil, err
		}
		out := make([]ChronologyEntry, 0, len(recs))
		for _, r := range recs {
			ce := ChronologyEntry{At: r.At, Kind: FlagLookupKind, Title: "Health flag looked up at " + r.Setting, Agency: r.Client, Link: "/persons/" + p.ID}
			if r.Practitioner != "" {
				ce.Detail = "By " + r.Practitioner + "."
			}
			out = append(out, ce)
		}
		return out, nil
	})
}
