package app_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safehub/safehub/internal/access"
	"github.com/safehub/safehub/internal/app"
	"github.com/safehub/safehub/internal/apptest"
	"github.com/safehub/safehub/internal/hub"
	"github.com/safehub/safehub/internal/store"
	"github.com/safehub/safehub/internal/store/storetest"
)

// TestWorkQueues: "My work" lists what is allocated to the user, overdue
// first, and the unallocated in their areas; the team view groups the
// manager's areas' items by worker; reassignment goes through the item's
// feature, is audited once and tells the new owner; the deadline job tells
// each owner once when an item becomes overdue, and the area's managers of
// overdue unallocated items.
func TestWorkQueues(t *testing.T) {
	storetest.Run(t, func(t *testing.T, engine string) {
		e := apptest.New(t, engine, apptest.Options{})
		prac, police, mgr := e.RoleActor(hub.RolePractitioner), e.RoleActor(hub.RolePolice), e.RoleActor(hub.RoleManager)
		p2u := e.NewUser(t, "second.practitioner", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "856")
		p2 := e.Actor(p2u)
		farU := e.NewUser(t, "leics.work", hub.AgencySocialCare, []hub.Role{hub.RolePractitioner}, "855")
		far := e.Actor(farU)
		child := e.NewPerson(t, "856", app.PersonInput{GivenName: "Mia", FamilyName: "Work"})
		other := e.NewPerson(t, "856", app.PersonInput{GivenName: "Noah", FamilyName: "Queue"})
		farChild := e.NewPerson(t, "855", app.PersonInput{GivenName: "Far", FamilyName: "Queue"})

		in := validReferral(child)
		in.AllocatedTo = prac.ID
		r1, err := e.App.RecordReferral(ctx, police, in)
		if err != nil {
			t.Fatal(err)
		}
		if ns := notificationsOf(t, e, prac.ID); len(ns) != 1 || ns[0].Kind != "referral" || ns[0].ObjectID != r1.ID {
			t.Errorf("allocated practitioner's notifications = %+v", ns)
		}
		r2, err := e.App.RecordReferral(ctx, police, validReferral(other))
		if err != nil {
			t.Fatal(err)
		}
		in = validReferral(farChild)
		in.AllocatedTo = far.ID
		r3, err := e.App.RecordReferral(ctx, far, in)
		if err != nil {
			t.Fatal(err)
		}

		var w *app.MyWork
		ev := oneEvent(t, e, 0, func() (err error) { w, err = e.App.MyWork(ctx, prac); return err })
		checkEvent(t, ev, wantEvent{ActorID: prac.ID, Action: hub.ActView, ObjectType: "work", ObjectID: prac.ID, Outcome: hub.OutcomeSuccess})
		if len(w.Items) != 1 || w.Items[0].ObjectID != r1.ID || w.Items[0].Kind != "referral_decision" || w.UnallocatedTotal != 1 || w.Unallocated[0].ObjectID != r2.ID {
			t.Errorf("my work = %+v", w)
		}
		if !strings.Contains(w.Items[0].Title, "Mia Work") || w.Items[0].Link != "/referrals/"+r1.ID || w.Overdue != 0 {
			t.Errorf("item = %+v", w.Items[0])
		}

		var tw *app.TeamWork
		ev = oneEvent(t, e, 0, func() (err error) { tw, err = e.App.TeamWork(ctx, mgr, ""); return err })
		checkEvent(t, ev, wantEvent{ActorID: mgr.ID, Action: hub.ActView, ObjectType: "work", ObjectID: "team", Outcome: hub.OutcomeSuccess})
		if tw.Total != 2 || len(tw.Workers) != 1 || tw.Workers[0].UserID != prac.ID || tw.Workers[0].Name != "Test Hub practitioner" || len(tw.Unallocated) != 1 {
			t.Errorf("team = %+v", tw)
		}
		if _, err := e.App.TeamWork(ctx, prac, ""); hub.ErrorCode(err) != hub.EForbidden {
			t.Errorf("practitioner's team view = %v, want forbidden", err)
		}
		if _, err := e.App.TeamWork(ctx, mgr, e.Areas["855"].ID); hub.ErrorField(err) != "area" {
			t.Errorf("team view of another area = %v", err)
		}

		// Reassignment.
		ev = oneEvent(t, e, 0, func() error { return e.App.ReassignWork(ctx, mgr, "referral_decision", r2.ID, p2.ID) })
		checkEvent(t, ev, wantEvent{ActorID: mgr.ID, Action: hub.ActUpdate, ObjectType: "referral_decision", ObjectID: r2.ID, Outcome: hub.OutcomeSuccess})
		if ns := notificationsOf(t, e, p2.ID); len(ns) != 1 || ns[0].Kind != "allocation" {
			t.Errorf("new owner's notifications = %+v", ns)
		}
		if w, _ := e.App.MyWork(ctx, p2); len(w.Items) != 1 || w.Items[0].ObjectID != r2.ID {
			t.Errorf("new owner's work = %+v", w)
		}
		tests := []struct {
			name                   string
			actor                  *access.Actor
			kind, object, newOwner string
			code, field            string
			audit                  int64
		}{
			{"unknown kind", mgr, "laundry", r2.ID, p2.ID, hub.EInvalid, "kind", 0},
			{"malformed object", mgr, "referral_decision", "r2", p2.ID, hub.EInvalid, "object_id", 0},
			{"no owner", mgr, "referral_decision", r2.ID, "", hub.EInvalid, "owner", 0},
			{"administrator as owner", mgr, "referral_decision", r2.ID, e.Users[hub.RoleAdmin].ID, hub.EInvalid, "owner", 0},
			{"owner in another area", mgr, "referral_decision", r2.ID, far.ID, hub.EInvalid, "owner", 0},
			{"another area's item", mgr, "referral_decision", r3.ID, p2.ID, hub.ENotFound, "", 1},
			{"no such item", mgr, "referral_decision", hub.NewID(), p2.ID, hub.ENotFound, "", 1},
			{"practitioner", prac, "referral_decision", r2.ID, prac.ID, hub.EForbidden, "", 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				unchanged(t, e, tt.code, tt.field, tt.audit, func() error { return e.App.ReassignWork(ctx, tt.actor, tt.kind, tt.object, tt.newOwner) })
			})
		}
		// A manager's token with case:read only sees the team but may not
		// reassign.
		tok := *mgr
		tok.Token, tok.Scopes = true, []hub.Scope{hub.ScopeCaseRead}
		if _, err := e.App.TeamWork(ctx, &tok, ""); err != nil {
			t.Errorf("team view with case:read: %v", err)
		}
		unchanged(t, e, hub.EForbidden, "", 0, func() error { return e.App.ReassignWork(ctx, &tok, "referral_decision", r2.ID, prac.ID) })

		// The deadline job: nothing is overdue yet.
		run, err := e.App.RunDeadlines(ctx)
		if err != nil || run.Open != 3 || run.Overdue != 0 || run.Notified != 0 {
			t.Fatalf("first run = %+v, %v", run, err)
		}
		r4, err := e.App.RecordReferral(ctx, prac, validReferral(other))
		if err != nil {
			t.Fatal(err)
		}
		// Four days on (Tuesday 1 December), all four are overdue.
		e.Clock.Advance(4 * 24 * time.Hour)
		before := caseworkOf(t, e)
		run, err = e.App.RunDeadlines(ctx)
		if err != nil || run.Open != 4 || run.Overdue != 4 || run.Notified != 4 || run.Notifications != 4 {
			t.Fatalf("overdue run = %+v, %v", run, err)
		}
		after := caseworkOf(t, e)
		if after.Notifications != before.Notifications+4 || after.Audit != before.Audit+1 {
			t.Errorf("the run wrote %d notifications and %d audit events, want 4 and 1", after.Notifications-before.Notifications, after.Audit-before.Audit)
		}
		for _, u := range []*access.Actor{prac, p2, far} {
			ns := notificationsOf(t, e, u.ID)
			if len(ns) == 0 || ns[0].Kind != "deadline" || !strings.HasPrefix(ns[0].Title, "Overdue: Decide the referral about") {
				t.Errorf("%s's newest notification = %+v", u.Name, ns[0])
			}
		}
		if ns := notificationsOf(t, e, mgr.ID); len(ns) == 0 || ns[0].ObjectID != r4.ID || !strings.HasPrefix(ns[0].Title, "Overdue and unallocated") {
			t.Errorf("manager's newest notification = %+v", ns)
		}
		// Once per item: a second run tells nobody.
		before = caseworkOf(t, e)
		if run, err = e.App.RunDeadlines(ctx); err != nil || run.Overdue != 4 || run.Notified != 0 {
			t.Errorf("second run = %+v, %v", run, err)
		}
		if after := caseworkOf(t, e); after != before {
			t.Errorf("a second run wrote: %+v → %+v", before, after)
		}
		var notices int
		e.Store.Read(ctx, func(tx *store.Tx) error { notices, err = tx.CountWorkNotices(); return err })
		if notices != 4 {
			t.Errorf("work notices = %d, want 4", notices)
		}
		w, _ = e.App.MyWork(ctx, prac)
		if w.Overdue != 1 || !w.Items[0].Overdue(w.Now) {
			t.Errorf("my work after the deadline: %+v", w)
		}
	})
}

