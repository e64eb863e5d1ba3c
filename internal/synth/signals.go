package synth

import "math"

// Signals: sightings, stop and search, call records and ANPR reads. Each
// block writes background signals for its persons (calls among family and
// friends and to numbers outside the world, innocent co-locations at
// hotspots, routine stops, cars passing cameras) and the planted events of
// the networks whose home it is, sorted together by time.

var sightingSources = []string{"police_patrol", "cctv", "youth_work", "school", "community", "btp"}

// phoneUnit is a uniform number fixed by the person's index: whether they
// have a phone is decided by it, so the plan can know a household
// member's number without generating the household.
func (p *plan) phoneUnit(k int64) float64 {
	return float64(mix64(p.seed^uint64(k)*0x9e3779b97f4a7c15^0x5bd1e995)>>11) / (1 << 53)
}

func (p *plan) hasPhone(k int64, age int) bool {
	u := p.phoneUnit(k)
	if age < 18 {
		return age >= 11 && u < 0.85
	}
	return u < 0.92
}

func (p *plan) randTime(r *rng, lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + int64(r.intn(int(hi-lo)))
}

func (g *blockGen) call(t int64, from, to string, sms bool, dur int64) {
	if t >= g.p.end || t < g.p.start {
		return
	}
	kind := "voice"
	if sms {
		kind, dur = "sms", 0
	}
	g.c.timed(fCalls, t).time(t).str(from).str(to).str(kind).int(dur).end()
}

func (g *blockGen) sighting(id string, t int64, source string, h *hotspot, place string, tw *town, lat, lon float64, personID string) {
	if t >= g.p.end || t < g.p.start {
		return
	}
	hid := ""
	if h != nil {
		hid, place, tw, lat, lon = h.id, h.name, h.town, h.lat, h.lon
	}
	g.c.timed(fSightings, t).str(id).time(t).str(source).str(hid).str(place).str(tw.name).coord(lat).coord(lon).str(personID).end()
}

func (g *blockGen) stop(t int64, personID string, h *hotspot, grounds, items, outcome string) {
	if t >= g.p.end || t < g.p.start {
		return
	}
	g.seq[fStops]++
	g.c.timed(fStops, t).str(eventID("SS", g.b, g.seq[fStops])).time(t).str(personID).str(h.town.name).coord(h.lat).coord(h.lon).
		str(h.id).str(grounds).str(items).str(outcome).end()
}

func (g *blockGen) anpr(t int64, reg string, camID string) {
	if t >= g.p.end || t < g.p.start {
		return
	}
	for _, c := range cameras {
		if c.id == camID {
			g.c.timed(fANPR, t).time(t).str(reg).str(c.id).str(c.name).str(c.town).coord(c.lat).coord(c.lon).end()
			return
		}
	}
}

