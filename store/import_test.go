package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// rows turns lines of "phone,name" (or "!why" for an invalid row) into an
// import's rows.
func rows(t *testing.T, specs ...string) func(yield func(*contacts.ImportRow) error) error {
	t.Helper()
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	return func(yield func(*contacts.ImportRow) error) error {
		for i, spec := range specs {
			pos := fmt.Sprintf("line %d", i+2)
			row := &contacts.ImportRow{Pos: pos}
			if strings.HasPrefix(spec, "!") {
				row.Err = contacts.FieldErrorf("phone", "%s", spec[1:])
			} else {
				phone, name, _ := strings.Cut(spec, ",")
				c, err := contacts.Prepare(nil, contacts.NewContact{Phone: phone, Name: name}.Update(), "")
				if err != nil {
					t.Fatal(err)
				}
				c.ID, c.CreatedAt, c.UpdatedAt = contacts.NewID(), now, now
				row.Contact, row.Given = c, contacts.FieldPhone
				if name != "" {
					row.Given |= contacts.FieldName
				}
			}
			if err := yield(row); err != nil {
				return err
			}
		}
		return nil
	}
}

func importRows(t *testing.T, db *store.DB, opts contacts.ImportOptions, specs ...string) (*contacts.ImportResult, []contacts.Problem) {
	t.Helper()
	var problems []contacts.Problem
	res, err := db.Import(context.Background(), opts, rows(t, specs...), func(p contacts.Problem) { problems = append(problems, p) })
	if err != nil {
		t.Fatal(err)
	}
	return res, problems
}

