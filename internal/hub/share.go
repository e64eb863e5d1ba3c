package hub

import (
	"slices"
	"strings"
	"time"
)

// SharePart is one part of a child's record that a share may open (issue 6):
// each is a separate choice, and a share opens nothing it does not name.
type SharePart string

// The parts of a child's record.
const (
	// PartIdentity is the person's record: names, date of birth,
	// identifiers, address.
	PartIdentity SharePart = "identity"
	// PartCase is the case summary: status, lead practitioner, agencies
	// and workers, exploitation types, reviews.
	PartCase SharePart = "case"
	// PartPlan is the safeguarding plan, its actions, meetings and service
	// referrals.
	PartPlan SharePart = "plan"
	// PartMissing is the missing history: episodes, return home
	// interviews, the Philomena profile, NRM referrals.
	PartMissing SharePart = "missing"
	// PartAssessments is referrals and combined risk assessments.
	PartAssessments SharePart = "assessments"
	// PartNotes is case notes and their attachments.
	PartNotes SharePart = "notes"
)

// SharePartList lists the parts in display order.
var SharePartList = []SharePart{PartIdentity, PartCase, PartPlan, PartMissing, PartAssessments, PartNotes}

// Valid reports whether p is a known part.
func (p SharePart) Valid() bool { return slices.Contains(SharePartList, p) }

// CaseBound reports whether the part belongs to one case (so that a share
// made from a case opens that case's part only).
func (p SharePart) CaseBound() bool { return p == PartCase || p == PartPlan || p == PartNotes }

// Label is the part's name for people.
func (p SharePart) Label() string {
	switch p {
	case PartIdentity:
		return "Identity and contact details"
	case PartCase:
		return "Case summary"
	case PartPlan:
		return "Safeguarding plan, meetings and services"
	case PartMissing:
		return "Missing history and NRM"
	case PartAssessments:
		return "Referrals and risk assessments"
	case PartNotes:
		return "Case notes"
	}
	return string(p)
}

// ParseShareParts reads a list of part names, refusing unknown ones and
// duplicates, and returns them in display order.
func ParseShareParts(field string, names []string) ([]SharePart, error) {
	var out []SharePart
	for _, n := range names {
		p := SharePart(strings.TrimSpace(n))
		if p == "" {
			continue
		}
		if !p.Valid() {
			return nil, Invalid(field, "unknown part %s; choose from identity, case, plan, missing, assessments, notes", quoteShort(string(p)))
		}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil, Invalid(field, "choose at least one part of the record to share")
	}
	slices.SortFunc(out, func(a, b SharePart) int { return slices.Index(SharePartList, a) - slices.Index(SharePartList, b) })
	return out, nil
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}

// RecipientKind says whom a share is with.
type RecipientKind string

// Recipient kinds.
const (
	RecipientArea   RecipientKind = "area"   // everyone working in an area
	RecipientAgency RecipientKind = "agency" // everyone in an agency
	RecipientUsers  RecipientKind = "users"  // named users
)

// Valid reports whether k is a known recipient kind.
func (k RecipientKind) Valid() bool {
	return k == RecipientArea || k == RecipientAgency || k == RecipientUsers
}

// ShareStatus is where a share is in its life.
type ShareStatus string

// Share statuses. Expiry is not a stored status: a share whose expiry has
// passed is expired from that instant, whatever its row says.
const (
	SharePending ShareStatus = "pending" // waiting for approval
	ShareActive  ShareStatus = "active"
	ShareRevoked ShareStatus = "revoked"
	ShareRefused ShareStatus = "refused" // approval refused
)

