package synth

import (
	"fmt"
	"math"
	"strconv"
)

// The plan is everything decided before any block is generated: the
// county lines, organised groups and peer groups, the persons they involve
// ("planted" persons, with their global index, address, date of birth and
// phone fixed here), the operations against them, and which block emits
// each network's events. It is small (a few per cent of the persons) and
// held in memory; everything else streams.

// Network kinds.
const (
	kindLine      = "county_line"
	kindOrganised = "organised_group"
	kindPeer      = "peer_group"
)

// Member roles.
const (
	roleHolder     = "line_holder"
	roleAssociate  = "associate"
	roleRunner     = "runner"
	roleCuckooed   = "cuckooed"
	roleLeader     = "leader"
	roleMember     = "member"
	roleAbuser     = "abuser"
	roleVictim     = "victim"
	rolePeripheral = "peripheral"
)

// Household kinds.
const (
	hhFamily       = iota // adults and children
	hhAdultAlone          // one adult
	hhAdultPartner        // an adult couple
	hhAdultParent         // a young adult living with a parent
)

type address struct {
	line, postcode string
	town           *town
	lat, lon       float64
}

type spec struct {
	idx      int
	k        int64
	child    bool // a child role (runner, victim, peer)
	female   bool
	dob      int64 // day
	town     *town
	addr     address
	alias    string
	vehicle  bool
	roles    []*member
	hh       *plannedHH
	heritage int // -1: the block chooses
}

type plannedHH struct {
	kind    int
	parents int // family: adults before the anchor
	size    int
	anchor  *spec
	block   int
	offset  int // index of the first member within the block
}

type member struct {
	net      *network
	sp       *spec
	role     string
	from, to int64 // days; to == noDay: still a member at End
}

type netPhone struct {
	number   string
	role     string // deal_line or burner
	holder   *spec
	from, to int64 // days
}

type network struct {
	idx        int
	id, name   string
	kind       string
	purpose    string
	exp        *exportArea
	towns      []*town
	from, to   int64 // days; to == noDay: active at End
	members    []*member
	phones     []netPhone
	hotspots   []*hotspot
	controller *network
	op         *operation
	hireCars   []int64 // registration indices
	home       int     // block that writes its events
}

func (n *network) active() bool { return n.to == noDay }

// endOr returns the network's end, or fallback when it is active.
func endOr(to, fallback int64) int64 {
	if to == noDay {
		return fallback
	}
	return to
}

type opPerson struct {
	sp      *spec
	outcome string // arrested, charged, vulnerable_identified
	day     int64
}

type operation struct {
	id, name          string
	net               *network
	from, to          int64 // days; to == noDay: ongoing
	warrants, arrests int
	charges           int
	people            []opPerson
}

type plan struct {
	cfg              Config
	seed             uint64
	n                int64
	nb               int
	dataset          string
	start, end       int64 // unix seconds
	startDay, endDay int64
	ids              *idSpace

	specs    []*spec
	hhs      [][]*plannedHH // by block, in block order
	nets     []*network
	netsHome [][]*network // by home block
	ops      []*operation
	nextCrim int
	hireNext int64

	// For linking networks without quadratic scans: runners not yet in a
	// peer group, by the town they live in, and the first line not yet
	// controlled by an organised group.
	freeRunners map[*town][]*member
	lineCursor  int
}

func blockLen(n int64, b int) int {
	return int(min(int64(blockSize), n-int64(b)*blockSize))
}

