package app

import (
	"reflect"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/hub"
)

func TestFlagIndexPacking(t *testing.T) {
	x := newFlagIndex()
	at := time.Date(2026, 11, 27, 9, 30, 0, 123000, time.UTC)
	flag := func(id, person, advice string) *hub.Flag {
		return &hub.Flag{ID: id, PersonID: person, AreaID: "area", OwnerAgencyID: "agency", Status: hub.FlagActive, Category: hub.FlagCCE,
			RiskLevel: hub.RiskHigh, Start: hub.Date{Year: 2026, Month: 11, Day: 1}, ReviewDue: hub.Date{Year: 2027, Month: 2, Day: 1},
			Advice: advice, ContactPhone: "0116 496 0000", ContactHours: "24 hours", LeadUserID: "lead", Version: 3, CreatedAt: at, UpdatedAt: at.Add(time.Hour)}
	}
	a1, a2, b1 := flag("f1", "pa", "Call the hub."), flag("f2", "pa", "Call the hub."), flag("f3", "pb", "Another advice")
	ka, kb := nhsKey{1}, nhsKey{2}
	x.set("pa", ka, []*hub.Flag{a1, a2})
	x.set("pb", kb, []*hub.Flag{b1})
	if got := x.flags(ka); len(got) != 2 || !reflect.DeepEqual(got[0], a1) || !reflect.DeepEqual(got[1], a2) {
		t.Fatalf("child a's flags = %+v, want %+v and %+v", got, a1, a2)
	}
	if c, f := x.size(); c != 2 || f != 3 {
		t.Errorf("size = %d children, %d flags", c, f)
	}
	// The repeated advice is stored once.
	if x.entries[0].advice != x.entries[1].advice {
		t.Error("the same advice is stored twice")
	}
	// A refresh replaces a child's flags; a child moved to another NHS key
	// is found only under the new one; a child with no flags left is gone.
	x.set("pa", nhsKey{3}, []*hub.Flag{a2})
	if got := x.flags(ka); got != nil {
		t.Errorf("old key still answers %+v", got)
	}
	if got := x.flags(nhsKey{3}); len(got) != 1 || got[0].ID != "f2" {
		t.Errorf("new key answers %+v", got)
	}
	x.set("pb", nhsKey{}, nil)
	if got := x.flags(kb); got != nil {
		t.Errorf("removed child still answers %+v", got)
	}
	if c, f := x.size(); c != 1 || f != 1 {
		t.Errorf("size after refreshes = %d children, %d flags", c, f)
	}
}