// TestDeadlineJobLoop runs the job's loop and stops it.
func TestDeadlineJobLoop(t *testing.T) {
	e := apptest.New(t, storetest.Engines()[0], apptest.Options{})
	c, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { e.App.RunDeadlineJob(c, time.Millisecond); close(done) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the deadline job did not stop")
	}
}

func TestOutboxSender(t *testing.T) {
	dir := t.TempDir()
	s, err := app.NewOutboxSender(dir+"/outbox", "Safehub <hub@example.org>", "https://hub.example.org")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u := &hub.User{ID: hub.NewID(), DisplayName: "Zoë\r\nBcc: spy@example.org", Email: "zoe@example.org"}
	n := &hub.Notification{ID: hub.NewID(), UserID: u.ID, Kind: "deadline", Title: "Overdue: Decide the referral about Ruby Hale\r\nBcc: spy@example.org",
		Body: "It was due yesterday.", Link: "/referrals/x", CreatedAt: time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)}
	if err := s.Send(ctx, u, n); err != nil {
		t.Fatal(err)
	}
	// No e-mail address: nothing written.
	if err := s.Send(ctx, &hub.User{ID: hub.NewID()}, &hub.Notification{ID: hub.NewID(), Title: "x"}); err != nil {
		t.Fatal(err)
	}
	files, err := os.ReadDir(dir + "/outbox")
	if err != nil || len(files) != 1 {
		t.Fatalf("outbox holds %v, %v; want one message", files, err)
	}
	name := files[0].Name()
	if !regexp.MustCompile(`^\d{8}T\d{6}\.\d{6}Z-` + n.ID + `\.eml$`).MatchString(name) {
		t.Errorf("file name %q: want time and notification id only", name)
	}
	if info, _ := files[0].Info(); info.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", info.Mode().Perm())
	}
	b, err := os.ReadFile(dir + "/outbox/" + name)
	if err != nil {
		t.Fatal(err)
	}
	msg := string(b)
	head, body, ok := strings.Cut(msg, "\r\n\r\n")
	if !ok {
		t.Fatalf("no header/body separator in %q", msg)
	}
	for _, line := range strings.Split(head, "\r\n") {
		if strings.HasPrefix(strings.ToLower(line), "bcc:") {
			t.Errorf("a header was injected: %q", line)
		}
	}
	for _, want := range []string{"To: ", "<zoe@example.org>", "Subject: Safehub: Overdue: Decide the referral about Ruby Hale  Bcc: spy@example.org", "To: =?utf-8?q?Zo=C3=AB", "Message-ID: <" + n.ID + "@safehub>", "X-Safehub-Kind: deadline"} {
		if !strings.Contains(head, want) {
			t.Errorf("headers lack %q:\n%s", want, head)
		}
	}
	if !strings.Contains(body, "https://hub.example.org/referrals/x") || !strings.Contains(body, "It was due yesterday.") {
		t.Errorf("body = %q", body)
	}
}