// newPlan builds the plan for a normalized Config.
func newPlan(cfg Config) *plan {
	p := &plan{
		cfg:     cfg,
		seed:    cfg.Seed,
		n:       int64(cfg.Persons),
		dataset: cfg.DatasetID(),
		start:   cfg.Start.Unix(),
		end:     cfg.End.Unix(),
	}
	p.startDay, p.endDay = dayOf(p.start), dayOf(p.end)
	p.nb = int((p.n + blockSize - 1) / blockSize)
	p.ids = newIDSpace(p.seed, p.n)
	p.hhs = make([][]*plannedHH, p.nb)
	p.freeRunners = map[*town][]*member{}
	p.netsHome = make([][]*network, p.nb)

	r := newRNG(p.seed, streamPlan, 0)
	f := float64(p.n) / 6000
	nLines := int(math.Round(7 * f))
	nOCG := int(math.Round(1 * f))
	nCSE := int(math.Round(2 * f))
	nPeer := int(math.Round(6 * f))

	// About 70% of lines are active at End (the demo has 5 of 7).
	nActive := int(math.Round(0.7 * float64(nLines)))
	for i := range nLines {
		p.addLine(r, i, i < 3, i < nActive)
	}
	for i := range nOCG {
		p.addOCG(r, i)
	}
	for i := range nCSE {
		p.addCSEGroup(r, i, i == 0)
	}
	for i := range nPeer {
		p.addPeerGroup(r, i, i < 3)
	}
	for _, n := range p.nets {
		p.addOperation(r, n)
	}
	p.place(r)
	for i, n := range p.nets {
		n.home = int(int64(i) * int64(p.nb) / int64(len(p.nets)))
		p.netsHome[n.home] = append(p.netsHome[n.home], n)
	}
	return p
}

// --- planted persons ---

func (p *plan) newSpec(r *rng, t *town, female bool, dob int64) *spec {
	s := &spec{idx: len(p.specs), female: female, dob: dob, town: t, heritage: -1}
	s.addr = makeAddress(r, t)
	p.specs = append(p.specs, s)
	return s
}

// dobForAge returns a date of birth making someone exactly age on day.
func dobForAge(r *rng, age int, day int64) int64 {
	y, m, d := civil(day)
	if m == 2 && d == 29 {
		d = 28
	}
	return dayNumber(y-age, m, d) - int64(r.intn(365))
}

func (p *plan) childSpec(r *rng, t *town, female bool, ageLo, ageHi int, on int64) *spec {
	s := p.newSpec(r, t, female, dobForAge(r, r.between(ageLo, ageHi), on))
	s.child = true
	s.hh = &plannedHH{kind: hhFamily, parents: r.between(1, 2), anchor: s}
	s.hh.size = s.hh.parents + 1 + r.between(0, 2)
	return s
}

func (p *plan) adultSpec(r *rng, t *town, female bool, ageLo, ageHi int) *spec {
	s := p.newSpec(r, t, female, dobForAge(r, r.between(ageLo, ageHi), p.endDay))
	s.hh = &plannedHH{anchor: s}
	switch x := r.float(); {
	case x < 0.45:
		s.hh.kind, s.hh.size = hhAdultAlone, 1
	case x < 0.7:
		s.hh.kind, s.hh.size = hhAdultPartner, 2
	default:
		s.hh.kind, s.hh.size = hhAdultParent, r.between(2, 3)
	}
	return s
}

func (p *plan) join(n *network, s *spec, role string, from, to int64) *member {
	m := &member{net: n, sp: s, role: role, from: from, to: to}
	n.members = append(n.members, m)
	s.roles = append(s.roles, m)
	return m
}

func (p *plan) newNetwork(kind, id, name string) *network {
	n := &network{idx: len(p.nets), kind: kind, id: id, name: name}
	p.nets = append(p.nets, n)
	return n
}

func weightedImportingTown(r *rng) *town {
	w := make([]float64, len(importingTowns))
	for i, t := range importingTowns {
		w[i] = t.weight
	}
	return townByName(importingTowns[r.weighted(cumulative(w))].name)
}

// numbered names the i-th item of a list, adding a number once the list
// is used up ("Tony", …, "Tony 2").
func numbered(list []string, i int) string {
	s := list[i%len(list)]
	if i >= len(list) {
		s += " " + strconv.Itoa(i/len(list)+1)
	}
	return s
}

