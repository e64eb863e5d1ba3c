package app_test

import (
	"testing"

	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/hub"
)

// TestEstimatedAge: an estimated age stands in for an unknown date of
// birth, which is recorded as an estimate; bad ages and both at once are
// refused naming the field.
func TestEstimatedAge(t *testing.T) {
	today := hub.Date{Year: 2026, Month: 11, Day: 27}
	p, err := app.NormalizePerson(app.PersonInput{GivenName: "A", EstimatedAge: "15"}, today)
	if err != nil {
		t.Fatal(err)
	}
	if want := (hub.Date{Year: 2011, Month: 11, Day: 27}); p.DateOfBirth != want || !p.DOBEstimated {
		t.Errorf("NormalizePerson(age 15) = %v estimated %v, want %v estimated", p.DateOfBirth, p.DOBEstimated, want)
	}
	leap, err := app.NormalizePerson(app.PersonInput{GivenName: "A", EstimatedAge: "4"}, hub.Date{Year: 2028, Month: 2, Day: 29})
	if err != nil || leap.DateOfBirth != (hub.Date{Year: 2024, Month: 2, Day: 28}) {
		t.Errorf("NormalizePerson(age 4 on 29 Feb) = %v, %v; want 2024-02-28", leap.DateOfBirth, err)
	}
	for _, in := range []app.PersonInput{
		{GivenName: "A", EstimatedAge: "fifteen"},
		{GivenName: "A", EstimatedAge: "-1"},
		{GivenName: "A", EstimatedAge: "121"},
		{GivenName: "A", EstimatedAge: "15", DateOfBirth: "2011-01-01"},
	} {
		if _, err := app.NormalizePerson(in, today); hub.ErrorField(err) != "estimated_age" {
			t.Errorf("NormalizePerson(%q, dob %q) = %v, want refused naming estimated_age", in.EstimatedAge, in.DateOfBirth, err)
		}
	}
}
