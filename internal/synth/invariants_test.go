package synth

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/ident"
)

func TestDemoInvariants(t *testing.T) {
	w := mustGenerate(t, Config{Seed: 42})
	checkInvariants(t, w)
}

// Small worlds from many seeds must all hold together.
func TestInvariantsManySeeds(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			t.Parallel()
			w := mustGenerate(t, Config{Seed: seed, Persons: 2_500})
			checkInvariants(t, w)
		})
	}
}

var (
	registrationRE = regexp.MustCompile(`^Z[A-HJ-PR-Y][0-9]{2} [A-HJ-PR-Z]{3}$`)
	fakeUPNRE      = regexp.MustCompile(`^[A-HJ-NP-RT-Z](855|856|857)9[0-9]{8}$`)
)

// checker collects failures, reporting only the first few of each kind.
type checker struct {
	t    *testing.T
	seen map[string]int
}

func (c *checker) fail(kind, format string, args ...any) {
	c.t.Helper()
	c.seen[kind]++
	if c.seen[kind] <= 3 {
		c.t.Errorf(kind+": "+format, args...)
	}
}

func checkInvariants(t *testing.T, w *world) {
	t.Helper()
	c := &checker{t: t, seen: map[string]int{}}
	end := w.cfg.End
	start := w.cfg.Start
	today := hub.DateOf(end)
	tab := w.tables

	// Every row says which synthetic world it belongs to.
	for name, tb := range tab {
		for _, r := range tb.rows {
			if r[0] != w.cfg.DatasetID() {
				c.fail("dataset", "%s row has dataset %q", name, r[0])
			}
		}
	}

	// --- persons ---
	pt := tab["truth_persons.csv"]
	if int64(len(pt.rows)) != int64(w.cfg.Persons) {
		t.Errorf("truth_persons.csv has %d rows, want %d", len(pt.rows), w.cfg.Persons)
	}
	unique := map[string]map[string]string{"nhs_number": {}, "upn": {}, "pnc_id": {}}
	hhPhones := map[string]map[string]bool{}
	for _, r := range pt.rows {
		id := pt.col(r, "person_id")
		for _, f := range []string{"given_name", "family_name"} {
			if v, err := ident.Name(f, pt.col(r, f)); err != nil || v == "" || v != pt.col(r, f) {
				c.fail("name", "%s %s %q: %v", id, f, pt.col(r, f), err)
			}
		}
		dob := parseDay(t, pt.col(r, "date_of_birth"))
		if _, err := ident.DateOfBirth(pt.col(r, "date_of_birth"), today); err != nil {
			c.fail("dob", "%s: %v", id, err)
		}
		isChild := hub.DateOf(dob).AgeOn(today) < 18
		if got := pt.col(r, "is_child") == "true"; got != isChild {
			c.fail("is_child", "%s born %s: is_child %v", id, pt.col(r, "date_of_birth"), got)
		}
		if !isChild && (pt.col(r, "known_to_services") == "true" || pt.col(r, "risk_level") != "") {
			c.fail("adult status", "%s is an adult with known/risk set", id)
		}
		if rl := pt.col(r, "risk_level"); (rl == "medium" || rl == "high") && hub.DateOf(dob).AgeOn(today) < 8 {
			c.fail("risk age", "%s aged %d at %s exploitation risk", id, hub.DateOf(dob).AgeOn(today), rl)
		}
		for _, f := range []string{"postcode", "previous_postcode"} {
			if v := pt.col(r, f); v != "" {
				if got, err := ident.Postcode(v); err != nil || got != v {
					c.fail("postcode", "%s %s %q: %v", id, f, v, err)
				}
			}
		}
		if v := pt.col(r, "nhs_number"); v != "" {
			if got, err := ident.NHSNumber(v); err != nil || got != v || !strings.HasPrefix(v, "999") {
				c.fail("nhs", "%s %q: %v", id, v, err)
			}
		}
		if v := pt.col(r, "upn"); v != "" {
			if got, err := ident.UPN(v); err != nil || got != v || !fakeUPNRE.MatchString(v) || v[1:4] != pt.col(r, "area_code") {
				c.fail("upn", "%s %q: %v", id, v, err)
			}
			if !isChild {
				c.fail("upn", "%s is an adult with a UPN", id)
			}
		}
		if v := pt.col(r, "pnc_id"); v != "" {
			if got, err := ident.PNC(v); err != nil || got != v {
				c.fail("pnc", "%s %q: %v", id, v, err)
			}
		}
		for f, seen := range unique {
			if v := pt.col(r, f); v != "" {
				if other, dup := seen[v]; dup {
					c.fail("unique "+f, "%s and %s share %s", other, id, v)
				}
				seen[v] = id
			}
		}
		if ph := pt.col(r, "phone"); ph != "" {
			checkPhone(c, id, ph)
			hh := pt.col(r, "household_id")
			if hhPhones[hh] == nil {
				hhPhones[hh] = map[string]bool{}
			}
			if hhPhones[hh][ph] {
				c.fail("household phone", "%s shares %s with a member of %s", id, ph, hh)
			}
			hhPhones[hh][ph] = true
		}
	}

	checkExtracts(c, w)
	checkNetworks(c, w)
	checkMissing(c, w, start, end)
	checkCasework(c, w, start, end)
	checkSignals(c, w, start, end)
}

