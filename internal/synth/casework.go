package synth

import (
	"math"
	"strings"
)

// Casework: referrals with screening indicators, missing episodes with
// return home interviews, NRM referrals and health flags, for the children
// of one block. Episodes of one child are generated as one timeline, so
// they never overlap.

// Screening indicators (domain.md §4.2), grouped by the concern they
// usually come with.
var (
	indicatorsCCE = []string{"missing_repeat", "missing_out_of_area", "older_associates", "unexplained_money_gifts", "multiple_phones",
		"unexplained_travel", "drugs_or_cash_found", "arrest_out_of_area", "debt_bondage", "intimidation", "threats_to_family",
		"hotspot_presence", "exclusion", "trap_house", "plugging", "weapons", "gang_association", "coercion", "unexplained_injuries"}
	indicatorsCSE = []string{"missing_repeat", "older_associates", "unexplained_money_gifts", "sexual_health", "online_grooming",
		"cars_with_unknown_adults", "isolation_from_family", "hotspot_presence", "substance_misuse", "coercion", "self_harm",
		"multiple_phones", "unexplained_injuries"}
	indicatorsPeer = []string{"new_peer_group", "gang_association", "hotspot_presence", "exclusion", "substance_misuse",
		"missing_repeat", "neet", "weapons"}
	indicatorsGeneral = []string{"neglect", "domestic_abuse", "parental_substance_misuse", "parental_mental_health", "school_attendance",
		"self_harm", "missing_once", "bereavement", "send", "looked_after", "prior_abuse", "family_criminality", "isolation_from_family"}
)

var referrerAgencies = []string{"police", "education", "health", "social_care", "voluntary", "youth_offending"}
var referrerWeights = cumulative([]float64{0.32, 0.25, 0.16, 0.12, 0.09, 0.06})

// planCasework decides, when identifying x, how many times they go missing:
// heavy tailed, so a minority of children account for most episodes.
func (g *blockGen) planCasework(x *person) {
	r := g.r
	if x.dob > g.p.endDay-10*365 || ageOn(x.dob, g.p.startDay) >= 18 {
		return
	}
	if s := x.spec; s != nil && s.child {
		exploited := false
		for _, m := range s.roles {
			exploited = exploited || m.role == roleRunner || m.role == roleVictim
		}
		if exploited {
			x.missingN = min(60, int(2*r.pareto(0.75)))
		} else if r.chance(0.35) {
			x.missingN = min(20, int(r.pareto(1.3)))
		}
		return
	}
	p := 0.01
	if x.known {
		p = map[string]float64{"none": 0.03, "low": 0.1, "medium": 0.35, "high": 0.8}[x.risk]
	}
	if x.age >= 18 && x.known {
		p = 0.05
	}
	if r.chance(p) {
		switch x.risk {
		case "high":
			x.missingN = min(60, int(1.2*r.pareto(0.75)))
		case "medium":
			x.missingN = min(40, int(r.pareto(1.1)))
		default:
			x.missingN = min(20, int(r.pareto(2.2)))
		}
	}
	x.cme = x.known && x.age >= 11 && x.age <= 16 && r.chance(0.015)
}

// exploitedRole returns x's first runner or victim membership, if any.
func exploitedRole(x *person) *member {
	if x.spec == nil {
		return nil
	}
	for _, m := range x.spec.roles {
		if m.role == roleRunner || m.role == roleVictim {
			return m
		}
	}
	return nil
}

var hourWeights = cumulative([]float64{1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.5, 1, 2, 2, 2, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 7, 6, 5, 3, 2})

// atHour returns a time on day at a random hour, mostly evening.
func (g *blockGen) atHour(r *rng, day int64) int64 {
	h := r.weighted(hourWeights)
	return day*dayS + int64(h)*hour + int64(r.intn(hour))
}

func (g *blockGen) casework(x *person) {
	if x.dob > g.p.endDay || ageOn(x.dob, g.p.startDay) >= 18 && x.spec == nil {
		return
	}
	if x.known || x.spec != nil && x.spec.child {
		g.referrals(x)
	}
	if x.missingN > 0 || x.cme {
		g.missing(x)
	}
	g.nrm(x)
	g.healthFlag(x)
}

// childDays returns the days of the period during which x is a child.
func (g *blockGen) childDays(x *person) (lo, hi int64) {
	lo = max(g.p.startDay, x.dob)
	hi = min(g.p.endDay-1, birthday(x.dob, 18)-1)
	return lo, hi
}

