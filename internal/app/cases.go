package app

// PersonCases is the cases part of a person view.
type PersonCases struct{}