func (g *blockGen) backgroundSignals(x *person) {
	r, p := g.r, g.p
	home := x.hh.addr.town
	if x.phone != "" {
		n := r.intn(3) + b2i(r.chance(0.5))
		for range n {
			var to string
			switch v := r.float(); {
			case v < 0.35:
				o := pick(r, x.hh.members)
				to = o.phone
			case v < 0.75:
				to = pick(r, g.byTown[home]).phone
			default:
				to = p.ids.phoneAt(r.intn(maxPersonalPhones))
			}
			if to == "" || to == x.phone {
				continue
			}
			sms := r.chance(0.35)
			g.call(p.randTime(r, p.start, p.end), x.phone, to, sms, int64(math.Min(3600, r.lognormal(90, 1))))
		}
	}
	switch {
	case x.child() && x.age >= 11 && r.chance(0.15):
		// Young people at a park, a takeaway, the bus station: innocent
		// co-locations that look like the planted ones.
		t := g.atHour(r, dayOf(p.randTime(r, p.start, p.end)))
		h := pick(r, hotspotsIn(home))
		g.seq[fSightings]++
		id := eventID("SG", g.b, g.seq[fSightings])
		src := pick(r, sightingSources)
		g.sighting(id, t, src, h, "", nil, 0, 0, x.id)
		for _, o := range g.youth[home] {
			if o != x && r.chance(2.0/float64(len(g.youth[home])+1)) {
				g.sighting(id, t, src, h, "", nil, 0, 0, o.id)
			}
		}
	case !x.child() && r.chance(0.03):
		t := g.atHour(r, dayOf(p.randTime(r, p.start, p.end)))
		g.seq[fSightings]++
		g.sighting(eventID("SG", g.b, g.seq[fSightings]), t, pick(r, sightingSources), pick(r, hotspotsIn(home)), "", nil, 0, 0, x.id)
	}
	if !x.female && x.age >= 14 && x.age <= 35 && r.chance(0.015) {
		t := g.atHour(r, dayOf(p.randTime(r, p.start, p.end)))
		if ageOn(x.dob, dayOf(t)) >= 10 {
			g.stop(t, x.id, pick(r, hotspotsIn(home)), pick(r, []string{"drugs", "drugs", "weapons", "stolen_property"}),
				"none", pickW(r, []string{"nfa", "community_resolution", "arrest"}, []float64{0.8, 0.12, 0.08}))
		}
	}
	if x.vehicle != "" {
		cams := routeCameras[home.name]
		for range r.between(0, 3) {
			if len(cams) > 0 {
				g.anpr(p.randTime(r, p.start, p.end), x.vehicle, pick(r, cams))
			}
		}
	}
}

// --- planted network events ---

func (g *blockGen) networkEvents(n *network) {
	r := newRNG(g.p.seed, streamNetwork, uint64(n.idx))
	switch {
	case n.kind == kindLine:
		g.lineEvents(r, n)
	case n.purpose == "cse":
		g.cseEvents(r, n)
	case n.kind == kindOrganised:
		g.ocgEvents(r, n)
	default:
		g.peerEvents(r, n)
	}
}

func specPhone(p *plan, s *spec) string { return p.ids.personalPhone(s.k) }

// motherPhone returns the phone of the first adult of s's household, if
// the household is a family and that adult has one.
func motherPhone(p *plan, s *spec) string {
	h := s.hh
	if h.kind != hhFamily {
		return ""
	}
	k := int64(h.block)*blockSize + int64(h.offset)
	if !p.hasPhone(k, 30) {
		return ""
	}
	return p.ids.personalPhone(k)
}

func (n *network) dealPhoneAt(day int64, endDay int64) string {
	for _, ph := range n.phones {
		if ph.role == "deal_line" && ph.from <= day && day <= endOr(ph.to, endDay) {
			return ph.number
		}
	}
	return n.phones[0].number
}

// within returns a time inside a membership.
func (g *blockGen) within(r *rng, m *member) int64 {
	p := g.p
	lo := max(m.from, p.startDay) * dayS
	hi := min(endOr(m.to, p.endDay), p.endDay) * dayS
	if hi <= lo {
		return noTime
	}
	return g.atHour(r, dayOf(p.randTime(r, lo, hi)))
}

func km(lat1, lon1, lat2, lon2 float64) float64 {
	dx := (lon1 - lon2) * math.Cos((lat1+lat2)/2*math.Pi/180) * 111.32
	dy := (lat1 - lat2) * 110.57
	return math.Sqrt(dx*dx + dy*dy)
}

