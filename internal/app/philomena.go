package app

import (
	"context"
	"strings"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/deadline"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
)

// PhilomenaInput is a Philomena profile as the carers' form or the API
// gives it.
type PhilomenaInput struct {
	Placement       string
	Description     string
	PhotoReference  string
	Associates      string
	Places          string
	PhonesSocial    string
	Vulnerabilities string
	Finance         string
	Transport       string
	PriorMissing    string
}

func (in PhilomenaInput) profile(personID string) *hub.PhilomenaProfile {
	t := strings.TrimSpace
	return &hub.PhilomenaProfile{PersonID: personID, Placement: t(in.Placement), Description: t(in.Description), PhotoReference: t(in.PhotoReference),
		Associates: t(in.Associates), Places: t(in.Places), PhonesSocial: t(in.PhonesSocial), Vulnerabilities: t(in.Vulnerabilities),
		Finance: t(in.Finance), Transport: t(in.Transport), PriorMissing: t(in.PriorMissing)}
}

// PhilomenaInputOf returns a profile as input, to start a new version from
// it.
func PhilomenaInputOf(f *hub.PhilomenaProfile) PhilomenaInput {
	return PhilomenaInput{Placement: f.Placement, Description: f.Description, PhotoReference: f.PhotoReference, Associates: f.Associates, Places: f.Places,
		PhonesSocial: f.PhonesSocial, Vulnerabilities: f.Vulnerabilities, Finance: f.Finance, Transport: f.Transport, PriorMissing: f.PriorMissing}
}

// SavePhilomena saves a new version of a child's Philomena profile (Part
// 1 of the protocol, recorded before any missing episode). basedOn is the
// version the actor started from (0 for the first); a newer one saved
// meanwhile is a conflict. The review falls due PhilomenaReviewMonths
// later. Only children have profiles.
func (a *App) SavePhilomena(ctx context.Context, actor *access.Actor, personID string, basedOn int, in PhilomenaInput) (*hub.PhilomenaProfile, error) {
	if err := require(actor, access.MissingRecord); err != nil {
		return nil, err
	}
	if !hub.ValidID(personID) {
		return nil, hub.NotFound("person")
	}
	if basedOn < 0 {
		return nil, hub.Invalid("version", "must be the version you started from, or 0 for a first profile")
	}
	f := in.profile(personID)
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.Person(personID)
		if err != nil {
			return a.auditMissing(ctx, tx, actor, hub.ActUpdate, "philomena_profile", personID, "", &denied, "no such record")
		}
		if d := a.decideCasework(tx, actor, access.MissingRecord, p); !d.Allow {
			return a.auditMissing(ctx, tx, actor, hub.ActUpdate, "philomena_profile", personID, p.ID, &denied, d.Reason)
		}
		if !p.IsChild(a.Today()) {
			return hub.Invalid("person_id", "is not a child: Philomena profiles are for children in care")
		}
		f.Version = basedOn
		f.ReviewedBy, f.ReviewerName = actor.ID, actor.Name
		f.ReviewDue = hub.DateOf(deadline.AddCalendarMonths(tx.Now(), a.missingRules().PhilomenaReviewMonths).In(London))
		if err := tx.AddPhilomenaVersion(f); err != nil {
			return err
		}
		f.AreaID, f.Sensitivity = p.AreaID, p.Sensitivity
		action := hub.ActUpdate
		if f.Version == 1 {
			action = hub.ActCreate
		}
		ev := event(ctx, actor, action, "philomena_profile", p.ID)
		ev.SubjectID = p.ID
		return tx.AppendAudit(ev)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("person")
	}
	return f, nil
}

// PhilomenaView is a child's Philomena profile with its earlier versions.
type PhilomenaView struct {
	Person *hub.Person
	// Versions are latest first; empty when the child has no profile.
	Versions []*hub.PhilomenaProfile
	CanEdit  bool
	// ReviewOverdue says the latest version's review date has passed.
	ReviewOverdue bool
}

// ViewPhilomena returns a child's Philomena profile and its versions. The
// read is audited.
func (a *App) ViewPhilomena(ctx context.Context, actor *access.Actor, personID string) (*PhilomenaView, error) {
	if err := require(actor, access.CaseRead); err != nil {
		return nil, err
	}
	if !hub.ValidID(personID) {
		return nil, hub.NotFound("person")
	}
	var v *PhilomenaView
	var denied bool
	err := a.db.Tx(ctx, func(tx *store.Tx) error {
		p, err := tx.Person(personID)
		if err != nil {
			return a.auditMissing(ctx, tx, actor, hub.ActView, "philomena_profile", personID, "", &denied, "no such record")
		}
		d := a.decideCasework(tx, actor, access.CaseRead, p)
		if !d.Allow {
			return a.auditMissing(ctx, tx, actor, hub.ActView, "philomena_profile", personID, p.ID, &denied, d.Reason)
		}
		v = &PhilomenaView{Person: p}
		if a.identityHidden(tx, actor, d, p) {
			v.Person = maskedPerson(p)
		}
		if v.Versions, err = tx.PhilomenaVersions(p.ID); err != nil {
			return err
		}
		if len(v.Versions) > 0 {
			v.ReviewOverdue = a.Today().After(v.Versions[0].ReviewDue)
		}
		v.CanEdit = a.decideCasework(tx, actor, access.MissingRecord, p).Allow
		ev := event(ctx, actor, hub.ActView, "philomena_profile", p.ID)
		ev.SubjectID = p.ID
		return tx.AppendAudit(ev)
	})
	if err != nil {
		return nil, err
	}
	if denied {
		return nil, hub.NotFound("person")
	}
	return v, nil
}