func (p *plan) period(r *rng, active bool, minDays, maxDays int) (from, to int64) {
	window := int(p.endDay - p.startDay)
	if active {
		from = p.endDay - int64(r.between(60, min(600, window)))
		return from, noDay
	}
	to = p.endDay - int64(r.between(30, max(31, window-120)))
	from = to - int64(r.between(minDays, maxDays))
	return from, to
}

func (p *plan) addLine(r *rng, i int, focus, active bool) {
	n := p.newNetwork(kindLine, seqID("CL", int64(i+1), 4), numbered(lineNames, i)+" line")
	n.purpose = "drug_supply"
	n.exp = exportAreas[r.weighted(exportCum)]
	if focus {
		n.towns = []*town{townByName(pick(r, []string{"Loughborough", "Loughborough", "Shepshed"}))}
	} else {
		n.towns = []*town{weightedImportingTown(r)}
	}
	if r.chance(0.3) {
		if t := weightedImportingTown(r); t != n.towns[0] {
			n.towns = append(n.towns, t)
		}
	}
	n.from, n.to = p.period(r, active, 120, 540)
	end := endOr(n.to, p.endDay)
	home := n.exp.home()

	holder := p.adultSpec(r, home, r.chance(0.1), 20, 30)
	holder.alias, holder.vehicle = pick(r, streetAliases), true
	p.join(n, holder, roleHolder, n.from, n.to)
	for range r.between(1, 3) {
		t := home
		if r.chance(0.4) {
			t = pick(r, n.towns)
		}
		a := p.adultSpec(r, t, r.chance(0.15), 18, 27)
		if r.chance(0.6) {
			a.alias = pick(r, streetAliases)
		}
		a.vehicle = r.chance(0.5)
		p.join(n, a, roleAssociate, n.from+int64(r.intn(60)), n.to)
	}
	for range r.between(4, 8) {
		from := n.from + int64(r.intn(int(max(1, end-n.from-30))))
		to := from + int64(r.between(60, 365))
		if to >= end {
			to = n.to
		}
		var t *town
		switch x := r.float(); {
		case x < 0.45:
			t = pick(r, n.towns)
		case x < 0.7:
			t = towns[0] // Leicester
		default:
			t = home
		}
		c := p.childSpec(r, t, r.chance(0.2), 13, 16, from)
		if r.chance(0.3) {
			c.alias = pick(r, streetAliases)
		}
		m := p.join(n, c, roleRunner, from, to)
		p.freeRunners[t] = append(p.freeRunners[t], m)
	}
	for range r.between(1, 3) {
		from := n.from + int64(r.intn(int(max(1, end-n.from-14))))
		to := from + int64(r.between(14, 180))
		if to >= end {
			to = n.to
		}
		v := p.adultSpec(r, pick(r, n.towns), r.chance(0.45), 35, 66)
		v.hh.kind, v.hh.size = hhAdultAlone, 1
		p.join(n, v, roleCuckooed, from, to)
	}
	for _, t := range n.towns {
		hs := hotspotsIn(t)
		for range min(len(hs), r.between(1, 2)) {
			n.hotspots = appendUnique(n.hotspots, pick(r, hs))
		}
		if st := stationHotspot(t); st != nil {
			n.hotspots = appendUnique(n.hotspots, st)
		}
	}
	// Deal-line numbers over time: a new number every six months or so.
	phones := min(4, 1+int((end-n.from)/180))
	cut := n.from
	for j := range phones {
		next := end
		if j < phones-1 {
			next = cut + (end-cut)/int64(phones-j) + int64(r.between(-20, 20))
		}
		to := next
		if j == phones-1 {
			to = n.to
		}
		n.phones = append(n.phones, netPhone{number: p.crimPhone(), role: "deal_line", holder: holder, from: cut, to: to})
		cut = next
	}
	for _, m := range n.members {
		if m.role == roleRunner || (m.role == roleAssociate && r.chance(0.5)) {
			n.phones = append(n.phones, netPhone{number: p.crimPhone(), role: "burner", holder: m.sp, from: m.from, to: m.to})
		}
	}
	for range r.between(1, 3) {
		n.hireCars = append(n.hireCars, p.n+p.hireNext)
		p.hireNext++
	}
}

