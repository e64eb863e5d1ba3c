package app

// PersonCasework is the casework section of a person view (issue 4). Each
// part is filled by its feature's person loader when the actor may see it.
type PersonCasework struct {
	Referrals *PersonReferrals
	Cases     *PersonCases
	Missing   *PersonMissing
	NRM       *PersonNRM
}

// casework returns v's casework section, creating it on first use.
func (v *PersonView) casework() *PersonCasework {
	if v.Casework == nil {
		v.Casework = &PersonCasework{}
	}
	return v.Casework
}