func checkPhone(c *checker, who, ph string) {
	c.t.Helper()
	if got, err := ident.Phone(ph); err != nil || got != ph || !ident.IsDramaNumber(ph) {
		c.fail("phone", "%s %q: %v", who, ph, err)
	}
}

func (w *world) person(c *checker, kind, id string) []string {
	c.t.Helper()
	p, ok := w.persons[id]
	if !ok {
		c.fail("person exists", "%s refers to unknown person %q", kind, id)
	}
	return p
}

func checkExtracts(c *checker, w *world) {
	pt := w.tables["truth_persons.csv"]
	truth := w.tables["truth_extract_records.csv"]
	type key struct{ agency, id string }
	links := map[key][]string{}
	for _, r := range truth.rows {
		k := key{truth.col(r, "agency"), truth.col(r, "record_id")}
		if _, dup := links[k]; dup {
			c.fail("truth unique", "record %v listed twice", k)
		}
		links[k] = r
		w.person(c, "truth_extract_records", truth.col(r, "person_id"))
	}
	seen := 0
	for _, ag := range agencies {
		tb := w.tables[files[ag.file].Name]
		ids := map[string]bool{}
		for _, r := range tb.rows {
			id := tb.col(r, "record_id")
			seen++
			if ids[id] {
				c.fail("record unique", "%s record %s twice", ag.kind, id)
			}
			ids[id] = true
			link, ok := links[key{ag.kind, id}]
			if !ok {
				c.fail("truth covers", "%s record %s has no truth row", ag.kind, id)
				continue
			}
			p := w.person(c, "extract", truth.col(link, "person_id"))
			if p == nil {
				continue
			}
			errs := map[string]bool{}
			for _, e := range strings.Split(truth.col(link, "errors"), ";") {
				errs[e] = true
			}
			if ag.kind == "social_care" {
				if got, err := ident.LocalID(id); err != nil || got != id {
					c.fail("la id", "%q: %v", id, err)
				}
			}
			// Natural identifiers are right or absent, never wrong.
			for col, pcol := range map[string]string{"nhs_number": "nhs_number", "upn": "upn", "pnc_id": "pnc_id"} {
				if _, has := tb.cols[col]; !has {
					continue
				}
				got, want := tb.col(r, col), pt.col(p, pcol)
				if got != "" && got != want || got == "" && want != "" && !errs[errIDMiss] {
					c.fail("extract identifier", "%s %s %s = %q, person has %q (errors %v)", ag.kind, id, col, got, want, errs)
				}
			}
			if v := tb.col(r, "postcode"); v != "" {
				if got, err := ident.Postcode(v); err != nil || got != v {
					c.fail("extract postcode", "%s %s %q: %v", ag.kind, id, v, err)
				}
			}
			if _, has := tb.cols["phone"]; has {
				if v := tb.col(r, "phone"); v != "" {
					checkPhone(c, ag.kind+" "+id, v)
					if v != pt.col(p, "phone") {
						c.fail("extract phone", "%s %s phone %s is not the person's", ag.kind, id, v)
					}
				}
			}
			for _, f := range []string{"given_name", "family_name"} {
				if _, err := ident.Name(f, tb.col(r, f)); err != nil || tb.col(r, f) == "" {
					c.fail("extract name", "%s %s %s %q: %v", ag.kind, id, f, tb.col(r, f), err)
				}
			}
			// Without an error code for it, a field is the truth.
			nameErr := errs[errNickname] || errs[errGivenTypo] || errs[errUpper] || errs[errLower]
			if !nameErr && tb.col(r, "given_name") != pt.col(p, "given_name") {
				c.fail("extract given", "%s %s given %q, truth %q, errors %v", ag.kind, id, tb.col(r, "given_name"), pt.col(p, "given_name"), errs)
			}
			famErr := errs[errFamTypo] || errs[errFamPrev] || errs[errFamHyph] || errs[errUpper] || errs[errLower]
			if !famErr && tb.col(r, "family_name") != pt.col(p, "family_name") {
				c.fail("extract family", "%s %s family %q, truth %q", ag.kind, id, tb.col(r, "family_name"), pt.col(p, "family_name"))
			}
			if !errs[errUpper] && !errs[errLower] && !errs[errFamTypo] && !errs[errFamPrev] && !errs[errFamHyph] &&
				!strings.EqualFold(tb.col(r, "family_name"), pt.col(p, "family_name")) {
				c.fail("extract family", "%s %s family %q, truth %q", ag.kind, id, tb.col(r, "family_name"), pt.col(p, "family_name"))
			}
			dobErr := errs[errDOBSwap] || errs[errDOBTypo] || errs[errDOBMiss]
			if !dobErr && tb.col(r, "date_of_birth") != pt.col(p, "date_of_birth") {
				c.fail("extract dob", "%s %s dob %q, truth %q", ag.kind, id, tb.col(r, "date_of_birth"), pt.col(p, "date_of_birth"))
			}
			if errs[errDOBSwap] {
				got, want := strings.Split(tb.col(r, "date_of_birth"), "-"), strings.Split(pt.col(p, "date_of_birth"), "-")
				if got[0] != want[0] || got[1] != want[2] || got[2] != want[1] {
					c.fail("extract dob swap", "%s %s dob %q, truth %q", ag.kind, id, tb.col(r, "date_of_birth"), pt.col(p, "date_of_birth"))
				}
			}
			switch {
			case errs[errAddrMiss]:
				if tb.col(r, "address_line") != "" {
					c.fail("extract address", "%s %s address present despite %s", ag.kind, id, errAddrMiss)
				}
			case errs[errAddrOld]:
				if tb.col(r, "address_line") != pt.col(p, "previous_address_line") {
					c.fail("extract address", "%s %s address %q is not the previous %q", ag.kind, id, tb.col(r, "address_line"), pt.col(p, "previous_address_line"))
				}
			default:
				if tb.col(r, "address_line") != pt.col(p, "address_line") || !errs[errPCTypo] && tb.col(r, "postcode") != pt.col(p, "postcode") {
					c.fail("extract address", "%s %s address %q %q is not the current %q %q", ag.kind, id, tb.col(r, "address_line"), tb.col(r, "postcode"), pt.col(p, "address_line"), pt.col(p, "postcode"))
				}
			}
		}
	}
	if seen != len(truth.rows) {
		c.fail("truth covers", "%d extract rows but %d truth rows", seen, len(truth.rows))
	}
}