func (p *plan) crimPhone() string {
	s := criminalPhone(p.nextCrim)
	p.nextCrim++
	return s
}

func appendUnique[T comparable](xs []T, x T) []T {
	for _, y := range xs {
		if y == x {
			return xs
		}
	}
	return append(xs, x)
}

// addOCG makes an organised crime group controlling two or three lines
// from the same exporting area: their holders and a leader.
func (p *plan) addOCG(r *rng, i int) {
	var lines []*network
	want := r.between(2, 3)
	for ; p.lineCursor < len(p.nets) && (p.nets[p.lineCursor].kind != kindLine || p.nets[p.lineCursor].controller != nil); p.lineCursor++ {
	}
	for j := p.lineCursor; j < len(p.nets) && j < p.lineCursor+50 && len(lines) < want; j++ {
		n := p.nets[j]
		if n.kind == kindLine && n.controller == nil && (len(lines) == 0 || n.exp.name == lines[0].exp.name) {
			lines = append(lines, n)
		}
	}
	if len(lines) == 0 {
		return
	}
	g := p.newNetwork(kindOrganised, seqID("OG", int64(i+1), 4), "OCG "+numbered(groupNames, i))
	g.purpose = "criminal"
	g.exp = lines[0].exp
	g.from, g.to = lines[0].from-int64(r.between(30, 200)), noDay
	leader := p.adultSpec(r, g.exp.home(), false, 28, 45)
	leader.alias, leader.vehicle = pick(r, streetAliases), true
	p.join(g, leader, roleLeader, g.from, noDay)
	for _, l := range lines {
		l.controller = g
		g.towns = append(g.towns, l.towns...)
		h := l.members[0].sp
		p.join(g, h, roleMember, l.from, l.to)
	}
}

func (p *plan) addCSEGroup(r *rng, i int, focus bool) {
	g := p.newNetwork(kindOrganised, seqID("OG", int64(100+i+1), 4), "Network "+numbered(groupNames, i+7))
	g.purpose = "cse"
	t := weightedImportingTown(r)
	if focus {
		t = townByName("Loughborough")
	}
	g.towns = []*town{t}
	g.from, g.to = p.period(r, r.chance(0.5), 180, 720)
	end := endOr(g.to, p.endDay)
	for range r.between(2, 5) {
		home := t
		if r.chance(0.2) {
			home = towns[0]
		}
		a := p.adultSpec(r, home, false, 20, 45)
		a.vehicle = true
		p.join(g, a, roleAbuser, g.from+int64(r.intn(90)), g.to)
	}
	for range r.between(4, 7) {
		from := g.from + int64(r.intn(int(max(1, end-g.from-30))))
		to := from + int64(r.between(60, 400))
		if to >= end {
			to = g.to
		}
		c := p.childSpec(r, t, r.chance(0.85), 13, 15, from)
		p.join(g, c, roleVictim, from, to)
	}
	for _, kind := range []string{hsHotel, hsTakeaway} {
		if h := hotspotOfKind(t, kind); h != nil {
			g.hotspots = append(g.hotspots, h)
		}
	}
}

