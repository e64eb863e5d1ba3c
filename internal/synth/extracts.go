package synth

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Partner extracts: each agency's view of the persons it knows, with the
// errors real extracts carry. Every change made to a record is listed, by
// code, in truth_extract_records.csv (FORMAT.md lists the codes).

// Error codes.
const (
	errNickname  = "given_nickname"
	errGivenTypo = "given_typo"
	errFamTypo   = "family_typo"
	errFamPrev   = "family_previous"
	errFamHyph   = "family_hyphenated"
	errDOBSwap   = "dob_day_month_swap"
	errDOBTypo   = "dob_typo"
	errDOBMiss   = "dob_missing"
	errAddrOld   = "address_old"
	errAddrMiss  = "address_missing"
	errPCTypo    = "postcode_typo"
	errPhoneMiss = "phone_missing"
	errIDMiss    = "identifier_missing"
	errUpper     = "case_upper"
	errLower     = "case_lower"
	errSexMiss   = "sex_missing"
)

// agencyNoise scales error rates by agency: police and voluntary records
// are the least tidy, education's the most.
var agencyNoise = [numAgencies]float64{1.3, 0.8, 0.7, 0.6, 1.0, 1.6}

// dupRate is the share of an agency's persons recorded twice.
var dupRate = [numAgencies]float64{0.05, 0.04, 0.03, 0.02, 0.02, 0.05}

type xrec struct {
	x        *person
	ag       int
	dup      bool
	errs     []string
	given    string
	family   string
	dob      int64
	sex      string
	addr     address
	noAddr   bool
	postcode string
	phone    string
	ident    string
	updated  int64
}