func checkNetworks(c *checker, w *world) {
	nt := w.tables["truth_networks.csv"]
	nets := map[string][]string{}
	for _, r := range nt.rows {
		nets[nt.col(r, "network_id")] = r
	}
	mt := w.tables["truth_network_members.csv"]
	members := map[string]int{}
	for _, r := range mt.rows {
		n := mt.col(r, "network_id")
		if nets[n] == nil {
			c.fail("member network", "member of unknown network %s", n)
		}
		members[n]++
		p := w.person(c, "network member", mt.col(r, "person_id"))
		if p == nil {
			continue
		}
		role := mt.col(r, "role")
		pt := w.tables["truth_persons.csv"]
		dob := hub.DateOf(parseDay(c.t, pt.col(p, "date_of_birth")))
		from := hub.DateOf(parseDay(c.t, mt.col(r, "from")))
		age := dob.AgeOn(from)
		switch role {
		case roleRunner, roleVictim:
			if age >= 18 || age < 10 {
				c.fail("member age", "%s %s aged %d when joining %s", role, mt.col(r, "person_id"), age, n)
			}
		case roleHolder, roleAssociate, roleAbuser, roleCuckooed:
			if dob.AgeOn(hub.DateOf(w.cfg.End)) < 18 {
				c.fail("member age", "%s %s is a child", role, mt.col(r, "person_id"))
			}
		}
		if to := mt.col(r, "to"); to != "" && to < mt.col(r, "from") {
			c.fail("member dates", "%s in %s from %s to %s", mt.col(r, "person_id"), n, mt.col(r, "from"), to)
		}
	}
	for id, r := range nets {
		if members[id] == 0 {
			c.fail("network members", "%s has no members", id)
		}
		if (nt.col(r, "ended") == "") != (nt.col(r, "active") == "true") {
			c.fail("network active", "%s ended %q active %s", id, nt.col(r, "ended"), nt.col(r, "active"))
		}
	}
	ph := w.tables["truth_network_phones.csv"]
	for _, r := range ph.rows {
		checkPhone(c, "network phone", ph.col(r, "phone"))
		w.person(c, "phone holder", ph.col(r, "holder_person_id"))
	}
	cu := w.tables["truth_cuckooed_addresses.csv"]
	for _, r := range cu.rows {
		w.person(c, "cuckooed", cu.col(r, "person_id"))
		if _, err := ident.Postcode(cu.col(r, "postcode")); err != nil {
			c.fail("cuckooed postcode", "%v", err)
		}
	}
	ot := w.tables["operations.csv"]
	op := w.tables["operation_people.csv"]
	outcomes := map[string]map[string]int{}
	for _, r := range op.rows {
		id := op.col(r, "operation_id")
		if outcomes[id] == nil {
			outcomes[id] = map[string]int{}
		}
		outcomes[id][op.col(r, "outcome")]++
		w.person(c, "operation person", op.col(r, "person_id"))
	}
	for _, r := range ot.rows {
		id := ot.col(r, "operation_id")
		if nets[ot.col(r, "network_id")] == nil {
			c.fail("operation network", "%s targets unknown %s", id, ot.col(r, "network_id"))
		}
		if got := fmt.Sprint(outcomes[id]["arrested"]); got != ot.col(r, "arrests") {
			c.fail("operation arrests", "%s says %s arrests, lists %s", id, ot.col(r, "arrests"), got)
		}
		if got := fmt.Sprint(outcomes[id]["charged"]); got != ot.col(r, "charges") {
			c.fail("operation charges", "%s says %s charges, lists %s", id, ot.col(r, "charges"), got)
		}
	}
	vt := w.tables["truth_vehicles.csv"]
	regs := map[string]bool{}
	for _, r := range vt.rows {
		reg := vt.col(r, "registration")
		if !registrationRE.MatchString(reg) || regs[reg] {
			c.fail("registration", "%q bad or repeated", reg)
		}
		regs[reg] = true
		if k := vt.col(r, "keeper_person_id"); k != "" {
			w.person(c, "vehicle keeper", k)
		}
	}
}