func (g *blockGen) referrals(x *person) {
	r := g.r
	lo, hi := g.childDays(x)
	if hi < lo {
		return
	}
	n := 1
	if r.chance(0.4) {
		n += 1 + int(r.exp(0.7))
	}
	switch x.risk {
	case "high":
		n += r.between(1, 3)
	case "medium":
		n += r.between(0, 2)
	}
	if m := exploitedRole(x); m != nil {
		// The referral that brought the exploitation to notice.
		day := min(hi, max(lo, m.from+int64(r.between(20, 150))))
		g.referral(r, "person", x.id, g.atHour(r, day), concernOf(m), nil, ageOn(x.dob, day))
		n--
	}
	for range n {
		day := lo + int64(r.intn(int(hi-lo)+1))
		age := ageOn(x.dob, day)
		concern := ""
		switch {
		case age < 10:
			// Exploitation concerns are about older children; a young
			// child's referrals are about their welfare at home.
			concern = pick(r, []string{"general_welfare", "general_welfare", "neglect", "domestic_abuse"})
		case x.risk == "high":
			concern = pick(r, []string{"cce", "cse", "missing", "county_lines"})
		case x.risk == "medium":
			concern = pick(r, []string{"missing", "cce", "cse", "general_welfare", "peer_group"})
		default:
			concern = pick(r, []string{"general_welfare", "general_welfare", "neglect", "domestic_abuse", "missing"})
		}
		g.referral(r, "person", x.id, g.atHour(r, day), concern, nil, age)
	}
}

func concernOf(m *member) string {
	if m.net.kind == kindLine {
		return "county_lines"
	}
	if m.net.purpose == "cse" {
		return "cse"
	}
	return "peer_group"
}

// referral writes one referral about a person, a location or a group. age
// is the person's age on the day (-1 for places and groups): schools refer
// children of school age, youth justice services children of 10 or over.
func (g *blockGen) referral(r *rng, subjectKind, subjectID string, at int64, concern string, inds []string, age int) {
	if inds == nil {
		pool := indicatorsGeneral
		switch concern {
		case "cce", "county_lines":
			pool = indicatorsCCE
		case "cse":
			pool = indicatorsCSE
		case "peer_group":
			pool = indicatorsPeer
		case "missing":
			pool = []string{"missing_repeat", "missing_out_of_area", "older_associates", "school_attendance", "isolation_from_family", "substance_misuse"}
		}
		k := r.between(1, min(6, len(pool)))
		if concern == "general_welfare" || concern == "neglect" || concern == "domestic_abuse" {
			k = r.between(1, 3)
		}
		idx := make([]int, len(pool))
		for i := range idx {
			idx[i] = i
		}
		shuffle(r, idx)
		for _, i := range idx[:k] {
			inds = append(inds, pool[i])
		}
	}
	var decision string
	switch concern {
	case "cce", "cse", "county_lines":
		decision = pickW(r, []string{"strategy_discussion", "s47_enquiry", "refer_mace", "s17_assessment"}, []float64{0.35, 0.15, 0.35, 0.15})
	case "peer_group", "missing":
		decision = pickW(r, []string{"refer_mace", "s17_assessment", "early_help", "strategy_discussion"}, []float64{0.3, 0.3, 0.3, 0.1})
	default:
		decision = pickW(r, []string{"nfa", "information_only", "early_help", "s17_assessment", "strategy_discussion"}, []float64{0.25, 0.2, 0.3, 0.2, 0.05})
	}
	if subjectKind != "person" {
		decision = pick(r, []string{"context_assessment", "refer_mace"})
	}
	decided := at + int64(r.between(1, 30))*hour
	if r.chance(0.06) {
		decided += int64(r.between(1, 5)) * dayS // over the 1 working day target
	}
	if decided >= g.p.end {
		decision, decided = "pending", noTime
	}
	agency := referrerAgencies[r.weighted(referrerWeights)]
	switch {
	case age >= 0 && age < 4 && agency == "education":
		agency = "health" // health visitors, before school
	case age >= 0 && age < 10 && agency == "youth_offending":
		agency = "social_care"
	}
	g.seq[fReferrals]++
	id := eventID("RF", g.b, g.seq[fReferrals])
	g.c.rec(fReferrals).str(id).str(subjectKind).str(subjectID).str(agency).
		time(at).str(concern).str(strings.Join(inds, ";")).str(decision).time(decided).end()
}

