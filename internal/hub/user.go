package hub

import (
	"slices"
	"strings"
	"time"
)

// Role is what a user does in the hub. Roles grant kinds of action; the
// access package turns role, agency, area and case membership into a
// decision.
type Role string

// The roles of the first cut (DESIGN.md, "Security model").
const (
	RolePractitioner Role = "practitioner" // hub practitioner: social worker, early help, YOS
	RolePolice       Role = "police"       // police officer in the hub
	RoleAnalyst      Role = "analyst"      // police intelligence analyst
	RoleNurse        Role = "nurse"        // specialist CSE nurse (health)
	RoleEducation    Role = "education"    // education safeguarding lead
	RoleManager      Role = "manager"      // service manager or detective inspector
	RoleAdmin        Role = "admin"        // system administrator: accounts, no case content
	RoleAuditor      Role = "auditor"      // data protection officer or auditor
	RolePartner      Role = "partner"      // read-only partner
)

// Roles lists every role in display order.
var Roles = []Role{RolePractitioner, RolePolice, RoleAnalyst, RoleNurse, RoleEducation, RoleManager, RoleAdmin, RoleAuditor, RolePartner}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Label is the human name of the role.
func (r Role) Label() string {
	switch r {
	case RolePractitioner:
		return "Hub practitioner"
	case RolePolice:
		return "Police officer"
	case RoleAnalyst:
		return "Analyst"
	case RoleNurse:
		return "Specialist nurse"
	case RoleEducation:
		return "Education"
	case RoleManager:
		return "Manager"
	case RoleAdmin:
		return "Administrator"
	case RoleAuditor:
		return "Auditor"
	case RolePartner:
		return "Read-only partner"
	}
	return string(r)
}