func (p *plan) addPeerGroup(r *rng, i int, focus bool) {
	var t *town
	switch {
	case focus:
		t = townByName([]string{"Loughborough", "Shepshed", "Loughborough"}[i%3])
	case r.chance(0.3):
		t = towns[0]
	default:
		t = weightedImportingTown(r)
	}
	hs := hotspotsIn(t)
	hang := pick(r, hs)
	g := p.newNetwork(kindPeer, seqID("PG", int64(i+1), 4), hang.name+" group")
	g.purpose = "friendship"
	g.towns = []*town{t}
	g.hotspots = []*hotspot{hang}
	g.from, g.to = p.endDay-int64(r.between(90, 700)), noDay
	if r.chance(0.15) {
		g.to = p.endDay - int64(r.between(20, 80))
	}
	// Some of a local line's runners belong to the group: how lines recruit.
	if r.chance(0.6) {
		free := p.freeRunners[t]
		for taken := 0; taken < 2 && len(free) > 0; {
			m := free[0]
			free = free[1:]
			if ageOn(m.sp.dob, p.endDay) < 18 {
				p.join(g, m.sp, roleMember, max(g.from, m.from-60), g.to)
				taken++
			}
		}
		p.freeRunners[t] = free
	}
	size := r.between(5, 9)
	for j := len(g.members); j < size; j++ {
		c := p.childSpec(r, t, r.chance(0.4), 12, 17, p.endDay)
		role := roleMember
		switch {
		case j == 0 || len(g.members) == 0:
			role = roleLeader
		case j >= size-2 && r.chance(0.5):
			role = rolePeripheral
		}
		p.join(g, c, role, g.from+int64(r.intn(60)), g.to)
	}
}

func (p *plan) addOperation(r *rng, n *network) {
	var op *operation
	switch {
	case n.kind == kindPeer:
		return
	case !n.active() && r.chance(0.75):
		op = &operation{net: n, to: n.to, from: n.to - int64(r.between(60, 240))}
	case n.active() && n.kind == kindLine && r.chance(0.4):
		op = &operation{net: n, from: p.endDay - int64(r.between(20, 200)), to: noDay}
	default:
		return
	}
	op.id = seqID("OP", int64(len(p.ops)+1), 4)
	op.name = "Operation " + numbered(operationNames, len(p.ops))
	n.op = op
	p.ops = append(p.ops, op)
	end := endOr(op.to, p.endDay)
	overlaps := func(m *member) bool { return m.from <= end && endOr(m.to, p.endDay) >= op.from }
	day := func() int64 { return op.from + int64(r.intn(int(end-op.from)+1)) }
	for _, m := range n.members {
		if !overlaps(m) {
			continue
		}
		switch m.role {
		case roleHolder, roleAbuser, roleAssociate, roleLeader:
			if op.to == noDay || (m.role == roleAssociate && r.chance(0.3)) {
				continue
			}
			d := day()
			op.people = append(op.people, opPerson{m.sp, "arrested", d})
			op.arrests++
			if m.role != roleAssociate || r.chance(0.6) {
				op.people = append(op.people, opPerson{m.sp, "charged", d + int64(r.between(1, 30))})
				op.charges++
			}
		case roleRunner, roleVictim, roleCuckooed:
			if op.to == noDay && r.chance(0.5) {
				continue
			}
			op.people = append(op.people, opPerson{m.sp, "vulnerable_identified", day()})
			if m.role == roleRunner && op.to != noDay && r.chance(0.3) {
				op.people = append(op.people, opPerson{m.sp, "arrested", day()})
				op.arrests++
			}
		}
	}
	op.warrants = 0
	if op.to != noDay {
		op.warrants = 1 + op.arrests/2 + r.intn(3)
	}
	for i := range op.people {
		op.people[i].day = min(op.people[i].day, endOr(op.to, p.endDay))
	}
}

// place puts every planted person's household in a block, at most 40% of
// a block being planted, and fixes the person's global index.
func (p *plan) place(r *rng) {
	used := make([]int, p.nb)
	for _, s := range p.specs {
		h := s.hh
		b := r.intn(p.nb)
		for tries := 0; used[b]+h.size > blockLen(p.n, b)*2/5; tries++ {
			if tries > p.nb {
				panic(fmt.Sprintf("synth: no room for planted households in %d persons", p.n))
			}
			b = (b + 1) % p.nb
		}
		h.block, h.offset = b, used[b]
		used[b] += h.size
		pos := 0
		if h.kind == hhFamily {
			pos = h.parents
		}
		s.k = int64(b)*blockSize + int64(h.offset+pos)
		p.hhs[b] = append(p.hhs[b], h)
	}
}

