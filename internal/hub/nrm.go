package hub

import (
	"slices"
	"strings"
	"time"
)

// NRMKind says whether a modern-slavery record is a National Referral
// Mechanism referral or, for an adult who declines the NRM, the anonymous
// Duty to Notify (Modern Slavery Act 2015 s52) notification.
type NRMKind string

// NRM record kinds.
const (
	NRMReferralKind NRMKind = "nrm"
	NRMDutyToNotify NRMKind = "dtn"
)

// NRMConsent is the potential victim's consent to the referral.
type NRMConsent string

// Consent answers. A child needs no consent; an adult must consent to an
// NRM referral, and an adult who declines is notified under the Duty to
// Notify instead.
const (
	ConsentNotRequired NRMConsent = "not_required"
	ConsentGiven       NRMConsent = "given"
	ConsentDeclined    NRMConsent = "declined"
)

// FirstResponders are the First Responder Organisations (domain.md §4.3;
// the list changes, so check the gov.uk list).
var FirstResponders = []string{"police", "local_authority", "nca", "glaa", "home_office", "barnardos", "salvation_army", "migrant_help", "nspcc", "other"}

// ExploitationTypes are the kinds of exploitation an NRM referral names.
var ExploitationTypes = []string{"criminal_county_lines", "criminal_other", "sexual", "labour", "domestic_servitude", "other"}

// RGDecision is the Single Competent Authority's reasonable-grounds
// decision.
type RGDecision string

// Reasonable-grounds decisions.
const (
	RGPending  RGDecision = "pending"
	RGPositive RGDecision = "positive"
	RGNegative RGDecision = "negative"
)

// CGDecision is the conclusive-grounds decision, made after a positive
// reasonable-grounds decision and the recovery period.
type CGDecision string

// Conclusive-grounds decisions.
const (
	CGPending       CGDecision = "pending"
	CGModernSlavery CGDecision = "victim_modern_slavery"
	CGTrafficking   CGDecision = "victim_trafficking"
	CGNotRecognised CGDecision = "not_recognised"
)

// CGDecisions lists every conclusive-grounds decision.
var CGDecisions = []CGDecision{CGPending, CGModernSlavery, CGTrafficking, CGNotRecognised}

// MinRecoveryDays is the least recovery and reflection period after a
// positive reasonable-grounds decision, in calendar days (cut from 45 on
// 13 December 2022). A deployment may configure a longer one.
const MinRecoveryDays = 30

