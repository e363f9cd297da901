package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/syncer"
)

// ApplySync makes a sync's changes and stores its state in one
// transaction; a change that cannot be made is a problem, its card left
// alone (pending), and the rest is made.
func TestApplySync(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	ann := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann"})
	bob := MustCreate(t, db, contacts.NewContact{Phone: "+4520123457", Name: "Bob"})
	now := time.Now().UTC().Truncate(time.Second)
	newContact := func(phone, name string) *contacts.Contact {
		c, err := contacts.Prepare(nil, contacts.NewContact{Phone: phone, Name: name}.Update(), "")
		if err != nil {
			t.Fatal(err)
		}
		c.ID, c.CreatedAt, c.UpdatedAt = contacts.NewID(), now, now
		return c
	}
	carol := newContact("+4520123458", "Carol")
	twin := newContact("+4520123457", "Bob's twin") // Bob's number
	stale := *bob
	stale.UpdatedAt = stale.UpdatedAt.Add(-time.Hour) // Bob as an older read saw him
	bobNew := *bob
	bobNew.Note = ptr("changed by the sync")
	annGone := *ann

	changes := []syncer.Change{
		{Op: syncer.Create, Contact: carol, Href: "/b/carol.vcf", Card: &syncer.CardState{Href: "/b/carol.vcf", ETag: "e1", Text: []byte("CAROL"), ContactID: carol.ID, Hash: "h1"}},
		{Op: syncer.Create, Contact: twin, Href: "/b/twin.vcf", Card: &syncer.CardState{Href: "/b/twin.vcf", ContactID: twin.ID},
			Skipped: &syncer.CardState{Href: "/b/twin.vcf", ETag: "e2", Text: []byte("TWIN"), Pending: true}},
		{Op: syncer.Update, Contact: &bobNew, Base: &stale, Href: "/b/bob.vcf", Card: &syncer.CardState{Href: "/b/bob.vcf"},
			Skipped: &syncer.CardState{Href: "/b/bob.vcf", ETag: "e3", Text: []byte("BOB"), ContactID: bob.ID, Pending: true}},
		{Op: syncer.Delete, Contact: &annGone, Base: &annGone, Href: "/b/ann.vcf"},
	}
	commit := syncer.Commit{URL: "https://dav.example.com/b/", GivenURL: "https://dav.example.com/", Token: "t1",
		Cards: []*syncer.CardState{{Href: "/b/dave.vcf", ETag: "e4", Text: []byte("DAVE"), ContactID: "X", Hash: "h4"}}}
	problems, err := db.ApplySync(ctx, changes, commit)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 2 || problems[0].Index != 2 || problems[1].Index != 1 || problems[1].Code != contacts.ECONFLICT || problems[1].ContactID != bob.ID {
		t.Fatalf("problems: %+v", problems)
	}
	if _, err := db.FindContactByID(ctx, ann.ID); contacts.ErrorCode(err) != contacts.ENOTFOUND {
		t.Errorf("Ann: %v", err)
	}
	if c, err := db.FindContactByID(ctx, carol.ID); err != nil || *c.Name != "Carol" {
		t.Errorf("Carol: %+v, %v", c, err)
	}
	if c, _ := db.FindContactByID(ctx, bob.ID); c.Note != nil {
		t.Errorf("Bob was changed from a stale read: %+v", c)
	}

	st, err := db.LoadSync(ctx, "https://dav.example.com/")
	if err != nil || st == nil {
		t.Fatalf("LoadSync by the given URL: %+v, %v", st, err)
	}
	if st.URL != commit.URL || st.Token != "t1" || len(st.Cards) != 4 {
		t.Fatalf("state: %+v", st)
	}
	if cs := st.Cards["/b/bob.vcf"]; cs == nil || !cs.Pending || string(cs.Text) != "BOB" || cs.ContactID != bob.ID {
		t.Errorf("Bob's card: %+v", cs)
	}
	if cs := st.Cards["/b/carol.vcf"]; cs == nil || cs.Pending || cs.ETag != "e1" || cs.Hash != "h1" {
		t.Errorf("Carol's card: %+v", cs)
	}
	if cs := st.Cards["/b/twin.vcf"]; cs == nil || !cs.Pending || cs.ContactID != "" || string(cs.Text) != "TWIN" {
		t.Errorf("the twin's card, left alone: %+v", cs)
	}
	if cs := st.Cards["/b/dave.vcf"]; cs == nil || string(cs.Text) != "DAVE" {
		t.Errorf("Dave's card: %+v", cs)
	}

	// A failing whole writes nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := db.ApplySync(cctx, []syncer.Change{{Op: syncer.Create, Contact: newContact("+4520123459", "Eve")}}, syncer.Commit{URL: commit.URL, Token: "t2"}); err == nil {
		t.Fatal("ApplySync with a cancelled context did not fail")
	}
	if st, _ := db.LoadSync(ctx, commit.URL); st.Token != "t1" {
		t.Errorf("token after a failed apply: %q", st.Token)
	}
}
