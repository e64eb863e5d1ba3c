package synth

import (
	"strings"
)

// A block is blockSize consecutive persons, generated from its own rng
// stream: first the planted households the plan put in it, then
// background households until it is full. Everything about those persons
// (their extract records, casework and background signals) and the events
// of the networks whose home it is are written by the block.

type person struct {
	k             int64
	id            string
	hh            *household
	given, family string
	altFamily     string // another family name they have used
	alias         string
	female        bool
	dob           int64
	her           int
	ethnicity     string
	language      string
	age           int // at End
	phone         string
	nhs, upn, pnc string
	known         bool
	legal, risk   string
	vehicle       string
	spec          *spec
	parent        bool
	missingN      int  // missing episodes planned
	cme           bool // has a child-missing-education episode
}

func (x *person) child() bool { return x.age < 18 }

type household struct {
	id      string
	addr    address
	prev    address
	movedIn int64 // day; noDay if they have always lived here
	members []*person
}

type blockGen struct {
	p        *plan
	b        int
	r        *rng
	c        *chunk
	persons  []*person
	hhs      []*household
	upnCount map[upnKey]int
	seq      [numFiles]int
	byTown   map[*town][]*person // everyone, by town, for calls
	youth    map[*town][]*person // children aged 11 to 17, by town
}

type upnKey struct {
	la string
	yy int
}

// heritage weights by LA code of residence.
var heritageWeights = map[string][]float64{
	//      WB    Ind   PakB  Som   WAf   Car   EEu
	"856": {0.34, 0.30, 0.10, 0.04, 0.04, 0.03, 0.09},
	"855": {0.84, 0.06, 0.015, 0.005, 0.01, 0.01, 0.06},
	"857": {0.93, 0.02, 0.005, 0, 0.005, 0.01, 0.03},
	"204": {0.30, 0.04, 0.06, 0.06, 0.25, 0.22, 0.07},
	"309": {0.30, 0.04, 0.05, 0.07, 0.22, 0.22, 0.10},
	"208": {0.35, 0.03, 0.04, 0.05, 0.23, 0.25, 0.05},
	"330": {0.40, 0.08, 0.26, 0.05, 0.05, 0.12, 0.04},
	"336": {0.50, 0.15, 0.08, 0.02, 0.05, 0.12, 0.08},
	"892": {0.60, 0.05, 0.10, 0.03, 0.07, 0.08, 0.07},
}

var heritageCum = func() map[string][]float64 {
	m := map[string][]float64{}
	for k, w := range heritageWeights {
		m[k] = cumulative(w)
	}
	return m
}()

func (g *blockGen) heritageFor(t *town) int {
	return g.r.weighted(heritageCum[t.area.code])
}

// run generates the block into g.c.
func (g *blockGen) run() {
	n := blockLen(g.p.n, g.b)
	base := int64(g.b) * blockSize
	k := base
	for _, h := range g.p.hhs[g.b] {
		g.plantedHousehold(h, k)
		k += int64(h.size)
	}
	for k < base+int64(n) {
		g.backgroundHousehold(k, int(base+int64(n)-k))
		k += int64(len(g.hhs[len(g.hhs)-1].members))
	}
	for _, hh := range g.hhs {
		for _, x := range hh.members {
			g.identify(x)
			g.planCasework(x)
			t := hh.addr.town
			g.byTown[t] = append(g.byTown[t], x)
			if x.age >= 11 && x.age < 18 {
				g.youth[t] = append(g.youth[t], x)
			}
		}
	}
	for _, x := range g.persons {
		g.writePerson(x)
	}
	g.writeExtracts()
	for _, x := range g.persons {
		g.casework(x)
		g.backgroundSignals(x)
	}
	for _, n := range g.p.netsHome[g.b] {
		g.networkEvents(n)
	}
	g.c.flushStaged()
}

func (g *blockGen) newHousehold(t *town, addr *address) *household {
	hh := &household{id: seqID("H", int64(g.b)*blockSize+int64(len(g.hhs))+1, 8), movedIn: noDay}
	if addr != nil {
		hh.addr = *addr
	} else {
		hh.addr = makeAddress(g.r, t)
	}
	// A third of households moved in during the last five years; agencies
	// that have not caught up still hold the previous address.
	if g.r.chance(0.33) {
		hh.movedIn = g.p.endDay - int64(g.r.between(20, 5*365))
		pt := hh.addr.town
		if g.r.chance(0.3) && pt.isLLR() {
			pt = towns[g.r.weighted(townCum)]
		}
		hh.prev = makeAddress(g.r, pt)
	}
	g.hhs = append(g.hhs, hh)
	g.c.stats.households++
	return hh
}

