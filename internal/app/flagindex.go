package app

import (
	"crypto/sha256"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

// flagIndex is the look-up's in-memory index of active flags, laid out so
// that the garbage collector never has to scan it: maps whose keys and
// values are arrays and integers, fixed-size entries holding integers, and
// every string in one byte arena, referred to by offset. A million
// children with 100,000 flags held as *hub.Flag values made every
// collection mark millions of pointers, which put 60–70 ms into the p99 of
// the look-up at half load; packed, the p99 is that of a small index.
//
// An index is changed only under FlagLookups.mu (held for writing);
// readers hold it for reading.
type flagIndex struct {
	// byNHS maps a child's keyed NHS number to the first entry of the
	// child's flags (entries link through next).
	byNHS map[nhsKey]int32
	// byPerson maps a child (by personKey) to the key they are indexed
	// under, so that a refresh finds the child's old entry.
	byPerson map[personKey]nhsKey
	entries  []packedFlag
	arena    []byte
	// interned maps a repeated string (advice, contact line, agency, area,
	// lead, category …) to its place in the arena. Its keys are strings,
	// but few: the distinct values of those fields.
	interned map[string]strRef
}

// personKey identifies a child in byPerson without keeping their id as a
// string.
type personKey [16]byte

func personKeyOf(id string) personKey {
	sum := sha256.Sum256([]byte(id))
	var k personKey
	copy(k[:], sum[:])
	return k
}

// strRef is a string in the arena.
type strRef struct{ off, n uint32 }

// packedFlag is one flag, with no pointers.
type packedFlag struct {
	id, person, area, owner    strRef
	status, category, risk     strRef
	advice, phone, hours, lead strRef
	start, end, review         hub.Date
	version                    int64
	createdAt, updatedAt       int64 // Unix microseconds
	next                       int32 // the child's next flag, or -1
}

func newFlagIndex() *flagIndex {
	return &flagIndex{byNHS: map[nhsKey]int32{}, byPerson: map[personKey]nhsKey{}, interned: map[string]strRef{}}
}

// str stores s once in the arena (the same string again gets the same
// place when intern is set).
func (x *flagIndex) str(s string, intern bool) strRef {
	if intern {
		if r, ok := x.interned[s]; ok {
			return r
		}
	}
	r := strRef{off: uint32(len(x.arena)), n: uint32(len(s))}
	x.arena = append(x.arena, s...)
	if intern {
		x.interned[s] = r
	}
	return r
}

func (x *flagIndex) get(r strRef) string { return string(x.arena[r.off : r.off+r.n]) }

// pack turns a flag into an entry (not yet linked).
func (x *flagIndex) pack(f *hub.Flag) packedFlag {
	return packedFlag{
		id: x.str(f.ID, false), person: x.str(f.PersonID, false),
		area: x.str(f.AreaID, true), owner: x.str(f.OwnerAgencyID, true),
		status: x.str(string(f.Status), true), category: x.str(string(f.Category), true), risk: x.str(string(f.RiskLevel), true),
		advice: x.str(f.Advice, true), phone: x.str(f.ContactPhone, true), hours: x.str(f.ContactHours, true), lead: x.str(f.LeadUserID, true),
		start: f.Start, end: f.End, review: f.ReviewDue,
		version: int64(f.Version), createdAt: f.CreatedAt.UnixMicro(), updatedAt: f.UpdatedAt.UnixMicro(),
		next: -1,
	}
}

// unpack rebuilds the flag fields the look-up answers with (the reason,
// the end reason and the review history are never indexed: health systems
// are not shown them).
func (x *flagIndex) unpack(p *packedFlag) *hub.Flag {
	return &hub.Flag{
		ID: x.get(p.id), PersonID: x.get(p.person), AreaID: x.get(p.area), OwnerAgencyID: x.get(p.owner),
		Status: hub.FlagStatus(x.get(p.status)), Category: hub.FlagCategory(x.get(p.category)), RiskLevel: hub.RiskLevel(x.get(p.risk)),
		Start: p.start, End: p.end, ReviewDue: p.review,
		Advice: x.get(p.advice), ContactPhone: x.get(p.phone), ContactHours: x.get(p.hours), LeadUserID: x.get(p.lead),
		Version: int(p.version), CreatedAt: time.UnixMicro(p.createdAt).UTC(), UpdatedAt: time.UnixMicro(p.updatedAt).UTC(),
	}
}

// set replaces the flags indexed for one child (none: the child is
// removed). The old entries stay in the slice, unreachable, until the next
// rebuild.
func (x *flagIndex) set(personID string, k nhsKey, flags []*hub.Flag) {
	pk := personKeyOf(personID)
	if old, ok := x.byPerson[pk]; ok {
		if head, ok := x.byNHS[old]; ok && x.get(x.entries[head].person) == personID {
			delete(x.byNHS, old)
		}
		delete(x.byPerson, pk)
	}
	if len(flags) == 0 {
		return
	}
	x.add(k, flags...)
	x.byPerson[pk] = k
}

// add indexes flags under k, after any already there.
func (x *flagIndex) add(k nhsKey, flags ...*hub.Flag) {
	for _, f := range flags {
		p := x.pack(f)
		i := int32(len(x.entries))
		x.entries = append(x.entries, p)
		head, ok := x.byNHS[k]
		if !ok {
			x.byNHS[k] = i
			continue
		}
		for x.entries[head].next >= 0 {
			head = x.entries[head].next
		}
		x.entries[head].next = i
	}
}

// flags returns the flags indexed under k.
func (x *flagIndex) flags(k nhsKey) []*hub.Flag {
	i, ok := x.byNHS[k]
	if !ok {
		return nil
	}
	var out []*hub.Flag
	for ; i >= 0; i = x.entries[i].next {
		out = append(out, x.unpack(&x.entries[i]))
	}
	return out
}

// size returns the number of children and flags indexed.
func (x *flagIndex) size() (children, flags int) {
	for _, head := range x.byNHS {
		for i := head; i >= 0; i = x.entries[i].next {
			flags++
		}
	}
	return len(x.byNHS), flags
}
