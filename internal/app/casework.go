package app

// PersonCasework is the casework section of a person view (issue 4):
// cases, referrals, missing episodes, NRM referrals.
type PersonCasework struct{}
