package app

// PersonFlags is the health-flags section of a person view (issue 5).
type PersonFlags struct{}
