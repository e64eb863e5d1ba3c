package synth

import "strings"

// writePlanFiles writes the rows that belong to the plan rather than to a
// block: hotspots, the networks and their members, phones and cuckooed
// addresses, hire cars, and operations. They come first in their files.
func (p *plan) writePlanFiles(c *chunk) {
	for _, h := range hotspots {
		c.rec(fHotspots).str(h.id).str(h.kind).str(h.name).str(h.town.name).str(h.town.area.code).str(h.postcode).coord(h.lat).coord(h.lon).end()
	}
	r := newRNG(p.seed, streamPlan, 1)
	for _, n := range p.nets {
		var names []string
		for _, t := range n.towns {
			names = appendUnique(names, t.name)
		}
		expName, expLA := "", ""
		if n.exp != nil {
			expName, expLA = n.exp.name, n.exp.area.code
		}
		ctl, op := "", ""
		if n.controller != nil {
			ctl = n.controller.id
		}
		if n.op != nil {
			op = n.op.id
		}
		c.rec(fNetworks).str(n.id).str(n.kind).str(n.name).str(n.purpose).str(expName).str(expLA).str(strings.Join(names, ";")).
			date(n.from).date(n.to).bool(n.active()).str(ctl).str(op).end()
		for _, m := range n.members {
			c.rec(fMembers).str(n.id).str(personID(m.sp.k)).str(m.role).date(m.from).date(m.to).end()
			if m.role == roleCuckooed {
				a := m.sp.addr
				c.rec(fCuckooed).str(n.id).str(personID(m.sp.k)).str(a.line).str(a.town.name).str(a.postcode).coord(a.lat).coord(a.lon).
					date(m.from).date(m.to).end()
			}
		}
		for _, ph := range n.phones {
			c.rec(fNetPhones).str(n.id).str(ph.number).str(ph.role).str(personID(ph.holder.k)).date(ph.from).date(ph.to).end()
		}
		for _, h := range n.hireCars {
			c.rec(fVehicles).str(p.ids.registration(h)).str("hire").str(pick(r, vehicleMakes)).str(pick(r, vehicleColours)).
				str("").str(pick(r, hireCompanies)).str(n.id).end()
		}
	}
	for _, op := range p.ops {
		c.rec(fOperations).str(op.id).str(op.name).str(op.net.id).date(op.from).date(op.to).
			int(int64(op.warrants)).int(int64(op.arrests)).int(int64(op.charges)).end()
		for _, v := range op.people {
			c.rec(fOpPeople).str(op.id).str(personID(v.sp.k)).str(v.outcome).date(v.day).end()
		}
	}
}