func (g *blockGen) lineEvents(r *rng, n *network) {
	p := g.p
	end := endOr(n.to, p.endDay)
	// Customers: numbers outside the world where the pool allows.
	custs := make([]string, r.between(25, 70))
	for i := range custs {
		custs[i] = p.ids.customerPhone(int(mix64(uint64(n.idx)<<24|uint64(i)) % 1_000_000))
	}
	for _, ph := range n.phones {
		if ph.role != "deal_line" {
			continue
		}
		lo, hi := max(ph.from, p.startDay)*dayS, min(endOr(ph.to, p.endDay), p.endDay)*dayS
		if hi <= lo {
			continue
		}
		days := (hi - lo) / dayS
		for range min(250, days*2/3+5) {
			t := g.atHour(r, dayOf(p.randTime(r, lo, hi)))
			c := pick(r, custs)
			g.call(t, c, ph.number, false, int64(r.between(15, 90)))
			if r.chance(0.5) {
				g.call(t+int64(r.between(60, 600)), ph.number, c, true, 0)
			}
		}
		// Marketing: the same text to many customers in one minute.
		for t := lo + int64(r.exp(15*dayS)); t < hi; t += int64(r.exp(15 * dayS)) {
			for i := range r.between(10, min(30, len(custs))) {
				g.call(t+int64(i), ph.number, custs[(i*7+int(t/dayS))%len(custs)], true, 0)
			}
		}
	}
	holder := n.members[0].sp
	for _, m := range n.members {
		switch m.role {
		case roleRunner:
			g.runnerEvents(r, n, m)
		case roleAssociate:
			for range r.between(5, 20) {
				if t := g.within(r, m); t != noTime {
					g.call(t, specPhone(p, holder), specPhone(p, m.sp), r.chance(0.4), int64(r.between(20, 400)))
				}
			}
		}
		if m.role == roleAssociate || m.role == roleHolder {
			g.driveEvents(r, n, m)
		}
	}
	for _, ph := range n.phones {
		if ph.role != "burner" {
			continue
		}
		lo, hi := max(ph.from, p.startDay)*dayS, min(endOr(ph.to, p.endDay), p.endDay)*dayS
		if hi <= lo {
			continue
		}
		for range min(60, (hi-lo)/dayS/5+2) {
			t := g.atHour(r, dayOf(p.randTime(r, lo, hi)))
			g.call(t, n.dealPhoneAt(dayOf(t), p.endDay), ph.number, true, 0)
			if r.chance(0.3) {
				g.call(t+int64(r.between(30, 900)), ph.number, n.dealPhoneAt(dayOf(t), p.endDay), false, int64(r.between(10, 120)))
			}
		}
		// The slip that links a burner to its holder: calling home.
		if home := motherPhone(p, ph.holder); home != "" {
			for range r.between(1, 4) {
				g.call(g.atHour(r, dayOf(p.randTime(r, lo, hi))), ph.number, home, false, int64(r.between(20, 300)))
			}
		}
	}
	if len(n.hotspots) > 0 && r.chance(0.5) {
		h := n.hotspots[0]
		t := g.atHour(r, min(end, p.endDay-1)-int64(r.between(0, 120)))
		if t >= p.start {
			g.referral(r, "location", h.id, t, "county_lines", []string{"hotspot_presence", "older_associates", "drugs_or_cash_found"}, -1)
		}
	}
}

