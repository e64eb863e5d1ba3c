package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/auth"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// System returns the actor the command line acts as: an administrator with
// no areas, named after the operating-system user who ran the command.
func System(name string) *access.Actor {
	return &access.Actor{Name: "cli:" + name, Roles: []hub.Role{hub.RoleAdmin}}
}

// require checks a function-level permission and returns the domain error
// the surfaces turn into 403 (or, for person data, 404).
func require(a *access.Actor, act access.Action) error {
	if !access.Can(a, act) {
		return hub.Errorf(hub.EForbidden, "you do not have permission to do this")
	}
	return nil
}

// NewUser is the input for creating a user.
type NewUser struct {
	Username    string
	DisplayName string
	Email       string
	AgencyID    string
	AreaIDs     []string
	Roles       []hub.Role
	// Password may be empty for identity-provider-only accounts.
	Password string
	// OIDCIssuer and OIDCSubject link the account to an identity provider.
	OIDCIssuer  string
	OIDCSubject string
}

// CreateUser creates an interactive account.
func (a *App) CreateUser(ctx context.Context, actor *access.Actor, in NewUser) (*hub.User, error) {
	if err := require(actor, access.UserAdmin); err != nil {
		return nil, err
	}
	u := &hub.User{
		Username:    strings.TrimSpace(in.Username),
		DisplayName: strings.TrimSpace(in.DisplayName),
		Email:       strings.TrimSpace(in.Email),
		AgencyID:    in.AgencyID,
		AreaIDs:     in.AreaIDs,
		Roles:       in.Roles,
		OIDCIssuer:  in.OIDCIssuer,
		OIDCSubject: in.OIDCSubject,
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if in.Password == "" && in.OIDCSubject == "" {
		return nil, hub.Invalid("password", "is required unless the account signs in through an identity provider")
	}
	var ag *hub.Agency
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		if ag, err = tx.Agency(u.AgencyID); err != nil {
			return hub.Invalid("agency_id", "no such agency")
		}
		return checkAreas(tx, u.AreaIDs)
	})
	if err != nil {
		return nil, err
	}
	if in.Password != "" {
		if err := a.cfg.PasswordPolicy.Check(in.Password, u.Username, u.DisplayName, ag.Name); err != nil {
			return nil, err
		}
		if u.PasswordHash, err = a.hasher.Hash(in.Password); err != nil {
			return nil, err
		}
	}
	err = a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(u); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActCreate, "user", u.ID)
		e.Detail = "roles " + joinRoles(u.Roles)
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func checkAreas(tx *store.Tx, ids []string) error {
	for _, id := range ids {
		if _, err := tx.Area(id); err != nil {
			return hub.Invalid("area_ids", "no such area")
		}
	}
	return nil
}