// NRMReferral is a referral of a potential victim of modern slavery to the
// National Referral Mechanism, or an adult's Duty to Notify notification,
// with the decisions on it.
type NRMReferral struct {
	ID       string
	PersonID string
	// AreaID, OwnerAgencyID and Sensitivity are the person's (read from
	// the person record, never stored apart from it); PersonName is their
	// name, for lists.
	AreaID        string
	OwnerAgencyID string
	Sensitivity   Sensitivity
	PersonName    string

	Kind NRMKind
	// Child says the person was under 18 when referred.
	Child            bool
	Consent          NRMConsent
	SubmittedAt      time.Time
	FirstResponder   string // one of FirstResponders
	ResponderOfficer string
	ExploitationType string // one of ExploitationTypes
	Reference        string // the NRM or Home Office reference
	// RGTargetAt is when the reasonable-grounds decision is due (five
	// working days after submission, by default).
	RGTargetAt  time.Time
	RG          RGDecision
	RGDecidedOn Date
	// RecoveryEnds is the end of the recovery period after a positive RG.
	RecoveryEnds Date
	CG           CGDecision
	CGDecidedOn  Date
	Outcome      string
	// ICTG says whether an Independent Child Trafficking Guardian was
	// allocated: "", "direct_worker" or "regional_practice_coordinator".
	ICTG  string
	Notes string

	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// RGOverdue reports whether the reasonable-grounds decision is still
// awaited after its target.
func (n *NRMReferral) RGOverdue(now time.Time) bool {
	return n.Kind == NRMReferralKind && n.RG == RGPending && !n.RGTargetAt.IsZero() && now.After(n.RGTargetAt)
}

// Validate checks the referral (V-NRM): a child needs no consent, an adult
// consents to an NRM referral or is notified under the Duty to Notify,
// decisions follow submission and lie in the past, and a conclusive-grounds
// decision comes only after a positive reasonable-grounds decision and at
// least recoveryDays later. Dates are read in loc (Europe/London).
func (n *NRMReferral) Validate(now time.Time, loc *time.Location, recoveryDays int) error {
	today := DateOf(now.In(loc))
	if !ValidID(n.PersonID) {
		return Invalid("person_id", "is required")
	}
	if n.Kind != NRMReferralKind && n.Kind != NRMDutyToNotify {
		return Invalid("kind", "must be nrm or dtn")
	}
	switch {
	case n.Child && n.Consent != ConsentNotRequired:
		return Invalid("consent", "a child is referred without consent: it is not_required")
	case n.Child && n.Kind == NRMDutyToNotify:
		return Invalid("kind", "the Duty to Notify is for adults who decline the NRM; a child is always referred (nrm)")
	case !n.Child && n.Consent == ConsentNotRequired:
		return Invalid("consent", "an adult must consent to an NRM referral: say whether they consented or declined")
	case !n.Child && n.Consent != ConsentGiven && n.Consent != ConsentDeclined:
		return Invalid("consent", "must be given or declined for an adult")
	case n.Kind == NRMReferralKind && n.Consent == ConsentDeclined:
		return Invalid("kind", "an adult who declines is not referred: record a Duty to Notify (dtn) instead")
	case n.Kind == NRMDutyToNotify && n.Consent != ConsentDeclined:
		return Invalid("kind", "the Duty to Notify is only for adults who decline the NRM")
	}
	if n.SubmittedAt.IsZero() {
		return Invalid("submitted_at", "is required")
	}
	if n.SubmittedAt.After(now) {
		return Invalid("submitted_at", "is in the future")
	}
	if !slices.Contains(FirstResponders, n.FirstResponder) {
		return Invalid("first_responder", "must be one of %s", strings.Join(FirstResponders, ", "))
	}
	if !slices.Contains(ExploitationTypes, n.ExploitationType) {
		return Invalid("exploitation_type", "must be one of %s", strings.Join(ExploitationTypes, ", "))
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"responder_officer", n.ResponderOfficer, MaxShortLen}, {"reference", n.Reference, 50}, {"outcome", n.Outcome, MaxShortLen}} {
		if err := ValidateText(f.name, f.v, 0, f.max); err != nil {
			return err
		}
	}
	if err := ValidateNote("notes", n.Notes, MaxNoteLen); err != nil {
		return err
	}
	if n.ICTG != "" && n.ICTG != "direct_worker" && n.ICTG != "regional_practice_coordinator" {
		return Invalid("ictg", "must be direct_worker, regional_practice_coordinator or blank")
	}
	if n.ICTG != "" && !n.Child {
		return Invalid("ictg", "Independent Child Trafficking Guardians are for children")
	}
	if n.Kind == NRMDutyToNotify {
		if n.RG != RGPending || n.CG != CGPending || !n.RGDecidedOn.IsZero() || !n.CGDecidedOn.IsZero() {
			return Invalid("rg_decision", "a Duty to Notify notification has no decisions")
		}
		return nil
	}
	submitted := DateOf(n.SubmittedAt.In(loc))
	switch n.RG {
	case RGPending:
		if !n.RGDecidedOn.IsZero() {
			return Invalid("rg_decided_on", "is given only with a decision")
		}
	case RGPositive, RGNegative:
		if n.RGDecidedOn.IsZero() {
			return Invalid("rg_decided_on", "is required with the decision")
		}
		if n.RGDecidedOn.Before(submitted) {
			return Invalid("rg_decided_on", "is before the referral was submitted")
		}
		if n.RGDecidedOn.After(today) {
			return Invalid("rg_decided_on", "is in the future")
		}
	default:
		return Invalid("rg_decision", "must be pending, positive or negative")
	}
	if !slices.Contains(CGDecisions, n.CG) {
		return Invalid("cg_decision", "must be pending, victim_modern_slavery, victim_trafficking or not_recognised")
	}
	if n.CG == CGPending {
		if !n.CGDecidedOn.IsZero() {
			return Invalid("cg_decided_on", "is given only with a decision")
		}
		return nil
	}
	if n.RG != RGPositive {
		return Invalid("cg_decision", "a conclusive-grounds decision follows a positive reasonable-grounds decision")
	}
	if n.CGDecidedOn.IsZero() {
		return Invalid("cg_decided_on", "is required with the decision")
	}
	if n.CGDecidedOn.After(today) {
		return Invalid("cg_decided_on", "is in the future")
	}
	if recoveryDays < MinRecoveryDays {
		recoveryDays = MinRecoveryDays
	}
	if earliest := addDays(n.RGDecidedOn, recoveryDays); n.CGDecidedOn.Before(earliest) {
		return Invalid("cg_decided_on", "is within the recovery period: a conclusive-grounds decision comes at least %d days after the reasonable-grounds decision (not before %s)", recoveryDays, earliest.Display())
	}
	return nil
}

// addDays returns the date n days after d.
func addDays(d Date, n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// RecoveryEnd is the last day of the recovery period that starts with a
// positive reasonable-grounds decision on rg.
func RecoveryEnd(rg Date, days int) Date { return addDays(rg, days) }