type episode struct {
	id, typ                             string
	lastSeen, reported, found, returned time.Time
	open                                bool
	rhiDue                              string
}

func checkMissing(c *checker, w *world, start, end time.Time) {
	mt := w.tables["missing_episodes.csv"]
	pt := w.tables["truth_persons.csv"]
	byChild := map[string][]episode{}
	episodes := map[string]episode{}
	risks := map[string]bool{"very_low": true, "low": true, "medium": true, "high": true}
	for _, r := range mt.rows {
		id, child := mt.col(r, "episode_id"), mt.col(r, "person_id")
		e := episode{id: id, typ: mt.col(r, "type"), lastSeen: parseTime(c.t, mt.col(r, "last_seen_at")), reported: parseTime(c.t, mt.col(r, "reported_at"))}
		if mt.col(r, "found_at") == "" {
			e.open = true
			if mt.col(r, "returned_at") != "" || mt.col(r, "rhi_due_at") != "" {
				c.fail("open episode", "%s is open but has a return", id)
			}
		} else {
			e.found, e.returned = parseTime(c.t, mt.col(r, "found_at")), parseTime(c.t, mt.col(r, "returned_at"))
			e.rhiDue = mt.col(r, "rhi_due_at")
		}
		if e.reported.Before(e.lastSeen) || !e.open && (e.found.Before(e.reported) || e.returned.Before(e.found)) {
			c.fail("episode order", "%s: last seen %v reported %v found %v returned %v", id, e.lastSeen, e.reported, e.found, e.returned)
		}
		last := e.returned
		if e.open {
			last = e.reported
		}
		if e.lastSeen.Before(start) || last.After(end) {
			c.fail("episode period", "%s from %v to %v outside the period", id, e.lastSeen, last)
		}
		switch e.typ {
		case "missing", "away_without_authorisation":
			if !risks[mt.col(r, "police_risk_level")] {
				c.fail("episode risk", "%s risk %q", id, mt.col(r, "police_risk_level"))
			}
			if !e.open && e.rhiDue != e.returned.Add(72*time.Hour).Format(time.RFC3339) {
				c.fail("rhi due", "%s returned %v, RHI due %s", id, e.returned, e.rhiDue)
			}
		case "missing_education":
			if mt.col(r, "police_risk_level") != "" || e.rhiDue != "" {
				c.fail("cme", "%s has a police risk or an RHI due", id)
			}
		default:
			c.fail("episode type", "%s type %q", id, e.typ)
		}
		p := w.person(c, "missing", child)
		if p != nil {
			dob := hub.DateOf(parseDay(c.t, pt.col(p, "date_of_birth")))
			if dob.AgeOn(hub.DateOf(last)) >= 18 {
				c.fail("episode age", "%s: %s is 18 or over by %v", id, child, last)
			}
		}
		for _, o := range strings.Split(mt.col(r, "found_with"), ";") {
			if o != "" {
				w.person(c, "found with", o)
			}
		}
		byChild[child] = append(byChild[child], e)
		episodes[id] = e
	}
	for child, es := range byChild {
		slices.SortFunc(es, func(a, b episode) int { return a.lastSeen.Compare(b.lastSeen) })
		for i := 1; i < len(es); i++ {
			prev := es[i-1]
			if prev.open || es[i].lastSeen.Before(prev.returned) {
				c.fail("episode overlap", "%s: %s (returned %v, open %v) overlaps %s (last seen %v)", child, prev.id, prev.returned, prev.open, es[i].id, es[i].lastSeen)
			}
		}
	}
	rt := w.tables["return_interviews.csv"]
	outcomes := map[string]bool{"completed": true, "declined": true, "no_contact": true, "pending": true}
	for _, r := range rt.rows {
		e, ok := episodes[rt.col(r, "episode_id")]
		if !ok || e.open || e.typ == "missing_education" {
			c.fail("rhi episode", "RHI for %s: known %v open %v", rt.col(r, "episode_id"), ok, e.open)
			continue
		}
		if rt.col(r, "due_at") != e.rhiDue {
			c.fail("rhi due", "%s due %s, episode says %s", rt.col(r, "rhi_id"), rt.col(r, "due_at"), e.rhiDue)
		}
		out := rt.col(r, "outcome")
		if !outcomes[out] || (out == "completed") != (rt.col(r, "completed_at") != "") {
			c.fail("rhi outcome", "%s outcome %q completed %q", rt.col(r, "rhi_id"), out, rt.col(r, "completed_at"))
		}
		if v := rt.col(r, "offered_at"); v != "" && (parseTime(c.t, v).Before(e.returned) || parseTime(c.t, v).After(end)) {
			c.fail("rhi offered", "%s offered %s", rt.col(r, "rhi_id"), v)
		}
		if v := rt.col(r, "completed_at"); v != "" {
			done := parseTime(c.t, v)
			if done.After(end) || (rt.col(r, "within_72h") == "true") != !done.After(e.returned.Add(72*time.Hour)) {
				c.fail("rhi completed", "%s completed %s within %s", rt.col(r, "rhi_id"), v, rt.col(r, "within_72h"))
			}
		}
	}
}