func joinRoles(rs []hub.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

// UserChange is an administrator's change to a user. Nil fields are left as
// they are. Version must be the version the administrator saw.
type UserChange struct {
	Version     int
	DisplayName *string
	Email       *string
	AgencyID    *string
	AreaIDs     *[]string
	Roles       *[]hub.Role
	Disabled    *bool
	// Password sets a new password (an administrator's reset).
	Password *string
	// ResetMFA clears the user's authenticator so they enrol again.
	ResetMFA bool
}

// UpdateUser applies an administrator's change. Disabling a user, changing
// their roles or areas, resetting their password or MFA ends all their
// sessions, so the change takes effect on their next request.
func (a *App) UpdateUser(ctx context.Context, actor *access.Actor, id string, ch UserChange) (*hub.User, error) {
	if err := require(actor, access.UserAdmin); err != nil {
		return nil, err
	}
	var hash string
	if ch.Password != nil {
		// The same rules as CreateUser, including the user's own names.
		var words []string
		err := a.db.Read(ctx, func(tx *store.Tx) error {
			u, err := tx.User(id)
			if err != nil {
				return err
			}
			words = []string{u.Username, u.DisplayName}
			if ag, err := tx.Agency(u.AgencyID); err == nil {
				words = append(words, ag.Name)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if err := a.cfg.PasswordPolicy.Check(*ch.Password, words...); err != nil {
			return nil, err
		}
		if hash, err = a.hasher.Hash(*ch.Password); err != nil {
			return nil, err
		}
	}
	var u *hub.User
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.User(id); err != nil {
			return err
		}
		if ch.Version != 0 && ch.Version != u.Version {
			return hub.Conflict("user")
		}
		var what []string
		endSessions := false
		if ch.DisplayName != nil && *ch.DisplayName != u.DisplayName {
			u.DisplayName = strings.TrimSpace(*ch.DisplayName)
			what = append(what, "display name")
		}
		if ch.Email != nil && *ch.Email != u.Email {
			u.Email = strings.TrimSpace(*ch.Email)
			what = append(what, "email")
		}
		if ch.AgencyID != nil && *ch.AgencyID != u.AgencyID {
			if _, err := tx.Agency(*ch.AgencyID); err != nil {
				return hub.Invalid("agency_id", "no such agency")
			}
			u.AgencyID = *ch.AgencyID
			what, endSessions = append(what, "agency"), true
		}
		if ch.AreaIDs != nil && !slices.Equal(*ch.AreaIDs, u.AreaIDs) {
			if err := checkAreas(tx, *ch.AreaIDs); err != nil {
				return err
			}
			u.AreaIDs = *ch.AreaIDs
			what, endSessions = append(what, "areas"), true
		}
		if ch.Roles != nil && !slices.Equal(*ch.Roles, u.Roles) {
			u.Roles = *ch.Roles
			what, endSessions = append(what, "roles "+joinRoles(u.Roles)), true
		}
		if ch.Disabled != nil && *ch.Disabled != u.Disabled {
			u.Disabled = *ch.Disabled
			if u.Disabled {
				what, endSessions = append(what, "disabled"), true
			} else {
				what = append(what, "enabled")
			}
		}
		if ch.Password != nil {
			u.PasswordHash, u.PasswordChangedAt = hash, tx.Now()
			what, endSessions = append(what, "password reset"), true
		}
		if ch.ResetMFA {
			u.MFASecret, u.MFAEnrolled, u.MFALastStep = "", false, 0
			what, endSessions = append(what, "MFA reset"), true
		}
		if err := u.Validate(); err != nil {
			return err
		}
		if len(what) == 0 {
			return nil
		}
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if endSessions {
			n, err := tx.DeleteUserSessions(u.ID, nil)
			if err != nil {
				return err
			}
			what = append(what, fmt.Sprintf("%d sessions ended", n))
		}
		action := hub.ActUpdate
		if ch.Disabled != nil && *ch.Disabled {
			action = hub.ActDisable
		}
		e := event(ctx, actor, action, "user", u.ID)
		e.Detail = strings.Join(what, "; ")
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserByUsername returns a user by login name (administrators only).
func (a *App) UserByUsername(ctx context.Context, actor *access.Actor, name string) (*hub.User, error) {
	if err := require(actor, access.UserAdmin); err != nil {
		return nil, err
	}
	var u *hub.User
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.UserByUsername(name)
		return err
	})
	return u, err
}

// User returns a user by id (administrators only).
func (a *App) User(ctx context.Context, actor *access.Actor, id string) (*hub.User, error) {
	if err := require(actor, access.UserAdmin); err != nil {
		return nil, err
	}
	var u *hub.User
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		u, err = tx.User(id)
		return err
	})
	return u, err
}

// Users lists users (administrators only).
func (a *App) Users(ctx context.Context, actor *access.Actor, f store.UserFilter) ([]*hub.User, int, error) {
	if err := require(actor, access.UserAdmin); err != nil {
		return nil, 0, err
	}
	var out []*hub.User
	var n int
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, n, err = tx.FindUsers(f)
		return err
	})
	return out, n, err
}

// Agencies lists the agencies. Any signed-in actor may see them.
func (a *App) Agencies(ctx context.Context) ([]*hub.Agency, error) {
	var out []*hub.Agency
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Agencies()
		return err
	})
	return out, err
}

// Areas lists the areas. Any signed-in actor may see them.
func (a *App) Areas(ctx context.Context) ([]*hub.Area, error) {
	var out []*hub.Area
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.Areas()
		return err
	})
	return out, err
}

