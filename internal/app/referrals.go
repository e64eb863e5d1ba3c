package app

// PersonReferrals is the referrals and risk assessments part of a person
// view.
type PersonReferrals struct{}
