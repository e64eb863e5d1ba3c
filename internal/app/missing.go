package app

// PersonMissing is the missing-episodes part of a person view.
type PersonMissing struct{}

// PersonNRM is the modern-slavery (NRM) part of a person view.
type PersonNRM struct{}