// foundAt is where a missing child is found.
type foundAt struct {
	place string
	town  *town
	lat   float64
	lon   float64
	with  []string
}

func (g *blockGen) missing(x *person) {
	r, p := g.r, g.p
	hiHard := min(p.end, birthday(x.dob, 18)*dayS-1)
	lo := max(p.start, birthday(x.dob, 10)*dayS)
	hiSoft := hiHard
	m := exploitedRole(x)
	if m != nil {
		lo = max(lo, m.from*dayS)
		hiSoft = min(hiSoft, endOr(m.to, p.endDay)*dayS)
	}
	if hiSoft-lo < 2*dayS {
		return
	}
	slots := x.missingN
	cmeAt := -1
	if x.cme {
		slots++
		cmeAt = r.intn(slots)
	}
	gapMean := float64(hiSoft-lo) / float64(slots+1)
	t := lo + int64(r.exp(gapMean))
	for i := range slots {
		if t >= hiSoft {
			break
		}
		if i == cmeAt {
			next, ok := g.cmeEpisode(x, t, hiHard)
			if !ok {
				break
			}
			t = next
			continue
		}
		lastSeen := t
		reported := lastSeen + int64(min(48*hour, r.lognormal(3*hour, 0.8)))
		found := reported + int64(min(30*dayS, r.lognormal(14*hour, 1.1)))
		returned := found + int64(r.exp(2*hour))
		if r.chance(0.1) {
			returned += int64(r.between(12, 48)) * hour
		}
		open := false
		if returned >= hiHard {
			if hiHard != p.end || reported >= p.end || !r.chance(0.6) {
				break
			}
			open = true
		}
		g.episode(x, m, lastSeen, reported, found, returned, open)
		if open {
			break
		}
		t = returned + max(6*hour, int64(r.exp(gapMean)))
	}
}

func (g *blockGen) episode(x *person, m *member, lastSeen, reported, found, returned int64, open bool) {
	r := g.r
	g.seq[fMissing]++
	id := eventID("ME", g.b, g.seq[fMissing])
	typ, from := "missing", "home"
	reporter := pick(r, []string{"parent", "parent", "carer", "school"})
	lastPlace := pick(r, []string{"home address", "home address", "school", "town centre"})
	if x.legal == "lac" {
		from = "care"
		reporter = pick(r, []string{"residential_home", "foster_carer"})
		lastPlace = "placement"
		if r.chance(0.2) {
			typ = "away_without_authorisation"
		}
	}
	var risk string
	switch x.risk {
	case "high":
		risk = pickW(r, []string{"high", "medium", "low"}, []float64{0.35, 0.55, 0.1})
	case "medium":
		risk = pickW(r, []string{"high", "medium", "low", "very_low"}, []float64{0.1, 0.6, 0.25, 0.05})
	default:
		risk = pickW(r, []string{"high", "medium", "low", "very_low"}, []float64{0.02, 0.35, 0.5, 0.13})
	}
	f := g.whereFound(x, m, found)
	w := g.c.rec(fMissing)
	w.str(id).str(x.id).str(typ).str(from).time(lastSeen).str(lastPlace).time(reported).str(reporter).
		str(eventID("DEMO-LP-M-", g.b, g.seq[fMissing])).str(risk)
	if open {
		w.time(noTime).str("").str("").str("").str("").str("").str("").time(noTime).time(noTime).end()
		return
	}
	home := x.hh.addr.town
	out := f.town.area != home.area || !f.town.isLLR()
	w.time(found).str(f.place).str(f.town.name).coord(f.lat).coord(f.lon).bool(out).str(strings.Join(f.with, ";")).
		time(returned).time(returned + 72*hour).end()
	g.returnInterview(x, id, returned)
}