func checkCasework(c *checker, w *world, start, end time.Time) {
	pt := w.tables["truth_persons.csv"]
	nt := w.tables["nrm_referrals.csv"]
	for _, r := range nt.rows {
		id := nt.col(r, "nrm_id")
		p := w.person(c, "nrm", nt.col(r, "person_id"))
		sub := parseTime(c.t, nt.col(r, "submitted_at"))
		if sub.Before(start) || sub.After(end) {
			c.fail("nrm submitted", "%s submitted %v", id, sub)
		}
		if p != nil {
			child := hub.DateOf(parseDay(c.t, pt.col(p, "date_of_birth"))).AgeOn(hub.DateOf(sub)) < 18
			if (nt.col(r, "is_child") == "true") != child {
				c.fail("nrm child", "%s is_child %s", id, nt.col(r, "is_child"))
			}
		}
		rg := nt.col(r, "rg_decision")
		if (rg == "pending") != (nt.col(r, "rg_decided_at") == "") {
			c.fail("nrm rg", "%s rg %q at %q", id, rg, nt.col(r, "rg_decided_at"))
			continue
		}
		if rg == "pending" {
			continue
		}
		rgAt := parseTime(c.t, nt.col(r, "rg_decided_at"))
		if rgAt.Before(sub) || rgAt.After(end) {
			c.fail("nrm rg", "%s submitted %v, RG %v", id, sub, rgAt)
		}
		cg := nt.col(r, "cg_decision")
		switch {
		case rg == "negative" && cg != "":
			c.fail("nrm cg", "%s has CG %q after a negative RG", id, cg)
		case rg == "positive" && nt.col(r, "cg_decided_at") != "":
			cgAt := parseTime(c.t, nt.col(r, "cg_decided_at"))
			if cgAt.Before(rgAt.Add(30*24*time.Hour)) || cgAt.After(end) || cg == "pending" {
				c.fail("nrm cg", "%s RG %v CG %q %v", id, rgAt, cg, cgAt)
			}
		case rg == "positive" && cg != "pending":
			c.fail("nrm cg", "%s CG %q without a date", id, cg)
		}
	}
	hubjects := map[string]map[string]bool{"person": {}, "location": {}, "peer_group": {}}
	for id := range w.persons {
		hubjects["person"][id] = true
	}
	ht := w.tables["hotspots.csv"]
	for _, r := range ht.rows {
		hubjects["location"][ht.col(r, "hotspot_id")] = true
		if _, err := ident.Postcode(ht.col(r, "postcode")); err != nil {
			c.fail("hotspot postcode", "%v", err)
		}
	}
	netT := w.tables["truth_networks.csv"]
	for _, r := range netT.rows {
		if netT.col(r, "kind") == kindPeer {
			hubjects["peer_group"][netT.col(r, "network_id")] = true
		}
	}
	rt := w.tables["referrals.csv"]
	for _, r := range rt.rows {
		kind, subj := rt.col(r, "subject_kind"), rt.col(r, "subject_id")
		if !hubjects[kind][subj] {
			c.fail("referral subject", "%s subject %s %s unknown", rt.col(r, "referral_id"), kind, subj)
		}
		at := parseTime(c.t, rt.col(r, "received_at"))
		if at.Before(start) || at.After(end) {
			c.fail("referral time", "%s received %v", rt.col(r, "referral_id"), at)
		}
		if d := rt.col(r, "decided_at"); d != "" && (parseTime(c.t, d).Before(at) || parseTime(c.t, d).After(end)) {
			c.fail("referral decision", "%s received %v decided %s", rt.col(r, "referral_id"), at, d)
		}
		if kind == "person" {
			p := w.persons[subj]
			age := -1
			if p != nil {
				age = hub.DateOf(parseDay(c.t, pt.col(p, "date_of_birth"))).AgeOn(hub.DateOf(at))
			}
			if age >= 18 || p != nil && age < 0 {
				c.fail("referral age", "%s about %s, aged %d at %v", rt.col(r, "referral_id"), subj, age, at)
			}
			switch agency := rt.col(r, "referrer_agency"); {
			case age >= 0 && age < 4 && agency == "education", age >= 0 && age < 10 && agency == "youth_offending":
				c.fail("referrer age", "%s: %s referred a child aged %d", rt.col(r, "referral_id"), agency, age)
			}
			switch concern := rt.col(r, "concern"); concern {
			case "cce", "cse", "county_lines", "peer_group":
				if age >= 0 && age < 10 {
					c.fail("concern age", "%s: %s concern about a child aged %d", rt.col(r, "referral_id"), concern, age)
				}
			}
		}
	}
	ft := w.tables["health_flags.csv"]
	for _, r := range ft.rows {
		p := w.person(c, "health flag", ft.col(r, "person_id"))
		if p != nil && ft.col(r, "nhs_number") != pt.col(p, "nhs_number") {
			c.fail("flag nhs", "%s has NHS number %q, person %q", ft.col(r, "flag_id"), ft.col(r, "nhs_number"), pt.col(p, "nhs_number"))
		}
		if e := ft.col(r, "end"); e != "" && e < ft.col(r, "start") || (e == "") != (ft.col(r, "status") == "active") {
			c.fail("flag period", "%s %s to %s status %s", ft.col(r, "flag_id"), ft.col(r, "start"), e, ft.col(r, "status"))
		}
	}
}