// CreateAgency adds an agency.
func (a *App) CreateAgency(ctx context.Context, actor *access.Actor, ag *hub.Agency) error {
	if err := require(actor, access.UserAdmin); err != nil {
		return err
	}
	ag.Name = strings.TrimSpace(ag.Name)
	if err := ag.Validate(); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAgency(ag); err != nil {
			if hub.ErrorCode(err) == hub.EConflict {
				return &hub.Error{Code: hub.EConflict, Field: "name", Message: "an agency with this name already exists"}
			}
			return err
		}
		e := event(ctx, actor, hub.ActCreate, "agency", ag.ID)
		e.Detail = string(ag.Kind)
		return tx.AppendAudit(e)
	})
}

// UpdateAgency renames or re-kinds an agency; ag.Version must be current.
func (a *App) UpdateAgency(ctx context.Context, actor *access.Actor, ag *hub.Agency) error {
	if err := require(actor, access.UserAdmin); err != nil {
		return err
	}
	ag.Name = strings.TrimSpace(ag.Name)
	if err := ag.Validate(); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateAgency(ag); err != nil {
			return err
		}
		return tx.AppendAudit(event(ctx, actor, hub.ActUpdate, "agency", ag.ID))
	})
}

// CreateArea adds an area.
func (a *App) CreateArea(ctx context.Context, actor *access.Actor, ar *hub.Area) error {
	if err := require(actor, access.UserAdmin); err != nil {
		return err
	}
	ar.Name, ar.Code = strings.TrimSpace(ar.Name), strings.TrimSpace(ar.Code)
	if err := ar.Validate(); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateArea(ar); err != nil {
			if hub.ErrorCode(err) == hub.EConflict {
				return &hub.Error{Code: hub.EConflict, Field: "code", Message: "an area with this code or name already exists"}
			}
			return err
		}
		return tx.AppendAudit(event(ctx, actor, hub.ActCreate, "area", ar.ID))
	})
}

// NewAPIClient is the input for a machine client or personal token.
type NewAPIClient struct {
	Name     string
	Setting  string
	AgencyID string
	Scopes   []hub.Scope
	// UserID makes a personal token acting as that user.
	UserID string
}

// CreateAPIClient creates a client and returns it with its bearer token.
// The token is shown once; only its hash is kept.
func (a *App) CreateAPIClient(ctx context.Context, actor *access.Actor, in NewAPIClient) (*hub.APIClient, string, error) {
	if err := require(actor, access.ClientAdmin); err != nil {
		return nil, "", err
	}
	token, hash := auth.NewToken(apiTokenPrefix)
	c := &hub.APIClient{
		Name:        strings.TrimSpace(in.Name),
		Setting:     strings.TrimSpace(in.Setting),
		AgencyID:    in.AgencyID,
		UserID:      in.UserID,
		Scopes:      in.Scopes,
		TokenHash:   hash,
		TokenPrefix: token[:len(apiTokenPrefix)+6],
	}
	if err := c.Validate(); err != nil {
		return nil, "", err
	}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Agency(c.AgencyID); err != nil {
			return hub.Invalid("agency_id", "no such agency")
		}
		if c.UserID != "" {
			u, err := tx.User(c.UserID)
			if err != nil {
				return hub.Invalid("user", "no such user")
			}
			c.AgencyID = u.AgencyID
		}
		if err := tx.CreateAPIClient(c); err != nil {
			return err
		}
		e := event(ctx, actor, hub.ActCreate, "api_client", c.ID)
		e.Detail = "scopes " + joinScopes(c.Scopes)
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, "", err
	}
	return c, token, nil
}

func joinScopes(ss []hub.Scope) string {
	s := make([]string, len(ss))
	for i, x := range ss {
		s[i] = string(x)
	}
	return strings.Join(s, ",")
}

// APIClients lists the clients.
func (a *App) APIClients(ctx context.Context, actor *access.Actor) ([]*hub.APIClient, error) {
	if err := require(actor, access.ClientAdmin); err != nil {
		return nil, err
	}
	var out []*hub.APIClient
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.APIClients()
		return err
	})
	return out, err
}

// RevokeAPIClient revokes a client; its token fails from the next request.
func (a *App) RevokeAPIClient(ctx context.Context, actor *access.Actor, id string) error {
	if err := require(actor, access.ClientAdmin); err != nil {
		return err
	}
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeAPIClient(id); err != nil {
			return err
		}
		return tx.AppendAudit(event(ctx, actor, hub.ActRevoke, "api_client", id))
	})
}

