package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// Service referrals (issue 4, part B): referring a case's subject to a
// support or recovery service on one of the configured pathways, and
// tracking what came of it.

// ServiceInput is a service referral as a form or API body gives it.
type ServiceInput struct {
	Pathway  string
	Provider string
	// Referred and OutcomeOn are YYYY-MM-DD.
	Referred    string
	Reason      string
	Outcome     string
	OutcomeOn   string
	OutcomeNote string
}

func (a *App) normalizeService(in ServiceInput) (*hub.ServiceReferral, error) {
	s := &hub.ServiceReferral{Pathway: strings.TrimSpace(in.Pathway), Provider: strings.TrimSpace(in.Provider), Reason: strings.TrimSpace(in.Reason),
		Outcome: hub.ServiceOutcome(strings.TrimSpace(in.Outcome)), OutcomeNote: strings.TrimSpace(in.OutcomeNote)}
	var pathway *ServicePathway
	for _, p := range a.caseConfig().ServicePathways {
		if p.Code == s.Pathway {
			pathway = &p
			break
		}
	}
	if pathway == nil {
		return nil, hub.Invalid("pathway", "choose one of the service pathways")
	}
	if s.Provider == "" {
		s.Provider = pathway.Provider
	}
	if s.Outcome == "" {
		s.Outcome = hub.ServicePending
	}
	var err error
	if strings.TrimSpace(in.Referred) == "" {
		s.Referred = a.Today()
	} else if s.Referred, err = hub.ParseDate("referred", strings.TrimSpace(in.Referred)); err != nil {
		return nil, err
	}
	if v := strings.TrimSpace(in.OutcomeOn); v != "" {
		if s.OutcomeOn, err = hub.ParseDate("outcome_on", v); err != nil {
			return nil, err
		}
	} else if s.Outcome != hub.ServicePending {
		s.OutcomeOn = a.Today()
	}
	return s, s.Validate(a.Today())
}

// ReferToService records a referral of an active case's subject to a
// service.
func (a *App) ReferToService(ctx context.Context, actor *access.Actor, caseID string, in ServiceInput) (*hub.ServiceReferral, error) {
	s, err := a.normalizeService(in)
	if err != nil {
		return nil, err
	}
	err = a.withCase(ctx, actor, access.CaseWrite, caseID, hub.ActCreate, "service_referral", "", "case", func(tx *store.Tx, ca *caseAccess, e *hub.AuditEvent) error {
		if !ca.Case.Status.Active() {
			return hub.Invalid("case", "the case is closed")
		}
		if s.Referred.Before(hub.DateOf(ca.Case.OpenedAt.In(London))) {
			return hub.Invalid("referred", "is before the case was opened")
		}
		s.CaseID, s.AreaID, s.CreatedBy = ca.Case.ID, ca.Case.AreaID, actor.ID
		if err := tx.CreateServiceReferrals(s); err != nil {
			return err
		}
		e.ObjectID, e.Detail = s.ID, fmt.Sprintf("pathway %s for case %s", s.Pathway, ca.Case.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// ServiceView is a service referral as its page shows it.
type ServiceView struct {
	Referral     *hub.ServiceReferral
	Case         *hub.Case
	SubjectName  string
	PathwayLabel string
	CanEdit      bool
}

// withService loads a service referral and decides act on its case, in one
// audited transaction.
func (a *App) withService(ctx context.Context, actor *access.Actor, id, action string, act access.Action, fn func(tx *store.Tx, ca *caseAccess, s *hub.ServiceReferral, e *hub.AuditEvent) error) error {
	if err := require(actor, act); err != nil {
		return err
	}
	if !hub.ValidID(id) {
		return hub.NotFound("service referral")
	}
	denied := false
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		s, err := tx.ServiceReferral(id)
		if errors.Is(err, hub.ErrNotFound) {
			denied = true
			e := event(ctx, actor, action, "service_referral", id)
			e.Outcome, e.Detail = hub.OutcomeDenied, "no such record"
			return tx.AppendAudit(e)
		}
		if err != nil {
			return err
		}
		ca, err := a.casePartFor(tx, actor, act, s.CaseID, hub.PartPlan)
		if err != nil {
			return err
		}
		e := caseEvent(ctx, actor, action, "service_referral", id, ca.Subject)
		if !ca.Decision.Allow {
			denied = true
			e.Outcome, e.Detail = hub.OutcomeDenied, ca.Decision.Reason
			return tx.AppendAudit(e)
		}
		markShare(e, ca.Decision)
		if err := fn(tx, ca, s, e); err != nil {
			return err
		}
		return tx.AppendAudit(e)
	})
	if err != nil {
		return err
	}
	if denied {
		return hub.NotFound("service referral")
	}
	return nil
}

// ViewServiceReferral returns a service referral, auditing the view.
func (a *App) ViewServiceReferral(ctx context.Context, actor *access.Actor, id string) (*ServiceView, error) {
	var v *ServiceView
	err := a.withService(ctx, actor, id, hub.ActView, access.CaseRead, func(tx *store.Tx, ca *caseAccess, s *hub.ServiceReferral, e *hub.AuditEvent) error {
		v = &ServiceView{Referral: s, Case: ca.Case, SubjectName: ca.Subject.Name, PathwayLabel: a.PathwayLabel(s.Pathway)}
		v.CanEdit = ca.Case.Status.Active() && a.decide(tx, actor, access.CaseWrite, caseRecord(ca.Case, ca.Subject)).Allow
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// RecordServiceOutcome records what came of a service referral (and may
// correct its provider and reason), if version is the version the actor saw.
func (a *App) RecordServiceOutcome(ctx context.Context, actor *access.Actor, id string, version int, in ServiceInput) (*hub.ServiceReferral, error) {
	var out *hub.ServiceReferral
	err := a.withService(ctx, actor, id, hub.ActUpdate, access.CaseWrite, func(tx *store.Tx, ca *caseAccess, s *hub.ServiceReferral, e *hub.AuditEvent) error {
		if s.Version != version {
			return hub.Conflict("service referral")
		}
		in.Pathway, in.Referred = s.Pathway, s.Referred.String()
		if strings.TrimSpace(in.Provider) == "" {
			in.Provider = s.Provider
		}
		if strings.TrimSpace(in.Reason) == "" {
			in.Reason = s.Reason
		}
		next, err := a.normalizeService(in)
		if err != nil {
			return err
		}
		before := s.Outcome
		s.Provider, s.Reason, s.Outcome, s.OutcomeOn, s.OutcomeNote = next.Provider, next.Reason, next.Outcome, next.OutcomeOn, next.OutcomeNote
		if err := tx.UpdateServiceReferral(s); err != nil {
			return err
		}
		e.Detail = fmt.Sprintf("outcome %s → %s", before, s.Outcome)
		out = s
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