// Share opens parts of one child's record (or of one case) to an area, an
// agency or named users, for a purpose, under a recorded lawful basis,
// until an expiry (issue 6).
type Share struct {
	ID string
	// PersonID is the child; empty only for a share of a context's case.
	PersonID string
	// CaseID is set when the share was made from a case: the case-bound
	// parts (case, plan, notes) then open that case only.
	CaseID string
	// OwnerAreaID and OwnerAgencyID hold the record shared.
	OwnerAreaID   string
	OwnerAgencyID string

	RecipientKind RecipientKind
	// RecipientIDs are the area, the agency, or the users.
	RecipientIDs []string
	Parts        []SharePart
	Purpose      string
	// BasisCode names an entry of the configured list of lawful bases.
	BasisCode string
	// Necessity is the sharer's reason: why sharing is necessary and
	// proportionate (DfE advice: record the decision and the reasons).
	Necessity string
	// Contribute lets the recipients add their own contributions.
	Contribute bool

	Status       ShareStatus
	SharedBy     string
	SharedByName string
	ApprovedBy   string
	ApprovedAt   time.Time
	ExpiresAt    time.Time
	RevokedBy    string
	RevokedAt    time.Time
	// EndReason is why it was revoked or its approval refused.
	EndReason string
	// RequestID is the request it answered, if any.
	RequestID string
	// ReceivedAt is when a recipient first opened it.
	ReceivedAt time.Time
	// ExpiryLogged is when the deadline job recorded its expiry.
	ExpiryLogged time.Time
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Active reports whether the share is in force at t.
func (s *Share) Active(t time.Time) bool {
	return s.Status == ShareActive && t.Before(s.ExpiresAt)
}

// Expired reports whether the share was active until its expiry, now past.
func (s *Share) Expired(t time.Time) bool {
	return s.Status == ShareActive && !t.Before(s.ExpiresAt)
}

// State is the share's status at t, with expiry applied.
func (s *Share) State(t time.Time) string {
	if s.Expired(t) {
		return "expired"
	}
	return string(s.Status)
}

// Has reports whether the share names part p.
func (s *Share) Has(p SharePart) bool { return slices.Contains(s.Parts, p) }

// Names reports whether the share is with a user who has this id, agency
// and areas.
func (s *Share) Names(userID, agencyID string, areaIDs []string) bool {
	switch s.RecipientKind {
	case RecipientUsers:
		return userID != "" && slices.Contains(s.RecipientIDs, userID)
	case RecipientAgency:
		return agencyID != "" && slices.Contains(s.RecipientIDs, agencyID)
	case RecipientArea:
		for _, a := range areaIDs {
			if slices.Contains(s.RecipientIDs, a) {
				return true
			}
		}
	}
	return false
}

// Opens reports whether the share, in force at t, opens part p of the
// record of person personID (and, for case-bound parts, of case caseID).
func (s *Share) Opens(p SharePart, personID, caseID string, t time.Time) bool {
	if !s.Active(t) || !s.Has(p) {
		return false
	}
	if p.CaseBound() && s.CaseID != "" {
		return caseID == s.CaseID
	}
	return s.PersonID != "" && personID == s.PersonID
}

// ShareRequestStatus is where a request for a share is.
type ShareRequestStatus string

// Request statuses.
const (
	RequestPending ShareRequestStatus = "pending"
	RequestGranted ShareRequestStatus = "granted"
	RequestRefused ShareRequestStatus = "refused"
)

// ShareRequest asks the area holding a child's record to share parts of it.
type ShareRequest struct {
	ID       string
	PersonID string
	// OwnerAreaID is the area asked (the child's).
	OwnerAreaID     string
	RequesterID     string
	RequesterName   string
	RequesterAgency string
	Parts           []SharePart
	Purpose         string
	Reason          string
	Status          ShareRequestStatus
	DecidedBy       string
	DecidedAt       time.Time
	RefuseReason    string
	ShareID         string
	CreatedAt       time.Time
}

// ShareContribution is something a recipient added to a shared record: kept
// apart from the owner's record, attributed to its author and agency, and
// kept by the recipient's agency after the share ends.
type ShareContribution struct {
	ID         string
	ShareID    string
	PersonID   string
	AuthorID   string
	AuthorName string
	AgencyID   string
	Body       string
	CreatedAt  time.Time
}

// LawfulBasis is an entry of the configured list of lawful bases for
// sharing: a code, a label and its statutory reference.
type LawfulBasis struct {
	Code      string
	Label     string
	Reference string
}