// AuthenticateToken resolves a bearer token to an actor: a machine client
// acting for its agency, or a personal token acting as its user with the
// token's scopes. Revoked tokens and tokens of disabled users fail.
func (a *App) AuthenticateToken(ctx context.Context, token string) (*access.Actor, *hub.APIClient, error) {
	if !strings.HasPrefix(token, apiTokenPrefix) {
		return nil, nil, hub.Errorf(hub.EUnauthorized, "the bearer token is not valid")
	}
	hash := auth.HashToken(token)
	var actor *access.Actor
	var c *hub.APIClient
	var touch bool
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		var err error
		c, err = tx.APIClientByTokenHash(hash)
		if err != nil {
			return err
		}
		if c.Revoked() {
			return hub.ErrNotFound
		}
		ag, err := tx.Agency(c.AgencyID)
		if err != nil {
			return err
		}
		if c.UserID != "" {
			u, err := tx.User(c.UserID)
			if err != nil {
				return err
			}
			if u.Disabled {
				return hub.ErrNotFound
			}
			actor = actorFor(u, ag)
		} else {
			actor = &access.Actor{ID: c.ID, Name: c.Name, AgencyID: c.AgencyID, AgencyKind: ag.Kind, Machine: true}
		}
		actor.Token, actor.Scopes = true, c.Scopes
		touch = a.Now().Sub(c.LastUsedAt) > time.Minute
		return nil
	})
	if err != nil {
		if hub.ErrorCode(err) == hub.ENotFound {
			return nil, nil, hub.Errorf(hub.EUnauthorized, "the bearer token is not valid")
		}
		return nil, nil, err
	}
	if touch {
		if err := a.db.Tx(ctx, func(tx *store.Tx) error { return tx.TouchAPIClient(c.ID, tx.Now()) }); err != nil {
			return nil, nil, err
		}
	}
	return actor, c, nil
}

// PersonalTokens lists the principal's own API tokens.
func (a *App) PersonalTokens(ctx context.Context, p *Principal) ([]*hub.APIClient, error) {
	var out []*hub.APIClient
	err := a.db.Read(ctx, func(tx *store.Tx) error {
		all, err := tx.APIClients()
		if err != nil {
			return err
		}
		for _, c := range all {
			if c.UserID == p.User.ID {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

// CreatePersonalToken gives the principal a bearer token for scripts that
// acts as them, limited to the scopes chosen (person:read, person:write,
// case:read, case:write; flag look-ups are for health systems' machine
// clients only). The token is shown once.
func (a *App) CreatePersonalToken(ctx context.Context, p *Principal, name string, scopes []hub.Scope) (*hub.APIClient, string, error) {
	if len(scopes) == 0 {
		return nil, "", hub.Invalid("scopes", "choose at least one scope")
	}
	for _, s := range scopes {
		if s == hub.ScopeFlagRead || !s.Valid() {
			return nil, "", hub.Invalid("scopes", "personal tokens may have person:read, person:write, case:read and case:write only")
		}
	}
	token, hash := auth.NewToken(apiTokenPrefix)
	c := &hub.APIClient{Name: strings.TrimSpace(name), Setting: "personal token", AgencyID: p.User.AgencyID, UserID: p.User.ID, Scopes: scopes,
		TokenHash: hash, TokenPrefix: token[:len(apiTokenPrefix)+6]}
	if err := c.Validate(); err != nil {
		return nil, "", err
	}
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAPIClient(c); err != nil {
			return err
		}
		e := event(ctx, p.Actor, hub.ActCreate, "api_client", c.ID)
		e.Detail = "personal token; scopes " + joinScopes(c.Scopes)
		return tx.AppendAudit(e)
	})
	if err != nil {
		return nil, "", err
	}
	return c, token, nil
}

// RevokePersonalToken revokes one of the principal's own tokens.
func (a *App) RevokePersonalToken(ctx context.Context, p *Principal, id string) error {
	return a.db.Tx(ctx, func(tx *store.Tx) error {
		c, err := tx.APIClient(id)
		if err != nil {
			return err
		}
		if c.UserID != p.User.ID {
			return hub.NotFound("api client")
		}
		if err := tx.RevokeAPIClient(id); err != nil {
			return err
		}
		return tx.AppendAudit(event(ctx, p.Actor, hub.ActRevoke, "api_client", id))
	})
}