// whereFound chooses where and with whom a child is found: for an
// exploited child, the network's hotspots, cuckooed addresses and members.
func (g *blockGen) whereFound(x *person, m *member, at int64) foundAt {
	r := g.r
	day := dayOf(at)
	if m != nil && r.chance(0.8) {
		n := m.net
		var with []string
		for _, o := range n.members {
			if o.sp != x.spec && o.role != roleCuckooed && o.from <= day && endOr(o.to, g.p.endDay) >= day && len(with) < 2 && r.chance(0.5) {
				with = append(with, personID(o.sp.k))
			}
		}
		if r.chance(0.35) {
			for _, o := range n.members {
				if o.role == roleCuckooed && o.from <= day && endOr(o.to, g.p.endDay) >= day {
					a := o.sp.addr
					return foundAt{place: "address: " + a.line + ", " + a.postcode, town: a.town, lat: a.lat, lon: a.lon, with: with}
				}
			}
		}
		if len(n.hotspots) > 0 {
			h := pick(r, n.hotspots)
			return foundAt{place: h.name, town: h.town, lat: h.lat, lon: h.lon, with: with}
		}
	}
	home := x.hh.addr
	var with []string
	if r.chance(0.3) {
		for _, o := range g.youth[home.town] {
			if o != x && len(with) < 2 && r.chance(0.05) {
				with = append(with, o.id)
			}
		}
	}
	switch v := r.float(); {
	case v < 0.4:
		h := pick(r, hotspotsIn(home.town))
		return foundAt{place: h.name, town: h.town, lat: h.lat, lon: h.lon, with: with}
	case v < 0.75:
		return foundAt{place: "friend's address", town: home.town, lat: home.lat + (r.float()-0.5)*0.02, lon: home.lon + (r.float()-0.5)*0.03, with: with}
	case v < 0.85:
		t := towns[0]
		return foundAt{place: "Leicester city centre", town: t, lat: t.lat + (r.float()-0.5)*0.004, lon: t.lon + (r.float()-0.5)*0.006, with: with}
	}
	return foundAt{place: "returned home", town: home.town, lat: home.lat, lon: home.lon}
}

// returnInterview writes the return home interview offered after an
// episode: due 72 hours after the return; about 70% are completed, most
// of them in time (Missing People's 2023–24 FOI study: ~63% of RHIs
// completed within 72 hours), some late.
func (g *blockGen) returnInterview(x *person, episodeID string, returned int64) {
	r := g.r
	due := returned + 72*hour
	offered := returned + int64(min(14*dayS, r.lognormal(30*hour, 0.6)))
	outcome := pickW(r, []string{"completed", "declined", "no_contact"}, []float64{0.72, 0.2, 0.08})
	completed := noTime
	if outcome == "completed" {
		completed = offered + int64(min(20*dayS, r.lognormal(10*hour, 0.9)))
	}
	// Still open at End: not yet offered, or offered and not yet done.
	switch {
	case offered >= g.p.end:
		offered, outcome, completed = noTime, "pending", noTime
	case completed >= g.p.end || outcome != "completed" && offered+3*dayS >= g.p.end:
		outcome, completed = "pending", noTime
	}
	g.seq[fRHI]++
	g.c.rec(fRHI).str(eventID("RHI", g.b, g.seq[fRHI])).str(episodeID).str(x.id).time(due).time(offered).str(outcome).
		time(completed).bool(completed != noTime && completed <= due).str(pickW(r, []string{"independent_provider", "social_worker", "police"}, []float64{0.75, 0.2, 0.05})).end()
}

// cmeEpisode writes a child-missing-education episode starting at t and
// returns the time after it.
func (g *blockGen) cmeEpisode(x *person, t, hiHard int64) (int64, bool) {
	r := g.r
	day := dayOf(t)
	if a := ageOn(x.dob, day); a < 5 || a > 16 {
		return t + dayS, true
	}
	lastSeen := day*dayS + 9*hour
	reported := lastSeen + int64(r.between(10, 20))*dayS + int64(r.between(9, 16))*hour
	found := reported + int64(r.between(3, 60))*dayS
	returned := found + int64(r.between(0, 30))*dayS
	if returned >= hiHard {
		return 0, false
	}
	g.seq[fMissing]++
	a := x.hh.addr
	g.c.rec(fMissing).str(eventID("ME", g.b, g.seq[fMissing])).str(x.id).str("missing_education").str("education").
		time(lastSeen).str("school").time(reported).str("school").str("").str("").
		time(found).str(pick(r, []string{"home address", "new school", "another local authority", "returned from abroad"})).
		str(a.town.name).coord(a.lat).coord(a.lon).bool(false).str("").time(returned).time(noTime).end()
	return returned + int64(r.between(7, 60))*dayS, true
}