// ParseRoles parses a comma-separated list of roles.
func ParseRoles(s string) ([]Role, error) {
	var out []Role
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		r := Role(f)
		if !r.Valid() {
			return nil, Invalid("roles", "unknown role %q", f)
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// User is an interactive account: a person working for one agency, in one
// or more areas, with one or more roles.
type User struct {
	ID          string
	Username    string
	DisplayName string
	Email       string
	AgencyID    string
	AreaIDs     []string
	Roles       []Role
	Disabled    bool

	// PasswordHash is a PHC-format argon2id hash, or empty for accounts that
	// sign in only through an identity provider.
	PasswordHash string
	// MFASecret is the TOTP secret (base32); empty until enrolment starts.
	MFASecret string
	// MFAEnrolled is set once the user has confirmed a code from the secret.
	MFAEnrolled bool
	// MFALastStep is the last TOTP time step accepted, to refuse replays.
	MFALastStep int64

	// OIDCIssuer and OIDCSubject link the account to an identity provider's
	// user; the pair, never an email address, identifies them.
	OIDCIssuer  string
	OIDCSubject string

	PasswordChangedAt time.Time
	Version           int
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// HasRole reports whether the user holds role r.
func (u *User) HasRole(r Role) bool { return slices.Contains(u.Roles, r) }

// Validate checks the user's fields.
func (u *User) Validate() error {
	if err := ValidateUsername(u.Username); err != nil {
		return err
	}
	if err := ValidateText("display_name", u.DisplayName, 1, 200); err != nil {
		return err
	}
	if u.Email != "" {
		if err := ValidateText("email", u.Email, 3, 254); err != nil {
			return err
		}
		if at := strings.IndexByte(u.Email, '@'); at < 1 || at == len(u.Email)-1 || strings.ContainsAny(u.Email, " <>\"") {
			return Invalid("email", "is not an email address")
		}
	}
	if !ValidID(u.AgencyID) {
		return Invalid("agency_id", "is required")
	}
	if len(u.Roles) == 0 {
		return Invalid("roles", "at least one role is required")
	}
	for _, r := range u.Roles {
		if !r.Valid() {
			return Invalid("roles", "unknown role %q", r)
		}
	}
	for _, a := range u.AreaIDs {
		if !ValidID(a) {
			return Invalid("area_ids", "contains a malformed area id")
		}
	}
	if (u.OIDCIssuer == "") != (u.OIDCSubject == "") {
		return Invalid("oidc_subject", "an identity-provider link needs both the issuer and the subject")
	}
	if u.OIDCIssuer != "" {
		if err := ValidateText("oidc_issuer", u.OIDCIssuer, 8, 500); err != nil {
			return err
		}
		if !strings.HasPrefix(u.OIDCIssuer, "https://") {
			return Invalid("oidc_issuer", "must be an https:// URL")
		}
		if err := ValidateText("oidc_subject", u.OIDCSubject, 1, 255); err != nil {
			return err
		}
	}
	return nil
}

// ValidateUsername checks a login name: 3 to 64 characters from lower-case
// letters, digits, dot, hyphen and underscore, starting with a letter.
func ValidateUsername(s string) error {
	if len(s) < 3 || len(s) > 64 {
		return Invalid("username", "must be 3 to 64 characters")
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := 'a' <= c && c <= 'z' || i > 0 && ('0' <= c && c <= '9' || c == '.' || c == '-' || c == '_')
		if !ok {
			return Invalid("username", "must start with a lower-case letter and contain only a-z, 0-9, '.', '-' and '_'")
		}
	}
	return nil
}

// Scope is a permission held by a machine client or personal API token.
type Scope string

// API scopes.
const (
	ScopeFlagRead    Scope = "flag:read"    // FHIR Flag look-ups (health front doors)
	ScopePersonRead  Scope = "person:read"  // person search and read through the JSON API
	ScopePersonWrite Scope = "person:write" // create and update persons through the JSON API

	// Casework (issue 4).
	ScopeCaseRead  Scope = "case:read"  // read casework: referrals, assessments, cases, missing episodes, work queues
	ScopeCaseWrite Scope = "case:write" // record and change casework
)

// Scopes lists every scope.
var Scopes = []Scope{ScopeFlagRead, ScopePersonRead, ScopePersonWrite, ScopeCaseRead, ScopeCaseWrite}

// Valid reports whether s is a known scope.
func (s Scope) Valid() bool { return slices.Contains(Scopes, s) }

// APIClient is a machine client (a health system, a partner's integration)
// or a user's personal token for scripts. The bearer token is shown once at
// creation; only its hash is stored.
type APIClient struct {
	ID   string
	Name string
	// Setting names where the client is used, e.g. "Leicester Royal Infirmary ED".
	Setting  string
	AgencyID string
	// UserID is set for personal tokens: the client acts as that user.
	UserID    string
	Scopes    []Scope
	TokenHash []byte
	// TokenPrefix is the token's first characters, to recognise it in lists.
	TokenPrefix string
	CreatedAt   time.Time
	RevokedAt   time.Time
	LastUsedAt  time.Time
}

// Revoked reports whether the client has been revoked.
func (c *APIClient) Revoked() bool { return !c.RevokedAt.IsZero() }

// HasScope reports whether the client holds scope s.
func (c *APIClient) HasScope(s Scope) bool { return slices.Contains(c.Scopes, s) }

// Validate checks the client's fields.
func (c *APIClient) Validate() error {
	if err := ValidateText("name", c.Name, 1, 200); err != nil {
		return err
	}
	if err := ValidateText("setting", c.Setting, 0, 200); err != nil {
		return err
	}
	if !ValidID(c.AgencyID) {
		return Invalid("agency_id", "is required")
	}
	if len(c.Scopes) == 0 {
		return Invalid("scopes", "at least one scope is required")
	}
	for _, s := range c.Scopes {
		if !s.Valid() {
			return Invalid("scopes", "unknown scope %q", s)
		}
	}
	return nil
}

// Session is a signed-in browser session, held server-side. The cookie holds
// a random token; the store keeps only its hash.
type Session struct {
	IDHash     []byte
	UserID     string
	MFAPending bool
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	Client     string
	UserAgent  string
}

// BreakGlass is access to a record outside the actor's normal scope, taken
// with a stated reason for a limited time. Every one is listed for the
// auditor.
type BreakGlass struct {
	ID         string
	UserID     string
	ObjectType string
	ObjectID   string
	Reason     string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	ReviewedBy string
	ReviewedAt time.Time
}

// Active reports whether the grant is in force at t.
func (b *BreakGlass) Active(t time.Time) bool { return !t.Before(b.CreatedAt) && t.Before(b.ExpiresAt) }

// Notification is an in-app message to a user: a child's flag looked up at
// an emergency department, a child missing again, a deadline passed.
type Notification struct {
	ID     string
	UserID string
	// Kind is a short machine name: "flag_lookup", "repeat_missing",
	// "risk_change", "deadline", "allocation".
	Kind string
	// SubjectID is the person it is about, if any.
	SubjectID  string
	ObjectType string
	ObjectID   string
	Title      string
	Body       string
	// Link is a path within Safehub to open ("/persons/…").
	Link      string
	CreatedAt time.Time
	ReadAt    time.Time
}

// Read reports whether the user has read it.
func (n *Notification) Read() bool { return !n.ReadAt.IsZero() }