// FuzzOutboxHeaders: whatever a notification's title or a user's name
// holds, the message's header is the fixed set of one-line fields, so no
// text can add a header (a Bcc, say) or end the header early.
func FuzzOutboxHeaders(f *testing.F) {
	for _, s := range []string{"Overdue", "a\r\nBcc: x@y", "\n\nbody", "Zoë\u2028x", "\x00\x7f", "=?utf-8?q?x?="} {
		f.Add(s, s)
	}
	dir := f.TempDir()
	s, err := app.NewOutboxSender(dir, "", "")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	f.Fuzz(func(t *testing.T, title, name string) {
		n := &hub.Notification{ID: hub.NewID(), Kind: "deadline", Title: title, CreatedAt: time.Unix(0, 0)}
		if err := s.Send(ctx, &hub.User{ID: hub.NewID(), DisplayName: name, Email: "a@example.org"}, n); err != nil {
			t.Fatal(err)
		}
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var b []byte
		for _, fi := range files {
			if strings.Contains(fi.Name(), n.ID) {
				if b, err = os.ReadFile(dir + "/" + fi.Name()); err != nil {
					t.Fatal(err)
				}
				os.Remove(dir + "/" + fi.Name())
			}
		}
		head, _, ok := strings.Cut(string(b), "\r\n\r\n")
		if !ok {
			t.Fatalf("no end of header in %q", b)
		}
		want := []string{"Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "X-Safehub-Kind"}
		lines := strings.Split(head, "\r\n")
		if len(lines) != len(want) {
			t.Fatalf("%d header lines, want %d: %q", len(lines), len(want), head)
		}
		for i, l := range lines {
			if !strings.HasPrefix(l, want[i]+": ") || strings.ContainsAny(l, "\r\n") {
				t.Fatalf("header line %d = %q, want %s", i, l, want[i])
			}
		}
	})
}