// nrm writes the National Referral Mechanism referrals: most exploited
// children, some other high-risk children and some cuckooed adults.
func (g *blockGen) nrm(x *person) {
	r, p := g.r, g.p
	var day int64 = noDay
	kind, fro := "", ""
	m := exploitedRole(x)
	switch {
	case m != nil && m.role == roleRunner && r.chance(0.65):
		kind = "criminal_county_lines"
		day = m.from + int64(r.between(30, 200))
		if op := m.net.op; op != nil && op.to != noDay {
			for _, v := range op.people {
				if v.sp == x.spec && v.outcome == "vulnerable_identified" {
					day = v.day + int64(r.between(0, 14))
				}
			}
		}
	case m != nil && m.role == roleVictim && r.chance(0.45):
		kind, day = "sexual", m.from+int64(r.between(30, 300))
	case x.spec == nil && x.risk == "high" && x.age >= 10 && r.chance(0.25):
		kind = pick(r, []string{"criminal_other", "sexual", "criminal_county_lines"})
		lo, hi := g.childDays(x)
		if hi > lo {
			day = lo + int64(r.intn(int(hi-lo)))
		}
	case x.spec != nil && !x.spec.child && x.spec.roles[0].role == roleCuckooed && r.chance(0.15):
		kind, day = "criminal_county_lines", x.spec.roles[0].from+int64(r.between(10, 120))
	}
	if day == noDay || day > p.endDay-1 || day < p.startDay {
		return
	}
	child := ageOn(x.dob, day) < 18
	if x.spec != nil && x.spec.child && !child {
		return
	}
	fro = pickW(r, []string{"police", "local_authority", "barnardos", "salvation_army"}, []float64{0.45, 0.45, 0.07, 0.03})
	submitted := g.atHour(r, day)
	target := addWorkingDays(day, 5)
	var rgAt, cgAt = noTime, noTime
	rg, cg := "pending", ""
	wait := int64(0)
	if r.chance(0.35) {
		wait = (addWorkingDays(day, r.between(1, 5)) - day) * dayS
	} else {
		wait = int64(min(400, r.lognormal(30, 0.9))) * dayS
	}
	if t := submitted + wait + int64(r.between(1, 8))*hour; t < p.end {
		rgAt = t
		rg = pickW(r, []string{"positive", "negative"}, []float64{0.88, 0.12})
		if !child {
			rg = pickW(r, []string{"positive", "negative"}, []float64{0.6, 0.4})
		}
	}
	if rg == "positive" {
		cg = "pending"
		// At least the 30-day recovery period; real waits run to a year or more.
		d := int64(math.Max(30, r.lognormal(420, 0.5)))
		if t := rgAt + d*dayS + int64(r.between(1, 8))*hour; t < p.end {
			cgAt = t
			if kind == "sexual" {
				cg = pickW(r, []string{"victim_trafficking", "victim_modern_slavery", "not_recognised"}, []float64{0.5, 0.35, 0.15})
			} else {
				cg = pickW(r, []string{"victim_modern_slavery", "victim_trafficking", "not_recognised"}, []float64{0.7, 0.18, 0.12})
			}
		}
	}
	g.seq[fNRM]++
	g.c.rec(fNRM).str(eventID("NRM", g.b, g.seq[fNRM])).str(x.id).str(fro).time(submitted).str(kind).bool(child).
		date(target).str(rg).time(rgAt).str(cg).time(cgAt).end()
}

// healthFlag writes the "at risk" flag health sets on some high-risk
// children's records.
func (g *blockGen) healthFlag(x *person) {
	r, p := g.r, g.p
	m := exploitedRole(x)
	want := false
	code := "EXPLOITATION-RISK"
	switch {
	case m != nil && m.role == roleVictim:
		want, code = r.chance(0.7), "CSE-RISK-HIGH"
	case m != nil:
		want, code = r.chance(0.4), "CCE-RISK-HIGH"
	case x.risk == "high":
		want, code = r.chance(0.4), pick(r, []string{"CSE-RISK-HIGH", "CCE-RISK-HIGH", "MISSING-REPEAT"})
	case x.risk == "medium":
		want, code = r.chance(0.04), "MISSING-REPEAT"
	}
	if !want {
		return
	}
	lo, hi := g.childDays(x)
	if m != nil {
		lo = max(lo, m.from+30)
	}
	if hi <= lo {
		return
	}
	start := lo + int64(r.intn(int(hi-lo)))
	risk := "high"
	status, end := "active", noDay
	if x.risk != "high" || !x.child() {
		risk = "medium"
		if r.chance(0.6) || !x.child() {
			status, end = "inactive", min(p.endDay, start+int64(r.between(60, 400)))
		}
	}
	g.seq[fHealthFlags]++
	g.c.rec(fHealthFlags).str(eventID("HF", g.b, g.seq[fHealthFlags])).str(x.id).str(x.nhs).str(status).str("safety").str(code).str(risk).
		date(start).date(start + 90).date(end).end()
}