func (g *blockGen) add(hh *household, k int64, female bool, dob int64, her int, family string) *person {
	x := &person{k: k, id: personID(k), hh: hh, female: female, dob: dob, her: her, family: family}
	x.age = ageOn(dob, g.p.endDay)
	hr := &heritages[her]
	if female {
		x.given = pick(g.r, hr.female)
		if hr.femForm != nil {
			x.family = hr.femForm(family)
		}
	} else {
		x.given = pick(g.r, hr.male)
	}
	x.ethnicity = hr.ethnicity
	x.language = hr.languages[g.r.pickIndex(hr.langWeight)]
	hh.members = append(hh.members, x)
	g.persons = append(g.persons, x)
	return x
}

// family builds a household of adults and children. anchor, when not nil,
// is a planted child who must be one of the children.
func (g *blockGen) family(k int64, hh *household, parents, children int, anchor *spec) {
	r := g.r
	t := hh.addr.town
	herF := g.heritageFor(t)
	herM := herF
	if r.chance(mixedRate(t)) {
		herM = g.heritageFor(t)
	}
	if anchor != nil && anchor.heritage >= 0 {
		herF, herM = anchor.heritage, anchor.heritage
	}
	fatherFamily := pick(r, heritages[herF].family)
	motherFamily := pick(r, heritages[herM].family)
	// The eldest child's date of birth fixes the parents' ages.
	var eldest int64
	if anchor != nil {
		eldest = anchor.dob - int64(r.between(0, 4)*365)
	} else {
		eldest = g.p.endDay - int64(r.intn(18*365))
	}
	motherDOB := eldest - int64(r.between(18, 40)*365+r.intn(365))
	fatherDOB := motherDOB - int64(r.between(-2, 7)*365+r.intn(365))

	childFamily := fatherFamily
	var alt string
	switch {
	case parents == 1 && r.chance(0.45):
		// Single mother: the children keep their father's name, or use hers.
		alt = motherFamily
	case parents == 2 && r.chance(0.25):
		// Mother kept her own name; some children are known by both.
		alt = fatherFamily + "-" + motherFamily
		if heritages[herM].femForm != nil {
			alt = motherFamily
		}
	}
	if parents == 1 && alt == "" {
		childFamily = motherFamily
		fatherFamily = motherFamily
	}

	mother := g.add(hh, k, true, motherDOB, herM, motherFamily)
	mother.parent = true
	if parents == 1 && alt != "" {
		mother.family = heritageFeminine(herM, motherFamily)
	} else if parents == 2 && !r.chance(0.2) {
		mother.family = heritageFeminine(herF, fatherFamily)
		mother.altFamily = motherFamily // maiden name
	}
	k++
	if parents == 2 {
		father := g.add(hh, k, false, fatherDOB, herF, fatherFamily)
		father.parent = true
		k++
	}
	// Children, the anchor among them; twins now and then.
	dob := eldest
	for i := range children {
		var x *person
		if anchor != nil && i == 0 {
			her := herF
			if herM != herF && r.chance(0.5) {
				her = herM
			}
			x = g.add(hh, k, anchor.female, anchor.dob, her, childFamily)
			x.spec = anchor
		} else {
			if i > 0 && !(r.chance(0.04)) {
				dob += int64(r.between(1, 5)*365 + r.intn(200))
			}
			if anchor != nil && i == 1 {
				dob = anchor.dob + int64(r.between(1, 4)*365)
			}
			dob = min(dob, g.p.endDay-int64(r.intn(30)))
			her := herF
			if herM != herF && r.chance(0.5) {
				her = herM
			}
			x = g.add(hh, k, r.chance(0.49), dob, her, childFamily)
		}
		if herM != herF {
			x.ethnicity = mixedEthnicity(herF, herM)
		}
		if alt != "" {
			x.altFamily = alt
		}
		k++
	}
}

func heritageFeminine(her int, family string) string {
	if f := heritages[her].femForm; f != nil {
		return f(family)
	}
	return family
}