// --- hotspots (fixed geography, the same in every world) ---

type hotspot struct {
	id, kind, name string
	town           *town
	lat, lon       float64
	postcode       string
}

var hotspots, hotspotsByTown = func() ([]*hotspot, map[*town][]*hotspot) {
	var all []*hotspot
	by := map[*town][]*hotspot{}
	for ti, t := range towns {
		n := min(len(hotspotKinds), 3+int(t.weight/25))
		add := func(kind, name string) {
			h := &hotspot{id: seqID("HS", int64(len(all)+1), 3), kind: kind, name: name, town: t}
			z := mix64(uint64(len(all))*0x9e3779b97f4a7c15 + 77)
			h.lat = t.lat + (float64(z&0xffff)/65535-0.5)*0.016
			h.lon = t.lon + (float64(z>>16&0xffff)/65535-0.5)*0.024
			d := t.districts[0]
			h.postcode = d.code + " " + string([]byte{byte('1' + z>>32%9), inwardLetters[z>>40%20], inwardLetters[z>>48%20]})
			all = append(all, h)
			by[t] = append(by[t], h)
		}
		if st, ok := stations[t.station]; ok && (t.station == t.name || t.name == "Wigston" && t.station == "South Wigston") {
			add(hsStation, st.name+" station")
		}
		for i := range n {
			kind := hotspotKinds[i]
			stems := hotspotStems[kind]
			add(kind, stems[(ti+i)%len(stems)]+", "+t.name)
		}
	}
	return all, by
}()

func hotspotsIn(t *town) []*hotspot {
	if hs := hotspotsByTown[t]; len(hs) > 0 {
		return hs
	}
	return hotspotsByTown[towns[0]]
}

func hotspotOfKind(t *town, kind string) *hotspot {
	for _, h := range hotspotsIn(t) {
		if h.kind == kind {
			return h
		}
	}
	return nil
}

func stationHotspot(t *town) *hotspot { return hotspotOfKind(t, hsStation) }

// --- exporting areas as towns ---

var exportTowns = map[*exportArea]*town{}

func init() {
	for _, e := range exportAreas {
		if e.area == areaLeicester {
			exportTowns[e] = towns[0]
			continue
		}
		name := e.area.name
		if e.name == "London" {
			name = "London"
		}
		exportTowns[e] = &town{name: name, area: e.area, council: e.area.name, districts: e.districts,
			station: e.station, lat: e.districts[0].lat, lon: e.districts[0].lon}
	}
}

func (e *exportArea) home() *town { return exportTowns[e] }

// isLLR reports whether t is in Leicester, Leicestershire or Rutland.
func (t *town) isLLR() bool {
	return t.area == areaLeicester || t.area == areaLeicestershire || t.area == areaRutland
}

// makeAddress returns a synthetic address in t: a real postcode district
// with a synthetic inward code; the street and the unit's location follow
// from the postcode, so one postcode is one street.
func makeAddress(r *rng, t *town) address {
	d := t.districts[r.intn(len(t.districts))]
	pc := []byte(d.code + " 0AA")
	n := len(pc)
	pc[n-3] = byte('1' + r.intn(9))
	pc[n-2] = inwardLetters[r.intn(len(inwardLetters))]
	pc[n-1] = inwardLetters[r.intn(len(inwardLetters))]
	h := hashString(string(pc))
	street := streets[h%uint64(len(streets))]
	lat := d.lat + (float64(h>>16&0xffff)/65535*2-1)*d.spreadLat + (r.float()-0.5)*0.0008
	lon := d.lon + (float64(h>>32&0xffff)/65535*2-1)*d.sprLo + (r.float()-0.5)*0.0012
	num := strconv.Itoa(1 + r.intn(160))
	line := num + " " + street
	if r.chance(0.08) {
		line = "Flat " + strconv.Itoa(1+r.intn(12)) + ", " + line
	}
	return address{line: line, postcode: string(pc), town: t, lat: lat, lon: lon}
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return mix64(h)
}
