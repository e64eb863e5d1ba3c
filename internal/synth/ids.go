package synth

import (
	"strconv"
	"sync"

	"github.com/safehub/safehub/internal/ident"
)

// Identifiers are pure functions of a person's global index k (0 … N−1)
// and the seed, scrambled by affine bijections so they look random yet are
// unique by construction; no generator state is shared between blocks. See
// FORMAT.md "Identifiers" for the rules.

// blockSize is the number of persons in one block, the unit of
// deterministic generation. It is fixed: changing it changes the output.
const blockSize = 1000

// recordStride spaces per-block record sequence numbers: no block writes
// more than this many rows of one extract (at most two records per person).
const recordStride = 2048

// upnPerBlock is how many UPNs one block may issue for each (LA, issue
// year); blocks × upnPerBlock must stay below 1,000,000.
const upnPerBlock = 64

// validNHSBodies lists, in order, the six digits after 999 that have a
// valid check digit, with that digit appended (so 7 digits).
var validNHSBodies = sync.OnceValue(func() []int32 {
	out := make([]int32, 0, 920_000)
	var buf [9]byte
	buf[0], buf[1], buf[2] = '9', '9', '9'
	for v := 0; v < 1_000_000; v++ {
		x := v
		for i := 8; i >= 3; i-- {
			buf[i] = byte('0' + x%10)
			x /= 10
		}
		if c, ok := ident.NHSCheckDigit(string(buf[:])); ok {
			out = append(out, int32(v*10+c))
		}
	}
	return out
})

// personalPhoneBlocks are the Ofcom drama blocks persons' phones come from,
// in the order the pool grows: the mobile block first (its last hundred
// numbers are kept for criminal phones), then landline blocks.
var personalPhoneBlocks = []struct {
	prefix string // E.164 up to the last three digits
	n      int
}{
	{"+447700900", 900}, // 07700 900000–900899
	{"+441164960", 1000}, {"+441632960", 1000}, {"+441154960", 1000}, {"+441214960", 1000}, {"+442079460", 1000},
	{"+441134960", 1000}, {"+441144960", 1000}, {"+441174960", 1000}, {"+441184960", 1000}, {"+441514960", 1000},
	{"+441614960", 1000}, {"+441914980", 1000}, {"+441314960", 1000}, {"+441414960", 1000}, {"+442896496", 1000},
	{"+442920180", 1000},
}

const maxPersonalPhones = 16_900

// criminalPhones is the pool of deal-line and burner numbers: 07700
// 900900–900999, then 03069 990000–990999.
const criminalPhones = 1100

func criminalPhone(i int) string {
	i %= criminalPhones
	if i < 100 {
		return "+447700900" + pad3(900+i)
	}
	return "+443069990" + pad3(i-100)
}

// customerPhone returns a drama number no person holds when the personal
// pool is not full (the deal line's customers are not in truth_persons);
// at larger scales it may be a person's number.
func (s *idSpace) customerPhone(i int) string {
	free := maxPersonalPhones - s.phonePool
	if free <= 0 {
		return s.phoneAt(i % s.phonePool)
	}
	return s.phoneAt(s.phonePool + i%free)
}

func pad3(v int) string {
	return string([]byte{byte('0' + v/100%10), byte('0' + v/10%10), byte('0' + v%10)})
}

// idSpace holds the bijections of one world.
type idSpace struct {
	n         int64
	nhs       perm // k → slot; slots below len(validNHSBodies) get a number
	nhsBody   perm // slot → index into validNHSBodies
	pnc       perm
	phonePool int
	phone     perm
	upnPerm   perm
	vehicle   perm
}

// vehicleSpace is the number of registrations of the form Z? 00 ???:
// 23 second letters × 100 × 24³.
const vehicleSpace = 23 * 100 * 24 * 24 * 24

func newIDSpace(seed uint64, n int64) *idSpace {
	pool := int(n)
	pool = max(pool, 900)
	pool = min(pool, maxPersonalPhones)
	return &idSpace{
		n:         n,
		nhs:       newPerm(seed, 1, uint64(n)),
		nhsBody:   newPerm(seed, 2, uint64(len(validNHSBodies()))),
		pnc:       newPerm(seed, 3, uint64(n)),
		phonePool: pool,
		phone:     newPerm(seed, 4, uint64(pool)),
		upnPerm:   newPerm(seed, 5, 1_000_000),
		vehicle:   newPerm(seed, 6, vehicleSpace),
	}
}

