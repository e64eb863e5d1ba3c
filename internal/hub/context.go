package hub

import "time"

// SubjectKind says what a referral, assessment, case or plan is about: a
// child (or adult), or — contextual safeguarding — a place or a group.
type SubjectKind string

// Subject kinds.
const (
	SubjectPerson  SubjectKind = "person"
	SubjectContext SubjectKind = "context"
)

// Subject names what a piece of casework is about.
type Subject struct {
	Kind SubjectKind
	ID   string
}

// ContextKind is the kind of an extra-familial context (domain.md §5).
type ContextKind string

// Context kinds.
const (
	ContextLocation  ContextKind = "location"   // a park, station, takeaway, estate, hotel
	ContextPeerGroup ContextKind = "peer_group" // a friendship or peer group
	ContextSchool    ContextKind = "school"
	ContextOnline    ContextKind = "online" // an online space
)

// ContextKinds lists every context kind.
var ContextKinds = []ContextKind{ContextLocation, ContextPeerGroup, ContextSchool, ContextOnline}

// Context is a place or a group that is itself the subject of referral,
// assessment and planning (contextual safeguarding).
type Context struct {
	ID            string
	AreaID        string
	OwnerAgencyID string
	Kind          ContextKind
	Name          string
	Description   string
	// Postcode, Latitude and Longitude place a location (optional).
	Postcode  string
	Latitude  float64
	Longitude float64
	Members   []ContextMember
	CreatedBy string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ContextMember is a person linked to a context, with their role and the
// period they were part of it.
type ContextMember struct {
	PersonID string
	// Role is free text kept short: "leader", "member", "associate", "victim".
	Role string
	From Date
	To   Date
}