func checkSignals(c *checker, w *world, start, end time.Time) {
	inPeriod := func(f, v string) {
		if t := parseTime(c.t, v); t.Before(start) || !t.Before(end) {
			c.fail("signal time", "%s at %v outside the period", f, t)
		}
	}
	hs := map[string]bool{}
	ht := w.tables["hotspots.csv"]
	for _, r := range ht.rows {
		hs[ht.col(r, "hotspot_id")] = true
	}
	st := w.tables["sightings.csv"]
	for _, r := range st.rows {
		inPeriod("sighting", st.col(r, "observed_at"))
		w.person(c, "sighting", st.col(r, "person_id"))
		if h := st.col(r, "hotspot_id"); h != "" && !hs[h] {
			c.fail("sighting hotspot", "unknown %s", h)
		}
	}
	ss := w.tables["stop_searches.csv"]
	for _, r := range ss.rows {
		inPeriod("stop", ss.col(r, "at"))
		p := w.person(c, "stop", ss.col(r, "person_id"))
		if p != nil {
			pt := w.tables["truth_persons.csv"]
			if hub.DateOf(parseDay(c.t, pt.col(p, "date_of_birth"))).AgeOn(hub.DateOf(parseTime(c.t, ss.col(r, "at")))) < 10 {
				c.fail("stop age", "%s stopped under 10", ss.col(r, "person_id"))
			}
		}
	}
	ct := w.tables["calls.csv"]
	phones := map[string]bool{}
	for _, r := range ct.rows {
		inPeriod("call", ct.col(r, "started_at"))
		for _, f := range []string{"from_phone", "to_phone"} {
			if v := ct.col(r, f); !phones[v] {
				checkPhone(c, "call", v)
				phones[v] = true
			}
		}
		if ct.col(r, "from_phone") == ct.col(r, "to_phone") {
			c.fail("call self", "%s calls itself", ct.col(r, "from_phone"))
		}
	}
	at := w.tables["anpr_reads.csv"]
	for _, r := range at.rows {
		inPeriod("anpr", at.col(r, "read_at"))
		if !registrationRE.MatchString(at.col(r, "registration")) {
			c.fail("anpr registration", "%q", at.col(r, "registration"))
		}
	}
	jt := w.tables["truth_journeys.csv"]
	for _, r := range jt.rows {
		inPeriod("journey", jt.col(r, "departed_at"))
		if jt.col(r, "arrived_at") < jt.col(r, "departed_at") {
			c.fail("journey", "%s arrives before it departs", jt.col(r, "journey_id"))
		}
		w.person(c, "journey", jt.col(r, "person_id"))
	}
	_ = cmp.Compare[int]
}