// nhsNumber returns person k's NHS number: 999 followed by seven digits
// with a valid modulus 11 check digit, unique in the world. The 999 range
// holds 909,091 valid numbers; when there are more persons, a uniformly
// spread subset of that size gets one and the rest have none ("").
func (s *idSpace) nhsNumber(k int64) string {
	slot := s.nhs.at(uint64(k))
	bodies := validNHSBodies()
	if slot >= uint64(len(bodies)) {
		return ""
	}
	v := bodies[s.nhsBody.at(slot)]
	b := make([]byte, 10)
	b[0], b[1], b[2] = '9', '9', '9'
	for i := 9; i >= 3; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b)
}

// pncID returns person k's PNC id, YY/NNNNNNNL, with first-recorded year
// yy. Serial numbers are unique in the world.
func (s *idSpace) pncID(k int64, yy int) string {
	v := s.pnc.at(uint64(k))
	if v >= 9_999_999 {
		return ""
	}
	serial := int(v) + 1
	b := make([]byte, 0, 11)
	b = append2(b, yy)
	b = append(b, '/')
	str := strconv.Itoa(serial)
	for i := len(str); i < 7; i++ {
		b = append(b, '0')
	}
	b = append(b, str...)
	return string(append(b, ident.PNCCheckLetter(yy, serial)))
}

// upn returns a permanent UPN for LA la (855, 856, 857), issue year yy and
// allocation index idx (block × upnPerBlock + the block's own counter for
// that LA and year): a check letter, the LA, a fake establishment 9000–
// 9999, the year and a serial.
func (s *idSpace) upn(la string, yy int, idx int) string {
	v := int(s.upnPerm.at(uint64(idx)))
	body := make([]byte, 0, 12)
	body = append(body, la...)
	body = append(body, '9')
	body = append(body, pad3(v/1000)...)
	body = append2(body, yy)
	body = append(body, pad3(v%1000)...)
	c, ok := ident.UPNCheckLetter(string(body))
	if !ok {
		panic("synth: bad UPN body " + string(body))
	}
	return string(c) + string(body)
}

// phoneAt returns number i of the personal pool.
func (s *idSpace) phoneAt(i int) string {
	for _, b := range personalPhoneBlocks {
		if i < b.n {
			return b.prefix + pad3(i)
		}
		i -= b.n
	}
	panic("synth: phone index out of range")
}

// personalPhone returns the number person k uses if they have a phone:
// pool[(a·k + c) mod |pool|]. Household members have consecutive indices,
// so they never share a number; persons whose indices differ by a multiple
// of the pool size do (only once N exceeds the pool).
func (s *idSpace) personalPhone(k int64) string {
	return s.phoneAt(int(s.phone.at(uint64(k) % uint64(s.phonePool))))
}

// registration returns vehicle registration i (persons' cars use i = k,
// hire cars i = N + j): "Z", a letter, two digits, a space and three
// letters, such as "ZK19 BHX". No current-format GB registration begins
// with Z, so these cannot be real vehicles.
func (s *idSpace) registration(i int64) string {
	const second = "ABCDEFGHJKLMNOPRSTUVWXY" // 23: no I, Q, Z
	const rest = "ABCDEFGHJKLMNOPRSTUVWXYZ"  // 24: no I, Q
	v := s.vehicle.at(uint64(i))
	b := make([]byte, 0, 8)
	b = append(b, 'Z', second[v%23])
	v /= 23
	b = append2(b, int(v%100))
	v /= 100
	b = append(b, ' ', rest[v%24], rest[v/24%24], rest[v/576%24])
	return string(b)
}

// personID is the truth id of person k: P and eight (or more) digits.
func personID(k int64) string { return seqID("P", k+1, 8) }

// seqID formats prefix and v zero-padded to width digits.
func seqID(prefix string, v int64, width int) string {
	s := strconv.FormatInt(v, 10)
	b := make([]byte, 0, len(prefix)+max(width, len(s)))
	b = append(b, prefix...)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return string(append(b, s...))
}

// recordNumber is the number in an extract record id: unique per agency
// across blocks, in file order within a block.
func recordNumber(block, j int) int64 { return 1_000_000 + int64(block)*recordStride + int64(j) }

// eventID is an id for an event row of block b: prefix, block, sequence.
func eventID(prefix string, b, seq int) string {
	return prefix + strconv.Itoa(b) + "-" + strconv.Itoa(seq)
}