func mixedRate(t *town) float64 {
	if t.area == areaLeicester {
		return 0.08
	}
	return 0.04
}

// adults builds an adult-only household of n persons; anchor, when not
// nil, is the first.
func (g *blockGen) adults(k int64, hh *household, kind, n int, anchor *spec) {
	r := g.r
	her := g.heritageFor(hh.addr.town)
	fam := pick(r, heritages[her].family)
	var first *person
	if anchor != nil {
		first = g.add(hh, k, anchor.female, anchor.dob, her, fam)
		first.spec = anchor
		first.alias = anchor.alias
	} else {
		first = g.add(hh, k, r.chance(0.5), g.p.endDay-int64(r.between(18, 90)*365+r.intn(365)), her, fam)
	}
	k++
	for i := 1; i < n; i++ {
		switch kind {
		case hhAdultPartner:
			g.add(hh, k, !first.female, first.dob+int64(r.between(-5, 5)*365), her, fam)
		case hhAdultParent:
			p := g.add(hh, k, i == 1 || r.chance(0.3), first.dob-int64(r.between(18, 35)*365), her, fam)
			p.parent = true
		default: // sharers: unrelated adults
			h2 := g.heritageFor(hh.addr.town)
			g.add(hh, k, r.chance(0.5), first.dob+int64(r.between(-8, 8)*365), h2, pick(r, heritages[h2].family))
		}
		k++
	}
}

func (g *blockGen) plantedHousehold(h *plannedHH, k int64) {
	s := h.anchor
	hh := g.newHousehold(s.town, &s.addr)
	if h.kind == hhFamily {
		g.family(k, hh, h.parents, h.size-h.parents, s)
	} else {
		g.adults(k, hh, h.kind, h.size, s)
	}
	for _, x := range hh.members {
		if x.spec == s && x.k != s.k {
			panic("synth: planted person at the wrong index")
		}
	}
}

// Background household kinds: two parents, one parent, multigenerational,
// couple, one adult, sharers; and how many children a family has.
var (
	householdKinds = cumulative([]float64{0.45, 0.22, 0.06, 0.12, 0.12, 0.03})
	childCounts    = cumulative([]float64{0.35, 0.35, 0.18, 0.08, 0.04})
)

// backgroundHousehold adds one household of at most room persons.
func (g *blockGen) backgroundHousehold(k int64, room int) {
	r := g.r
	t := towns[r.weighted(townCum)]
	hh := g.newHousehold(t, nil)
	switch r.weighted(householdKinds) {
	case 0, 2: // two parents (with grandparents in a multigenerational home)
		n := 1 + r.weighted(childCounts)
		if room < 3 {
			g.adults(k, hh, hhAdultAlone, 1, nil)
			return
		}
		g.family(k, hh, 2, min(n, room-2), nil)
	case 1:
		n := 1 + r.weighted(childCounts)
		if room < 2 {
			g.adults(k, hh, hhAdultAlone, 1, nil)
			return
		}
		g.family(k, hh, 1, min(n, room-1), nil)
	case 3:
		g.adults(k, hh, hhAdultPartner, min(2, room), nil)
	case 4:
		g.adults(k, hh, hhAdultAlone, 1, nil)
	default:
		g.adults(k, hh, -1, min(r.between(2, 3), room), nil)
	}
}