// runnerEvents: a runner's journeys into the market town, sightings there
// with other members, and stops.
func (g *blockGen) runnerEvents(r *rng, n *network, m *member) {
	p := g.p
	s := m.sp
	id := personID(s.k)
	dest := pick(r, n.towns)
	// Journeys by rail for runners who live away from the market.
	if s.town != dest {
		months := int((endOr(m.to, p.endDay) - m.from) / 30)
		for range min(12, months+1) {
			t := g.within(r, m)
			if t == noTime {
				continue
			}
			from, to := stations[s.town.station], stations[dest.station]
			dur := int64(20+km(from.lat, from.lon, to.lat, to.lon)/1.5) * minute
			g.journey(n, id, "rail", from.name, to.name, t, t+dur, "")
			arrive := t + dur
			if st := stationHotspot(dest); st == nil {
				taxi := int64(10+km(to.lat, to.lon, dest.lat, dest.lon)/0.8) * minute
				g.journey(n, id, "taxi", to.name, dest.name, arrive+10*minute, arrive+10*minute+taxi, "")
			} else if r.chance(0.2) {
				g.seq[fSightings]++
				g.sighting(eventID("SG", g.b, g.seq[fSightings]), arrive+int64(r.between(1, 10))*minute, "btp", st, "", nil, 0, 0, id)
			}
		}
	}
	for range r.between(2, 8) {
		t := g.within(r, m)
		if t == noTime {
			continue
		}
		g.seq[fSightings]++
		sid := eventID("SG", g.b, g.seq[fSightings])
		src := pickW(r, sightingSources, []float64{0.4, 0.2, 0.15, 0.05, 0.15, 0.05})
		var h *hotspot
		place, tw, lat, lon := "", dest, 0.0, 0.0
		if cu := cuckooAt(n, dayOf(t), p.endDay); cu != nil && r.chance(0.3) {
			place, tw, lat, lon = "address: "+cu.addr.line+", "+cu.addr.postcode, cu.addr.town, cu.addr.lat, cu.addr.lon
		} else if len(n.hotspots) > 0 {
			h = pick(r, n.hotspots)
		} else {
			h = pick(r, hotspotsIn(dest))
		}
		g.sighting(sid, t, src, h, place, tw, lat, lon, id)
		for _, o := range n.members {
			if o != m && o.role != roleCuckooed && o.from <= dayOf(t) && endOr(o.to, p.endDay) >= dayOf(t) && r.chance(0.35) {
				g.sighting(sid, t, src, h, place, tw, lat, lon, personID(o.sp.k))
			}
		}
	}
	for range r.between(0, 2) {
		t := g.within(r, m)
		if t == noTime {
			continue
		}
		outcome := pickW(r, []string{"arrest", "nfa", "cannabis_warning"}, []float64{0.5, 0.35, 0.15})
		items := pick(r, []string{"drugs;cash", "cash;phones", "drugs", "drugs;cash;phones", "none"})
		if items == "none" {
			outcome = "nfa"
		}
		g.stop(t, id, pick(r, hotspotsIn(dest)), "drugs", items, outcome)
	}
}

func cuckooAt(n *network, day, endDay int64) *spec {
	for _, o := range n.members {
		if o.role == roleCuckooed && o.from <= day && endOr(o.to, endDay) >= day {
			return o.sp
		}
	}
	return nil
}

// driveEvents: hire-car runs from the exporting area, read by ANPR on the
// way in.
func (g *blockGen) driveEvents(r *rng, n *network, m *member) {
	p := g.p
	if len(n.hireCars) == 0 || m.sp.town.isLLR() && m.sp.town != towns[0] {
		return
	}
	months := int((endOr(m.to, p.endDay) - m.from) / 30)
	for range min(10, months*2/3+1) {
		t := g.within(r, m)
		if t == noTime {
			continue
		}
		dest := pick(r, n.towns)
		reg := p.ids.registration(pick(r, n.hireCars))
		home := m.sp.town
		dur := int64(15+km(home.lat, home.lon, dest.lat, dest.lon)/1.2) * minute
		g.journey(n, personID(m.sp.k), "hire_car", home.name, dest.name, t, t+dur, reg)
		for i, cam := range routeCameras[dest.name] {
			g.anpr(t+dur-int64(20-5*i)*minute, reg, cam)
		}
	}
}

func (g *blockGen) journey(n *network, personID, mode, from, to string, dep, arr int64, reg string) {
	if arr >= g.p.end || dep < g.p.start {
		return
	}
	g.seq[fJourneys]++
	g.c.rec(fJourneys).str(eventID("JY", g.b, g.seq[fJourneys])).str(n.id).str(personID).str(mode).str(from).str(to).
		time(dep).time(arr).str(reg).end()
}

