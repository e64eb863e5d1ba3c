package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/httpx"
	"github.com/safehub/safehub/internal/hub"
)

// PersonIn is a person as a client sends it. Identifiers and dates are
// strings, validated and normalised by the server; the server assigns ids,
// versions and timestamps (a client sending them is refused as an unknown
// field).
type PersonIn struct {
	AreaID       string      `json:"area_id"`
	GivenName    string      `json:"given_name"`
	FamilyName   string      `json:"family_name"`
	Aliases      []AliasDTO  `json:"aliases"`
	DateOfBirth  string      `json:"date_of_birth"`
	DOBEstimated bool        `json:"date_of_birth_estimated"`
	EstimatedAge *int        `json:"estimated_age"`
	Sex          string      `json:"sex"`
	Gender       string      `json:"gender"`
	Ethnicity    string      `json:"ethnicity"`
	Language     string      `json:"language"`
	Addresses    []AddressIn `json:"addresses"`
	Phones       []PhoneIn   `json:"phones"`
	NHSNumber    string      `json:"nhs_number"`
	UPN          string      `json:"upn"`
	PNC          string      `json:"pnc_id"`
	LocalID      string      `json:"local_id"`
	Restricted   bool        `json:"restricted"`
}

// AliasDTO is another name.
type AliasDTO struct {
	GivenName  string `json:"given_name"`
	FamilyName string `json:"family_name"`
	Kind       string `json:"kind"`
}

// AddressIn is an address as sent.
type AddressIn struct {
	Line1    string `json:"line1"`
	Line2    string `json:"line2"`
	Town     string `json:"town"`
	Postcode string `json:"postcode"`
	From     string `json:"from"`
	To       string `json:"to"`
}

// PhoneIn is a phone as sent.
type PhoneIn struct {
	Number string `json:"number"`
	Kind   string `json:"kind"`
	From   string `json:"from"`
	To     string `json:"to"`
}

// PersonOut is a person as the API returns it.
type PersonOut struct {
	ID            string        `json:"id"`
	Version       int           `json:"version"`
	AreaID        string        `json:"area_id"`
	OwnerAgencyID string        `json:"owner_agency_id"`
	GivenName     string        `json:"given_name"`
	FamilyName    string        `json:"family_name"`
	Aliases       []AliasDTO    `json:"aliases"`
	DateOfBirth   string        `json:"date_of_birth,omitempty"`
	DOBEstimated  bool          `json:"date_of_birth_estimated"`
	Sex           string        `json:"sex,omitempty"`
	Gender        string        `json:"gender,omitempty"`
	Ethnicity     string        `json:"ethnicity,omitempty"`
	Language      string        `json:"language,omitempty"`
	Addresses     []AddressIn   `json:"addresses"`
	Phones        []PhoneIn     `json:"phones"`
	Identifiers   []IdentOut    `json:"identifiers"`
	Restricted    bool          `json:"restricted"`
	Synthetic     bool          `json:"synthetic"`
	CreatedAt     time.Time     `json:"created_at"`
	UpdatedAt     time.Time     `json:"updated_at"`
	Links         *PersonAccess `json:"links,omitempty"`
}

// IdentOut is an identifier.
type IdentOut struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// PersonAccess says what the caller may do next.
type PersonAccess struct {
	CanEdit       bool `json:"can_edit"`
	ViaBreakGlass bool `json:"via_break_glass"`
}

func personOut(p *hub.Person) PersonOut {
	o := PersonOut{ID: p.ID, Version: p.Version, AreaID: p.AreaID, OwnerAgencyID: p.OwnerAgencyID, GivenName: p.GivenName, FamilyName: p.FamilyName,
		DateOfBirth: p.DateOfBirth.String(), DOBEstimated: p.DOBEstimated, Sex: string(p.Sex), Gender: p.Gender, Ethnicity: p.Ethnicity, Language: p.Language,
		Restricted: p.Sensitivity == hub.SensitivityRestricted, Synthetic: p.Synthetic, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		Aliases: []AliasDTO{}, Addresses: []AddressIn{}, Phones: []PhoneIn{}, Identifiers: []IdentOut{}}
	for _, a := range p.Aliases {
		o.Aliases = append(o.Aliases, AliasDTO{a.GivenName, a.FamilyName, a.Kind})
	}
	for _, a := range p.Addresses {
		o.Addresses = append(o.Addresses, AddressIn{a.Line1, a.Line2, a.Town, a.Postcode, a.From.String(), a.To.String()})
	}
	for _, ph := range p.Phones {
		o.Phones = append(o.Phones, PhoneIn{ph.Number, ph.Kind, ph.From.String(), ph.To.String()})
	}
	for _, id := range p.Identifiers {
		o.Identifiers = append(o.Identifiers, IdentOut{string(id.Kind), id.Value})
	}
	return o
}

