package app

// PersonFlags is the health-flags section of a person view (issue 5).
type PersonFlags struct{}

// FlagDesk is the specialist nurse's summary: flags due for review, recent
// look-ups, consultations.
type FlagDesk struct{}