func (g *blockGen) cseEvents(r *rng, n *network) {
	p := g.p
	var abusers, victims []*member
	for _, m := range n.members {
		if m.role == roleAbuser {
			abusers = append(abusers, m)
		} else {
			victims = append(victims, m)
		}
	}
	for _, v := range victims {
		vp := specPhone(p, v.sp)
		for range r.between(10, 40) {
			t := g.within(r, v)
			if t == noTime {
				continue
			}
			a := pick(r, abusers)
			if r.chance(0.7) {
				g.call(t, specPhone(p, a.sp), vp, r.chance(0.6), int64(r.between(20, 600)))
			} else {
				g.call(t, vp, specPhone(p, a.sp), r.chance(0.5), int64(r.between(20, 300)))
			}
		}
		for range r.between(2, 6) {
			t := g.within(r, v)
			if t == noTime || len(n.hotspots) == 0 {
				continue
			}
			h := pick(r, n.hotspots)
			g.seq[fSightings]++
			sid := eventID("SG", g.b, g.seq[fSightings])
			src := pick(r, []string{"police_patrol", "cctv", "community"})
			g.sighting(sid, t, src, h, "", nil, 0, 0, personID(v.sp.k))
			g.sighting(sid, t, src, h, "", nil, 0, 0, personID(pick(r, abusers).sp.k))
		}
	}
	for _, a := range abusers {
		reg := p.ids.registration(a.sp.k)
		cams := routeCameras[n.towns[0].name]
		for range r.between(5, 15) {
			if t := g.within(r, a); t != noTime && len(cams) > 0 {
				g.anpr(t, reg, pick(r, cams))
			}
		}
	}
	if len(n.hotspots) > 0 && r.chance(0.7) {
		t := g.atHour(r, min(endOr(n.to, p.endDay), p.endDay-1)-int64(r.between(0, 90)))
		if t >= p.start {
			g.referral(r, "location", n.hotspots[0].id, t, "cse", []string{"hotspot_presence", "older_associates", "cars_with_unknown_adults"}, -1)
		}
	}
}

func (g *blockGen) ocgEvents(r *rng, n *network) {
	p := g.p
	leader := n.members[0]
	for _, m := range n.members[1:] {
		for range r.between(10, 30) {
			if t := g.within(r, m); t != noTime {
				g.call(t, specPhone(p, leader.sp), specPhone(p, m.sp), r.chance(0.3), int64(r.between(30, 900)))
			}
		}
	}
}

func (g *blockGen) peerEvents(r *rng, n *network) {
	p := g.p
	for _, m := range n.members {
		for range r.between(5, 15) {
			o := pick(r, n.members)
			if o == m {
				continue
			}
			if t := g.within(r, m); t != noTime {
				g.call(t, specPhone(p, m.sp), specPhone(p, o.sp), r.chance(0.6), int64(r.between(10, 600)))
			}
		}
	}
	h := n.hotspots[0]
	for range r.between(6, 20) {
		m := pick(r, n.members)
		t := g.within(r, m)
		if t == noTime {
			continue
		}
		g.seq[fSightings]++
		sid := eventID("SG", g.b, g.seq[fSightings])
		src := pick(r, []string{"youth_work", "police_patrol", "cctv", "school"})
		g.sighting(sid, t, src, h, "", nil, 0, 0, personID(m.sp.k))
		for _, o := range n.members {
			if o != m && o.from <= dayOf(t) && endOr(o.to, p.endDay) >= dayOf(t) && r.chance(0.4) {
				g.sighting(sid, t, src, h, "", nil, 0, 0, personID(o.sp.k))
			}
		}
	}
	if r.chance(0.7) {
		t := g.atHour(r, p.endDay-int64(r.between(10, 200)))
		g.referral(r, "peer_group", n.id, max(t, p.start), "peer_group", []string{"new_peer_group", "hotspot_presence", "gang_association"}, -1)
	}
}
