package hub

import "time"

// Audit actions. Every view, search, export and change of person-level data
// and every authentication event writes one audit event with one of these.
const (
	ActView    = "view"
	ActSearch  = "search"
	ActCreate  = "create"
	ActUpdate  = "update"
	ActDelete  = "delete"
	ActExport  = "export"
	ActLogin   = "login"
	ActLogout  = "logout"
	ActMFA     = "mfa"
	ActBreak   = "break_glass"
	ActDisable = "disable"
	ActRevoke  = "revoke"
	// ActFlagLookup is a health system's look-up of a child's flags by NHS
	// number (issue 5). SubjectID is the child when a flag matched.
	ActFlagLookup = "flag_lookup"
	// Cross-border sharing (issue 6): a share made (ActShare), approved or
	// refused, first opened by a recipient (ActReceive), revoked
	// (ActRevoke), expired (ActExpire, written by the deadline job); a
	// request for one (ActShareRequest); and a search that found a record
	// held elsewhere without showing it (ActDiscover).
	ActShare        = "share"
	ActShareApprove = "share_approve"
	ActShareRefuse  = "share_refuse"
	ActReceive      = "share_receive"
	ActExpire       = "share_expire"
	ActShareRequest = "share_request"
	ActDiscover     = "discover"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeDenied  = "denied"
	OutcomeFailure = "failure"
)

// AuditEvent is one entry of the tamper-evident audit log.
type AuditEvent struct {
	// Index is the entry's position in the log, from 0; set when appended.
	Index int64
	Time  time.Time
	// ActorID is the user or machine client; empty for anonymous attempts.
	ActorID   string
	ActorName string
	AgencyID  string
	Role      string
	Action    string
	// ObjectType and ObjectID name the record acted on ("person", id).
	ObjectType string
	ObjectID   string
	// SubjectID is the person the event is about, when there is one, so that
	// "who looked at this child" is one indexed query.
	SubjectID string
	Purpose   string
	Outcome   string
	RequestID string
	Client    string
	// Detail is a short, non-personal note ("3 results", "wrong password").
	Detail string
}