func TestImport(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		db := MustOpen(t)
		res, problems := importRows(t, db, contacts.ImportOptions{}, "+4520123451,A", "+4520123452,B")
		if res.Created != 2 || !res.Written || len(problems) != 0 {
			t.Fatalf("res=%+v problems=%v", res, problems)
		}
		if n := len(list(t, db, contacts.ContactFilter{})); n != 2 {
			t.Errorf("%d contacts", n)
		}
	})
	t.Run("AtomicOnInvalidLastRow", func(t *testing.T) {
		db := MustOpen(t)
		MustCreate(t, db, contacts.NewContact{Phone: "+4520123450"})
		res, problems := importRows(t, db, contacts.ImportOptions{}, "+4520123451,A", "+4520123452,B", "!bad")
		if res.Written || res.Invalid != 1 || len(problems) != 1 || problems[0].Pos != "line 4" || problems[0].Field != "phone" {
			t.Fatalf("res=%+v problems=%+v", res, problems)
		}
		if n := len(list(t, db, contacts.ContactFilter{})); n != 1 {
			t.Errorf("%d contacts after a failed import, want the 1 there before", n)
		}
	})
	t.Run("SkipInvalid", func(t *testing.T) {
		db := MustOpen(t)
		res, problems := importRows(t, db, contacts.ImportOptions{SkipInvalid: true}, "!bad", "+4520123451,A", "!worse")
		if !res.Written || res.Created != 1 || res.Invalid != 2 || len(problems) != 2 || !problems[0].Skipped {
			t.Fatalf("res=%+v problems=%+v", res, problems)
		}
	})
	t.Run("DryRun", func(t *testing.T) {
		db := MustOpen(t)
		res, _ := importRows(t, db, contacts.ImportOptions{DryRun: true}, "+4520123451,A")
		if res.Written || res.Created != 1 {
			t.Fatalf("res=%+v", res)
		}
		if n := len(list(t, db, contacts.ContactFilter{})); n != 0 {
			t.Errorf("a dry run wrote %d contacts", n)
		}
	})
	t.Run("ConflictFail", func(t *testing.T) {
		db := MustOpen(t)
		holder := MustCreate(t, db, contacts.NewContact{Phone: "+4520123450"})
		res, problems := importRows(t, db, contacts.ImportOptions{}, "+4520123450,In book", "+4520123451,A", "+4520123451,Twice")
		if res.Written || res.Conflicts != 2 || len(problems) != 2 {
			t.Fatalf("res=%+v problems=%+v", res, problems)
		}
		if p := problems[0]; p.Code != contacts.ECONFLICT || p.ContactID != holder.ID || !strings.Contains(p.Message, "already belongs to contact "+holder.ID) {
			t.Errorf("in-book conflict %+v", p)
		}
		if p := problems[1]; p.Pos != "line 4" || !strings.Contains(p.Message, "is also on line 3") {
			t.Errorf("in-file conflict %+v", p)
		}
		if n := len(list(t, db, contacts.ContactFilter{})); n != 1 {
			t.Errorf("%d contacts", n)
		}
	})
	t.Run("ConflictSkip", func(t *testing.T) {
		db := MustOpen(t)
		MustCreate(t, db, contacts.NewContact{Phone: "+4520123450", Name: "Kept"})
		res, problems := importRows(t, db, contacts.ImportOptions{OnConflict: contacts.ConflictSkip}, "+4520123450,New", "+4520123451,A", "+4520123451,Twice")
		if !res.Written || res.Created != 1 || res.Skipped != 2 || len(problems) != 2 {
			t.Fatalf("res=%+v problems=%+v", res, problems)
		}
		c, _ := db.FindContactByPhone(context.Background(), "+4520123450")
		if *c.Name != "Kept" {
			t.Errorf("skip replaced the name with %q", *c.Name)
		}
		c, _ = db.FindContactByPhone(context.Background(), "+4520123451")
		if *c.Name != "A" {
			t.Errorf("skip kept %q, want the first row", *c.Name)
		}
	})
	t.Run("ConflictUpdateIsIdempotent", func(t *testing.T) {
		db := MustOpen(t)
		old := MustCreate(t, db, contacts.NewContact{Phone: "+4520123450", Name: "Old"})
		res, _ := importRows(t, db, contacts.ImportOptions{OnConflict: contacts.ConflictUpdate}, "+4520123450,New", "+4520123451,A", "+4520123451,Last")
		if !res.Written || res.Created != 1 || res.Updated != 2 {
			t.Fatalf("res=%+v", res)
		}
		c, _ := db.FindContactByPhone(context.Background(), "+4520123450")
		if *c.Name != "New" || c.ID != old.ID || !c.CreatedAt.Equal(old.CreatedAt) || !c.UpdatedAt.After(old.UpdatedAt) {
			t.Errorf("updated %+v", c)
		}
		c, _ = db.FindContactByPhone(context.Background(), "+4520123451")
		if *c.Name != "Last" {
			t.Errorf("last row should win, got %q", *c.Name)
		}
		res, _ = importRows(t, db, contacts.ImportOptions{OnConflict: contacts.ConflictUpdate}, "+4520123450,New", "+4520123451,Last")
		if res.Created != 0 || res.Updated != 0 || res.Unchanged != 2 {
			t.Fatalf("re-import res=%+v", res)
		}
	})
	t.Run("ErrBadPolicy", func(t *testing.T) {
		db := MustOpen(t)
		_, err := db.Import(context.Background(), contacts.ImportOptions{OnConflict: "merge"}, rows(t), func(contacts.Problem) {})
		if contacts.ErrorCode(err) != contacts.EUSAGE {
			t.Fatalf("err=%v", err)
		}
	})
	t.Run("ReaderErrorRollsBack", func(t *testing.T) {
		db := MustOpen(t)
		good := rows(t, "+4520123451,A")
		_, err := db.Import(context.Background(), contacts.ImportOptions{}, func(yield func(*contacts.ImportRow) error) error {
			if err := good(yield); err != nil {
				return err
			}
			return errors.New("truncated file")
		}, func(contacts.Problem) {})
		if err == nil {
			t.Fatal("no error")
		}
		if n := len(list(t, db, contacts.ContactFilter{})); n != 0 {
			t.Errorf("%d contacts after a failed read", n)
		}
	})
}