// agencyCounts says how many records (0, 1 or 2) each agency holds on x.
func (g *blockGen) agencyCounts(x *person) [numAgencies]int {
	r := g.r
	var n [numAgencies]int
	s := x.spec
	childRole := s != nil && s.child
	cuckooed := s != nil && !s.child && s.roles[0].role == roleCuckooed
	llrChild := x.hh.addr.town.isLLR() && x.age < 18
	if x.known || childRole {
		n[agSocialCare] = 1
	}
	switch {
	case x.known || childRole:
		n[agHealth] = b2i(r.chance(0.88))
	case x.parent:
		n[agHealth] = b2i(r.chance(0.15))
	default:
		n[agHealth] = b2i(r.chance(0.06) || cuckooed)
	}
	if llrChild && x.upn != "" {
		n[agEducation] = b2i(x.known && r.chance(0.92) || childRole || r.chance(0.12))
	}
	n[agPolice] = b2i(x.pnc != "" || x.missingN > 0 || cuckooed || x.parent && r.chance(0.04))
	if x.pnc != "" && x.age >= 10 && x.age <= 21 {
		n[agYouthOffending] = b2i(r.chance(0.6))
	}
	if childRole && r.chance(0.4) {
		n[agYouthOffending] = 1
	}
	switch {
	case childRole:
		n[agVoluntary] = b2i(r.chance(0.5))
	case cuckooed:
		n[agVoluntary] = b2i(r.chance(0.3))
	case x.risk == "high" || x.risk == "medium":
		n[agVoluntary] = b2i(r.chance(0.35))
	case x.risk == "low":
		n[agVoluntary] = b2i(r.chance(0.05))
	}
	for a := range n {
		if n[a] == 1 && r.chance(dupRate[a]) {
			n[a] = 2
		}
	}
	return n
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (g *blockGen) writeExtracts() {
	var recs [numAgencies][]xrec
	for _, x := range g.persons {
		n := g.agencyCounts(x)
		for a, c := range n {
			for i := range c {
				recs[a] = append(recs[a], g.distort(x, a, i == 1))
			}
		}
	}
	for a, rs := range recs {
		shuffle(g.r, rs)
		ag := agencies[a]
		for j, rc := range rs {
			num := recordNumber(g.b, j)
			var id string
			if a == agSocialCare {
				prefix := rc.x.hh.addr.town.area.prefix
				if !rc.x.hh.addr.town.isLLR() {
					prefix = areaLeicestershire.prefix
				}
				id = seqID(prefix, num, 7)
			} else {
				id = seqID(ag.prefix, num, 8)
			}
			g.writeRecord(id, &rc)
			t := g.c.rec(fExtractTruth)
			t.str(ag.kind).str(id).str(rc.x.id).bool(rc.dup).str(strings.Join(rc.errs, ";")).end()
			if rc.dup {
				g.c.stats.extractDup++
			}
		}
	}
}

func (g *blockGen) writeRecord(id string, rc *xrec) {
	x := rc.x
	ag := agencies[rc.ag]
	w := g.c.rec(ag.file)
	w.str(id).str(rc.given).str(rc.family)
	line, town, pc := rc.addr.line, rc.addr.town.name, rc.postcode
	if rc.noAddr {
		line, town, pc = "", "", ""
	}
	switch rc.ag {
	case agPolice:
		w.str(x.alias).date(rc.dob).str(rc.sex).str(line).str(town).str(pc).str(rc.phone).str(rc.ident)
	case agSocialCare:
		w.date(rc.dob).str(rc.sex).str(x.ethnicity).str(x.language).str(line).str(town).str(pc).str(rc.phone).
			str(x.hh.addr.town.area.code).str(x.legal)
	case agHealth:
		w.date(rc.dob).str(rc.sex).str(x.ethnicity).str(line).str(town).str(pc).str(rc.phone).str(rc.ident)
	case agEducation:
		est := ""
		if rc.ident != "" {
			est = rc.ident[4:8]
		}
		w.date(rc.dob).str(rc.sex).str(x.ethnicity).str(x.language).str(line).str(town).str(pc).str(rc.ident).str(est)
	case agYouthOffending:
		w.date(rc.dob).str(rc.sex).str(line).str(town).str(pc).str(rc.phone).str(rc.ident)
	case agVoluntary:
		w.date(rc.dob).str(rc.sex).str(line).str(town).str(pc).str(rc.phone).str(pick(g.r, voluntaryProjects))
	}
	w.date(rc.updated).end()
}

var voluntaryProjects = []string{"Safer Futures outreach", "Detached youth work", "Return home interviews", "Exploitation mentoring", "Young carers"}

// distort makes agency a's record of x.
func (g *blockGen) distort(x *person, a int, dup bool) xrec {
	r := g.r
	noise := agencyNoise[a]
	if dup {
		noise *= 2.2
	}
	p := func(base float64) bool { return r.chance(min(base*noise, 0.9)) }
	rc := xrec{x: x, ag: a, dup: dup, given: x.given, family: x.family, dob: x.dob, sex: sexOf(x.female), phone: x.phone}
	from := max(x.dob, g.p.startDay-4*365)
	rc.updated = from + int64(r.intn(int(g.p.endDay-from)+1))
	if dup {
		rc.updated = from + int64(r.intn(int(rc.updated-from)+1))
	}
	rc.addr = x.hh.addr
	if x.hh.movedIn != noDay && rc.updated < x.hh.movedIn {
		rc.addr = x.hh.prev
		rc.errs = append(rc.errs, errAddrOld)
	}
	rc.postcode = rc.addr.postcode

	if alts := nicknames[rc.given]; len(alts) > 0 && p(map[bool]float64{true: 0.2, false: 0.1}[a == agEducation || a == agVoluntary]) {
		rc.given = pick(r, alts)
		rc.errs = append(rc.errs, errNickname)
	}
	if p(0.03) {
		rc.given = typo(r, rc.given)
		rc.errs = append(rc.errs, errGivenTypo)
	}
	if x.altFamily != "" && p(0.3) {
		rc.family = x.altFamily
		if strings.Contains(x.altFamily, "-") && !strings.Contains(x.family, "-") {
			rc.errs = append(rc.errs, errFamHyph)
		} else {
			rc.errs = append(rc.errs, errFamPrev)
		}
	}
	if p(0.03) {
		rc.family = typo(r, rc.family)
		rc.errs = append(rc.errs, errFamTypo)
	}
	switch {
	case a == agPolice && r.chance(0.7):
		rc.family = strings.ToUpper(rc.family)
		rc.errs = append(rc.errs, errUpper)
	case p(0.04):
		rc.given, rc.family = strings.ToUpper(rc.given), strings.ToUpper(rc.family)
		rc.errs = append(rc.errs, errUpper)
	case p(0.02):
		rc.given, rc.family = strings.ToLower(rc.given), strings.ToLower(rc.family)
		rc.errs = append(rc.errs, errLower)
	}
	y, m, d := civil(x.dob)
	switch {
	case p(0.015) || a == agVoluntary && r.chance(0.08):
		rc.dob = noDay
		rc.errs = append(rc.errs, errDOBMiss)
	case d <= 12 && d != m && p(0.025):
		rc.dob = dayNumber(y, d, m)
		rc.errs = append(rc.errs, errDOBSwap)
	case p(0.015):
		switch r.intn(3) {
		case 0:
			rc.dob = x.dob + int64(pick(r, []int{-1, 1}))
		case 1:
			rc.dob = dayNumber(y+pick(r, []int{-1, 1}), m, min(d, 28))
		default:
			rc.dob = dayNumber(y, m%12+1, min(d, 28))
		}
		if rc.dob > g.p.endDay {
			rc.dob = x.dob - 1
		}
		rc.errs = append(rc.errs, errDOBTypo)
	}
	if p(0.01) {
		rc.sex = "unknown"
		rc.errs = append(rc.errs, errSexMiss)
	}
	switch {
	case p(0.025):
		rc.noAddr = true
		rc.errs = append(rc.errs, errAddrMiss)
	case p(0.02):
		b := []byte(rc.postcode)
		i := len(b) - 3
		b[i] = byte('1' + (int(b[i]-'0')+r.between(0, 7))%9)
		rc.postcode = string(b)
		rc.errs = append(rc.errs, errPCTypo)
	}
	if rc.phone != "" && p(0.3) {
		rc.phone = ""
		rc.errs = append(rc.errs, errPhoneMiss)
	}
	switch a {
	case agHealth:
		rc.ident = x.nhs
		if rc.ident != "" && (p(0.05) || dup && r.chance(0.4)) {
			rc.ident = ""
			rc.errs = append(rc.errs, errIDMiss)
		}
	case agEducation:
		rc.ident = x.upn
		if p(0.04) || dup && r.chance(0.3) {
			rc.ident = ""
			rc.errs = append(rc.errs, errIDMiss)
		}
	case agPolice, agYouthOffending:
		rc.ident = x.pnc
		if rc.ident != "" && (p(0.06) || dup && r.chance(0.4)) {
			rc.ident = ""
			rc.errs = append(rc.errs, errIDMiss)
		}
	}
	if dup && len(rc.errs) == 0 {
		// A duplicate is usually a record made in a hurry: mark it.
		if alts := nicknames[x.given]; len(alts) > 0 {
			rc.given = pick(r, alts)
			rc.errs = append(rc.errs, errNickname)
		} else {
			rc.given = typo(r, rc.given)
			rc.errs = append(rc.errs, errGivenTypo)
		}
	}
	return rc
}

// keyboard neighbours on a UK QWERTY keyboard.
var neighbours = map[rune]string{
	'q': "wa", 'w': "qes", 'e': "wrd", 'r': "etf", 't': "ryg", 'y': "tuh", 'u': "yij", 'i': "uok", 'o': "ipl", 'p': "ol",
	'a': "qsz", 's': "adwx", 'd': "sfec", 'f': "dgrv", 'g': "fhtb", 'h': "gjyn", 'j': "hkum", 'k': "jlim", 'l': "kop",
	'z': "asx", 'x': "zsdc", 'c': "xdfv", 'v': "cfgb", 'b': "vghn", 'n': "bhjm", 'm': "njk",
}

// ocr lists confusions of scanned or faxed forms.
var ocr = [][2]string{{"m", "rn"}, {"rn", "m"}, {"d", "cl"}, {"h", "li"}, {"e", "c"}, {"a", "o"}, {"u", "v"}, {"l", "i"}, {"i", "l"}, {"w", "vv"}}

// typo returns s with one realistic mistake: a transposition, a dropped or
// doubled letter, a neighbouring key or an OCR confusion. The result still
// contains a letter.
func typo(r *rng, s string) string {
	rs := []rune(s)
	if len(rs) < 3 {
		return s + string(rs[len(rs)-1])
	}
	i := 1 + r.intn(len(rs)-2)
	switch r.intn(5) {
	case 0:
		rs[i], rs[i+1] = rs[i+1], rs[i]
	case 1:
		rs = append(rs[:i], rs[i+1:]...)
	case 2:
		rs = append(rs[:i+1], rs[i:]...)
	case 3:
		lc := unicode.ToLower(rs[i])
		if nb, ok := neighbours[lc]; ok {
			c := rune(nb[r.intn(len(nb))])
			if unicode.IsUpper(rs[i]) {
				c = unicode.ToUpper(c)
			}
			rs[i] = c
		} else {
			rs[i], rs[i+1] = rs[i+1], rs[i]
		}
	default:
		lower := strings.ToLower(string(rs[1:]))
		for _, o := range ocr[r.intn(len(ocr)):] {
			if j := strings.Index(lower, o[0]); j >= 0 {
				tail := string(rs[1:])
				// Map the byte index in lower back to tail (same length:
				// ToLower keeps ASCII widths; names with other letters fall
				// back to a transposition).
				if len(lower) == len(tail) && utf8.ValidString(tail[:j]) {
					return string(rs[0]) + tail[:j] + o[1] + tail[j+len(o[0]):]
				}
			}
		}
		rs[i], rs[i+1] = rs[i+1], rs[i]
	}
	return string(rs)
}