func (in PersonIn) input() app.PersonInput {
	out := app.PersonInput{AreaID: in.AreaID, EstimatedAge: ageText(in.EstimatedAge), GivenName: in.GivenName, FamilyName: in.FamilyName, DateOfBirth: in.DateOfBirth, DOBEstimated: in.DOBEstimated,
		Sex: in.Sex, Gender: in.Gender, Ethnicity: in.Ethnicity, Language: in.Language, NHSNumber: in.NHSNumber, UPN: in.UPN, PNC: in.PNC, LocalID: in.LocalID,
		Restricted: in.Restricted}
	for _, a := range in.Aliases {
		out.Aliases = append(out.Aliases, app.AliasInput{GivenName: a.GivenName, FamilyName: a.FamilyName, Kind: a.Kind})
	}
	for _, a := range in.Addresses {
		out.Addresses = append(out.Addresses, app.AddressInput{Line1: a.Line1, Line2: a.Line2, Town: a.Town, Postcode: a.Postcode, From: a.From, To: a.To})
	}
	for _, p := range in.Phones {
		out.Phones = append(out.Phones, app.PhoneInput{Number: p.Number, Kind: p.Kind, From: p.From, To: p.To})
	}
	return out
}

func ageText(a *int) string {
	if a == nil {
		return ""
	}
	return strconv.Itoa(*a)
}

// SearchIn is a person search. It is a POST body so that names and
// identifiers never appear in URLs or logs.
type SearchIn struct {
	Query       string `json:"q"`
	DateOfBirth string `json:"date_of_birth"`
	Limit       int    `json:"limit"`
	Offset      int    `json:"offset"`
}

// SearchOut is a page of results. Elsewhere lists records matching a
// precise search (an identifier or a date of birth) that are held outside
// the caller's scope: that they exist and whom to contact, never their
// content ("flag, don't tell"; issue 6).
type SearchOut struct {
	Total       int            `json:"total"`
	Interpreted string         `json:"interpreted"`
	Persons     []PersonOut    `json:"persons"`
	Elsewhere   []ElsewhereOut `json:"elsewhere"`
}

// ElsewhereOut is a record held elsewhere: the holding area and agency,
// the lead practitioner to contact, and the hub's consultation line. It
// carries no name, date of birth or other content; PersonID lets the
// caller request a share (POST /api/v1/share-requests). Requested is set
// when the caller already has a request waiting.
type ElsewhereOut struct {
	PersonID  string `json:"person_id"`
	Area      string `json:"area"`
	Agency    string `json:"agency"`
	Contact   string `json:"contact,omitempty"`
	Line      string `json:"line,omitempty"`
	Requested bool   `json:"requested"`
}

func (h *Handler) searchPersons(w http.ResponseWriter, r *http.Request) {
	var in SearchIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	res, err := h.app.SearchPersons(r.Context(), httpx.MustActor(r), app.PersonQuery{Text: in.Query, DateOfBirth: in.DateOfBirth, Limit: in.Limit, Offset: in.Offset})
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := SearchOut{Total: res.Total, Interpreted: res.Interpreted, Persons: []PersonOut{}, Elsewhere: []ElsewhereOut{}}
	for _, p := range res.Persons {
		out.Persons = append(out.Persons, personOut(p))
	}
	for _, d := range res.Elsewhere {
		out.Elsewhere = append(out.Elsewhere, ElsewhereOut{PersonID: d.PersonID, Area: d.Area, Agency: d.Agency, Contact: d.Contact, Line: d.Line, Requested: d.Requested})
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (h *Handler) person(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	v, err := h.app.ViewPerson(r.Context(), httpx.MustActor(r), id)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	o := personOut(v.Person)
	o.Links = &PersonAccess{CanEdit: v.CanEdit, ViaBreakGlass: v.ViaBreakGlass}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(v.Person.Version)))
	httpx.WriteJSON(w, http.StatusOK, o)
}

func (h *Handler) createPerson(w http.ResponseWriter, r *http.Request) {
	var in PersonIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	p, err := h.app.CreatePerson(r.Context(), httpx.MustActor(r), in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/persons/"+p.ID)
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(p.Version)))
	httpx.WriteJSON(w, http.StatusCreated, personOut(p))
}

// updatePerson replaces a person. The If-Match header must carry the
// version the client read (its ETag); a stale one answers 409 and nothing
// is saved.
func (h *Handler) updatePerson(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	im := r.Header.Get("If-Match")
	if im == "" {
		h.RenderError(w, r, &hub.Error{Code: hub.EInvalid, Field: "If-Match", Message: "is required: send the ETag of the version you are changing"})
		return
	}
	version, err := parseVersion(im)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	var in PersonIn
	if err := decode(r, &in); err != nil {
		h.RenderError(w, r, err)
		return
	}
	p, err := h.app.UpdatePerson(r.Context(), httpx.MustActor(r), id, version, in.input())
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(p.Version)))
	httpx.WriteJSON(w, http.StatusOK, personOut(p))
}

// AccessEvent is one entry of a person's access log.
type AccessEvent struct {
	Index     int64     `json:"index"`
	Time      time.Time `json:"time"`
	ActorID   string    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	Role      string    `json:"role"`
	Action    string    `json:"action"`
	Object    string    `json:"object"`
	Outcome   string    `json:"outcome"`
	Purpose   string    `json:"purpose,omitempty"`
}

func (h *Handler) accessLog(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	events, err := h.app.PersonAccessLog(r.Context(), httpx.MustActor(r), id, 200)
	if err != nil {
		h.RenderError(w, r, err)
		return
	}
	out := []AccessEvent{}
	for _, e := range events {
		out = append(out, AccessEvent{e.Index, e.Time, e.ActorID, e.ActorName, e.Role, e.Action, e.ObjectType, e.Outcome, e.Purpose})
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"events": out})
}