// identify gives a person their identifiers, status and risk.
func (g *blockGen) identify(x *person) {
	r, p := g.r, g.p
	s := x.spec
	x.nhs = p.ids.nhsNumber(x.k)
	if x.nhs != "" {
		g.c.stats.withNHS++
	}
	if s != nil || p.hasPhone(x.k, x.age) {
		x.phone = p.ids.personalPhone(x.k)
	}
	llr := x.hh.addr.town.isLLR()
	if x.child() {
		g.c.stats.children++
		x.known = r.chance(0.72) || s != nil
		if llr && x.age >= 4 {
			y, _, _ := civil(x.dob)
			yy := (y + 4) % 100
			key := upnKey{x.hh.addr.town.area.code, yy}
			if n := g.upnCount[key]; n < upnPerBlock {
				x.upn = p.ids.upn(key.la, yy, g.b*upnPerBlock+n)
				g.upnCount[key] = n + 1
			}
		}
	}
	x.risk = g.riskLevel(x)
	if x.known {
		g.c.stats.known++
		x.legal = pickW(r, []string{"early_help", "cin", "cpp", "lac"}, []float64{0.3, 0.45, 0.13, 0.12})
		if x.risk == "high" && r.chance(0.3) {
			x.legal = "lac"
		}
	}
	if x.risk == "high" && x.child() {
		g.c.stats.highRisk++
	}
	// Known to police.
	police := false
	switch {
	case s != nil:
		police = !x.child() && s.roles[0].role != roleCuckooed || r.chance(0.5)
	case x.child():
		police = x.age >= 10 && (r.chance(0.05) || x.risk == "high" && r.chance(0.4) || x.risk == "medium" && r.chance(0.12))
	case x.age < 50:
		police = r.chance(map[bool]float64{false: 0.12, true: 0.04}[x.female])
	default:
		police = r.chance(0.03)
	}
	if police {
		y, _, _ := civil(x.dob)
		first := y + r.between(12, max(12, min(x.age, 40)))
		ey, _, _ := civil(p.endDay)
		first = min(first, ey)
		x.pnc = p.ids.pncID(x.k, first%100)
		if x.alias == "" && !x.child() && r.chance(0.1) {
			x.alias = pick(r, streetAliases)
		}
	}
	if !x.child() && (s != nil && s.vehicle || s == nil && x.age >= 20 && x.age < 75 && r.chance(0.35)) {
		x.vehicle = p.ids.registration(x.k)
	}
}

func pickW(r *rng, xs []string, w []float64) string { return xs[r.pickIndex(w)] }

// riskLevel is the child's exploitation risk at End: from the plan for
// planted children, drawn for the rest of those known to services.
func (g *blockGen) riskLevel(x *person) string {
	if !x.child() {
		return ""
	}
	r := g.r
	if s := x.spec; s != nil {
		risk := "low"
		for _, m := range s.roles {
			switch {
			case m.role == roleRunner || m.role == roleVictim:
				if m.to == noDay || g.p.endDay-m.to < 180 {
					risk = "high"
				} else if risk != "high" {
					risk = pickW(r, []string{"high", "medium"}, []float64{0.3, 0.7})
				}
			case risk == "low":
				risk = pickW(r, []string{"medium", "low", "high"}, []float64{0.6, 0.3, 0.1})
			}
		}
		return risk
	}
	if !x.known {
		return "none"
	}
	switch {
	case x.age < 8:
		// Exploitation risk is graded for older children; a young child
		// known to services is there for other reasons.
		return pickW(r, []string{"none", "low"}, []float64{0.85, 0.15})
	case x.age < 10:
		return pickW(r, []string{"none", "low", "medium"}, []float64{0.8, 0.18, 0.02})
	}
	return pickW(r, []string{"none", "low", "medium", "high"}, []float64{0.625, 0.25, 0.11, 0.015})
}

func (g *blockGen) writePerson(x *person) {
	hh := x.hh
	w := g.c.rec(fPersons)
	w.str(x.id).str(hh.id).str(x.given).str(x.family).str(x.alias).date(x.dob).str(sexOf(x.female)).
		str(x.ethnicity).str(x.language).str(hh.addr.town.area.code).str(hh.addr.town.name).
		str(hh.addr.line).str(hh.addr.postcode).coord(hh.addr.lat).coord(hh.addr.lon).date(hh.movedIn)
	if hh.movedIn != noDay {
		w.str(hh.prev.line).str(hh.prev.postcode).str(hh.prev.town.name)
	} else {
		w.str("").str("").str("")
	}
	w.str(x.phone).str(phoneKind(x.phone)).str(x.nhs).str(x.upn).str(x.pnc).bool(x.child()).bool(x.known).str(x.legal).str(x.risk)
	w.end()
	if x.vehicle != "" {
		g.c.rec(fVehicles).str(x.vehicle).str("private").str(pick(g.r, vehicleMakes)).str(pick(g.r, vehicleColours)).str(x.id).str("").str("").end()
	}
}

func sexOf(female bool) string {
	if female {
		return "female"
	}
	return "male"
}

func phoneKind(e164 string) string {
	switch {
	case e164 == "":
		return ""
	case strings.HasPrefix(e164, "+447"):
		return "mobile"
	}
	return "landline"
}
