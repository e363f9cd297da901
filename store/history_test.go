package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

func ops(t *testing.T, db *store.DB) []*contacts.Operation {
	t.Helper()
	var out []*contacts.Operation
	if err := db.Operations(context.Background(), contacts.OperationFilter{}, func(op *contacts.Operation) error {
		out = append(out, op)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func revisions(t *testing.T, db *store.DB, ref string) []*contacts.Revision {
	t.Helper()
	revs, err := db.ContactHistory(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	return revs
}

func name(c *contacts.Contact) string {
	if c == nil {
		return "<none>"
	}
	if c.Name == nil {
		return "<no name>"
	}
	return *c.Name
}

// TestHistoryRecordsEveryWrite: add, edit, delete and an import are each
// one operation, with who made it, and a contact's revisions say what it
// was before and after each change.
func TestHistoryRecordsEveryWrite(t *testing.T) {
	db := MustOpen(t)
	ctx := contacts.WithOperation(context.Background(), contacts.OpInfo{Kind: "add", Actor: contacts.Actor{Via: "cli", User: "alice"}})
	c, err := db.CreateContact(ctx, contacts.NewContact{Phone: "+4520123456", Name: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateContact(context.Background(), c.ID, contacts.ContactUpdate{Name: ptr("Anna")}); err != nil {
		t.Fatal(err)
	}
	res, problems := importRows(t, db, contacts.ImportOptions{OnConflict: contacts.ConflictUpdate}, "+4520123456,Annie", "+4520123457,Bob")
	if res.Created != 1 || res.Updated != 1 || len(problems) != 0 {
		t.Fatalf("import: %+v %+v", res, problems)
	}
	if err := db.DeleteContacts(context.Background(), []string{c.ID}); err != nil {
		t.Fatal(err)
	}
	got := ops(t, db)
	var kinds []string
	for _, op := range got {
		kinds = append(kinds, op.Kind)
	}
	if strings.Join(kinds, ",") != "delete,import,update,add" {
		t.Fatalf("operations %v", kinds)
	}
	if got[3].Actor.String() != "cli alice" || got[1].Changes != 2 || got[0].Changes != 1 {
		t.Errorf("operations: %+v %+v %+v", got[3], got[1], got[0])
	}

	// By id and, deleted, by the number it had.
	for _, ref := range []string{c.ID, strings.ToLower(c.ID), "+45 20 12 34 56", "20123456"} {
		revs := revisions(t, db, ref)
		var trail []string
		for _, r := range revs {
			trail = append(trail, r.Kind+":"+name(r.Before)+">"+name(r.After))
		}
		if want := "create:<none>>Ann,update:Ann>Anna,update:Anna>Annie,delete:Annie><none>"; strings.Join(trail, ",") != want {
			t.Errorf("history %s: %s, want %s", ref, strings.Join(trail, ","), want)
		}
	}
	if _, err := db.ContactHistory(context.Background(), "+4520999999"); contacts.ErrorCode(err) != contacts.ENOTFOUND {
		t.Errorf("history of a number never in the book: %v", err)
	}
}

// TestUndo: undo reverts an operation as a unit; an undo is undone (a
// redo); a later change to the same contact stops it unless forced.
func TestUndo(t *testing.T) {
	ctx := context.Background()
	t.Run("EmptyHistory", func(t *testing.T) {
		db := MustOpen(t)
		if _, err := db.Undo(ctx, "", false); contacts.ErrorCode(err) != contacts.ENOTFOUND || !strings.Contains(err.Error(), "nothing to undo") {
			t.Errorf("err=%v", err)
		}
		if _, err := db.Undo(ctx, contacts.NewID(), false); contacts.ErrorCode(err) != contacts.ENOTFOUND {
			t.Errorf("unknown operation: %v", err)
		}
		if _, err := db.Undo(ctx, "nope", false); contacts.ErrorCode(err) != contacts.ENOTFOUND {
			t.Errorf("not an id: %v", err)
		}
	})
	t.Run("EditDeleteCreate", func(t *testing.T) {
		db := MustOpen(t)
		c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann", Note: "VIP"})
		if _, err := db.UpdateContact(ctx, c.ID, contacts.ContactUpdate{Name: ptr("Anna"), Note: ptr("")}); err != nil {
			t.Fatal(err)
		}
		op, err := db.Undo(ctx, "", false)
		if err != nil || op.Kind != "undo" || op.Undoes == "" || op.Changes != 1 {
			t.Fatalf("undo: %+v, %v", op, err)
		}
		got, _ := db.FindContactByID(ctx, c.ID)
		if name(got) != "Ann" || got.Note == nil || *got.Note != "VIP" || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("after undo of the edit: %+v", got)
		}
		// Undo the undo: the edit again.
		if _, err := db.Undo(ctx, "", false); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindContactByID(ctx, c.ID); name(got) != "Anna" || got.Note != nil {
			t.Errorf("after the redo: %+v", got)
		}
		// rm, then undo: the same id, fields and created_at.
		if err := db.DeleteContacts(ctx, []string{c.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Undo(ctx, "", false); err != nil {
			t.Fatal(err)
		}
		got, err = db.FindContactByID(ctx, c.ID)
		if err != nil || name(got) != "Anna" || !got.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("after undo of rm: %+v, %v", got, err)
		}
		// Undo of the add, named by its id: the contact is gone.
		all := ops(t, db)
		add := all[len(all)-1]
		if _, err := db.Undo(ctx, add.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindContactByID(ctx, c.ID); contacts.ErrorCode(err) != contacts.ENOTFOUND {
			t.Errorf("after undo of the add: %v", err)
		}
	})
	t.Run("LaterChangeConflicts", func(t *testing.T) {
		db := MustOpen(t)
		res, _ := importRows(t, db, contacts.ImportOptions{}, "+4520123451,A", "+4520123452,B", "+4520123453,C")
		if res.Created != 3 {
			t.Fatal(res)
		}
		imp := ops(t, db)[0]
		b, _ := db.FindContactByPhone(ctx, "+4520123452")
		if _, err := db.UpdateContact(ctx, b.ID, contacts.ContactUpdate{Note: ptr("changed later")}); err != nil {
			t.Fatal(err)
		}
		_, err := db.Undo(ctx, imp.ID, false)
		if contacts.ErrorCode(err) != contacts.ECONFLICT || !strings.Contains(err.Error(), b.ID) || !strings.Contains(err.Error(), "--force") {
			t.Fatalf("err=%v", err)
		}
		if n := len(list(t, db, contacts.ContactFilter{})); n != 3 {
			t.Errorf("a refused undo changed the book: %d contacts", n)
		}
		if _, err := db.Undo(ctx, imp.ID, true); err != nil {
			t.Fatal(err)
		}
		if n := len(list(t, db, contacts.ContactFilter{})); n != 0 {
			t.Errorf("after a forced undo of the import: %d contacts", n)
		}
	})
	t.Run("NumberTakenMeanwhile", func(t *testing.T) {
		db := MustOpen(t)
		c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann"})
		if err := db.DeleteContacts(ctx, []string{c.ID}); err != nil {
			t.Fatal(err)
		}
		rm := ops(t, db)[0]
		other := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Other"})
		_, err := db.Undo(ctx, rm.ID, true)
		if contacts.ErrorCode(err) != contacts.ECONFLICT || !strings.Contains(err.Error(), other.ID) {
			t.Fatalf("err=%v", err)
		}
	})
}

// TestRestore: a deleted contact comes back with its id, fields and
// created_at; its number taken meanwhile is ECONFLICT naming the holder.
func TestRestore(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann", Email: "ann@example.com"})
	if _, err := db.Restore(ctx, c.ID); contacts.ErrorCode(err) != contacts.ENOTFOUND {
		t.Errorf("restore of a contact in the book: %v", err)
	}
	if err := db.DeleteContacts(ctx, []string{c.ID}); err != nil {
		t.Fatal(err)
	}
	got, err := db.Restore(ctx, strings.ToLower(c.ID))
	if err != nil || got.ID != c.ID || name(got) != "Ann" || *got.Email != "ann@example.com" || !got.CreatedAt.Equal(c.CreatedAt) {
		t.Fatalf("restore: %+v, %v", got, err)
	}
	if err := db.DeleteContacts(ctx, []string{c.ID}); err != nil {
		t.Fatal(err)
	}
	holder := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456"})
	_, err = db.Restore(ctx, c.ID)
	if contacts.ErrorCode(err) != contacts.ECONFLICT || !strings.Contains(err.Error(), holder.ID) {
		t.Errorf("restore with the number taken: %v", err)
	}
	if _, err := db.Restore(ctx, contacts.NewID()); contacts.ErrorCode(err) != contacts.ENOTFOUND {
		t.Errorf("restore of an unknown id: %v", err)
	}
}

// TestIfMatch: a write with the ETag of a version the contact no longer
// is changes nothing (EPRECONDITION).
func TestIfMatch(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann"})
	seen := contacts.ETag(c)
	c2, err := db.UpdateContact(contacts.WithIfMatch(ctx, seen), c.ID, contacts.ContactUpdate{Name: ptr("Anna")})
	if err != nil {
		t.Fatal(err)
	}
	if contacts.ETag(c2) == seen {
		t.Fatal("the ETag did not change")
	}
	// A second writer that read the first version loses, and says why.
	_, err = db.UpdateContact(contacts.WithIfMatch(ctx, seen), c.ID, contacts.ContactUpdate{Name: ptr("Annie")})
	if contacts.ErrorCode(err) != contacts.EPRECONDITION {
		t.Fatalf("stale update: %v", err)
	}
	if err := db.DeleteContacts(contacts.WithIfMatch(ctx, seen), []string{c.ID}); contacts.ErrorCode(err) != contacts.EPRECONDITION {
		t.Fatalf("stale delete: %v", err)
	}
	if got, _ := db.FindContactByID(ctx, c.ID); name(got) != "Anna" {
		t.Errorf("after the refused writes: %+v", got)
	}
	if err := db.DeleteContacts(contacts.WithIfMatch(ctx, contacts.ETag(c2)), []string{c.ID}); err != nil {
		t.Errorf("delete of the version read: %v", err)
	}
}

// TestHistoryRetention: operations older than the retention are pruned
// when the book is next written.
func TestHistoryRetention(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acme.db")
	db, err := store.Open(ctx, path, store.Options{Create: true, HistoryRetention: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123451"})
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123452"})
	now = now.Add(2 * time.Hour)
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123453"})
	got := ops(t, db)
	if len(got) != 1 || !got[0].At.Equal(now) {
		t.Fatalf("after the retention: %+v", got)
	}
	st, err := db.HistoryStats(ctx)
	if err != nil || st.Operations != 1 || st.Changes != 1 || st.Retention != "1h0m0s" || st.Bytes == 0 {
		t.Errorf("stats: %+v, %v", st, err)
	}
}

// TestHistoryMigration: a book written before history (schema 4) opens,
// its history starts empty, and works.
func TestHistoryMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	sdb, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"0001_init.sql", "0002_api_keys.sql", "0003_search.sql", "0004_sync.sql"} {
		b, err := os.ReadFile(filepath.Join("migrations", name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sdb.Exec(string(b)); err != nil {
			t.Fatal(err)
		}
		if _, err := sdb.Exec("PRAGMA user_version = " + string(rune('1'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sdb.Exec(`PRAGMA application_id = 1129206851; INSERT INTO contacts VALUES ('01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK', 'Old', NULL, '+4520123456', '+45 20 12 34 56', NULL, NULL, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := ops(t, db); len(got) != 0 {
		t.Fatalf("history of an old book: %+v", got)
	}
	if revs := revisions(t, db, "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK"); len(revs) != 0 {
		t.Errorf("revisions of an old contact: %+v", revs)
	}
	if _, err := db.UpdateContact(ctx, "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK", contacts.ContactUpdate{Name: ptr("New")}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Undo(ctx, "", false); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.FindContactByID(ctx, "01J0ZQ4D5V8W3H3Q0YB5G9Y2ZK"); name(got) != "Old" {
		t.Errorf("after the undo: %+v", got)
	}
}

// TestHistoryCreatedInBatches: an import records its creations in batches
// (logCreated), but every change keeps its place in the operation: a row
// that updates a contact the same import created is recorded after that
// creation, so the undo deletes the contact instead of bringing back a
// "before" that never was, and the operation counts every change.
func TestHistoryCreatedInBatches(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	old := MustCreate(t, db, contacts.NewContact{Phone: "+4520100999", Name: "Kept"})
	var specs []string
	for i := 0; i < 150; i++ {
		specs = append(specs, fmt.Sprintf("+45201%05d,P%d", i, i))
		if i == 70 || i == 149 {
			specs = append(specs, fmt.Sprintf("+4520100066,Renamed %d", i), fmt.Sprintf("+4520100999,Changed %d", i))
		}
	}
	res, problems := importRows(t, db, contacts.ImportOptions{OnConflict: contacts.ConflictUpdate}, specs...)
	if res.Created != 150 || res.Updated != 4 || len(problems) != 0 {
		t.Fatalf("import: %+v %v", res, problems)
	}
	imp := ops(t, db)[0]
	if imp.Changes != 154 {
		t.Errorf("the import's changes: %d, want 154", imp.Changes)
	}
	c, err := db.FindContactByPhone(ctx, "+4520100066")
	if err != nil {
		t.Fatal(err)
	}
	revs := revisions(t, db, c.ID)
	var kinds []string
	for _, r := range revs {
		kinds = append(kinds, r.Kind)
	}
	if len(revs) != 3 || revs[0].Kind != contacts.RevisionCreate {
		t.Errorf("revisions of a contact created and updated twice by one import, oldest first: %v", kinds)
	}
	if _, err := db.Undo(ctx, "", false); err != nil {
		t.Fatal(err)
	}
	all := list(t, db, contacts.ContactFilter{})
	if len(all) != 1 || name(all[0]) != "Kept" || all[0].ID != old.ID {
		t.Errorf("after the undo: %d contacts, first %s", len(all), name(all[0]))
	}
}
