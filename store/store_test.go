package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
	_ "modernc.org/sqlite"
)

// MustOpen opens a new book in a temporary directory.
func MustOpen(tb testing.TB) *store.DB {
	tb.Helper()
	return MustOpenPath(tb, filepath.Join(tb.TempDir(), "books", "acme.db"))
}

// MustOpenPath opens the book at path, making it (and its directory) first
// when it is missing: an empty file, which Open initializes in place, so
// that the book is there from the start, as tests that also open the file
// themselves need. (Open with Create alone puts a new book in place at its
// first write: TestCreate.)
func MustOpenPath(tb testing.TB, path string) *store.DB {
	tb.Helper()
	if _, err := os.Stat(path); os.IsNotExist(err) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	db, err := store.Open(context.Background(), path, store.Options{Create: true, Region: "DK"})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func MustCreate(tb testing.TB, db *store.DB, in contacts.NewContact) *contacts.Contact {
	tb.Helper()
	c, err := db.CreateContact(context.Background(), in)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func list(tb testing.TB, db *store.DB, f contacts.ContactFilter) []*contacts.Contact {
	tb.Helper()
	var out []*contacts.Contact
	if err := db.ListContacts(context.Background(), f, func(c *contacts.Contact) error {
		out = append(out, c)
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return out
}

func ptr(s string) *string { return &s }

func TestOpen(t *testing.T) {
	t.Run("Modes", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data", "books")
		db, err := store.Open(context.Background(), filepath.Join(dir, "acme.db"), store.Options{Create: true})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		MustCreate(t, db, contacts.NewContact{Phone: "+4520123456"})
		for path, want := range map[string]os.FileMode{filepath.Dir(dir): 0o700 | os.ModeDir, dir: 0o700 | os.ModeDir, db.Path(): 0o600} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode(); got != want {
				t.Errorf("%s mode=%v, want %v", path, got, want)
			}
		}
		for _, side := range []string{"-wal", "-shm"} {
			if fi, err := os.Stat(db.Path() + side); err == nil && fi.Mode().Perm() != 0o600 {
				t.Errorf("%s mode=%v, want 0600", side, fi.Mode().Perm())
			}
		}
	})
	t.Run("NoCreate", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		_, err := store.Open(context.Background(), filepath.Join(dir, "acme.db"), store.Options{})
		if !errors.Is(err, store.ErrNoBook) {
			t.Fatalf("err=%v, want ErrNoBook", err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("Open without Create made %s", dir)
		}
	})
	t.Run("EmptyFileIsInitialized", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "acme.db")
		if err := os.WriteFile(path, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if v, err := db.SchemaVersion(context.Background()); err != nil || v < 1 {
			t.Errorf("SchemaVersion=%d, %v", v, err)
		}
	})
	t.Run("ErrNotSQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "acme.db")
		content := []byte("name,phone\nAnn,+4520123456\n" + strings.Repeat("x", 5000))
		if err := os.WriteFile(path, content, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := store.Open(context.Background(), path, store.Options{Create: true})
		if err == nil || !strings.Contains(err.Error(), "not a contacts database") {
			t.Fatalf("err=%v", err)
		}
		assertUntouched(t, path, content)
	})
	t.Run("ErrForeignSQLite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "other.db")
		sdb, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sdb.Exec(`CREATE TABLE contacts (id INTEGER PRIMARY KEY, whatever TEXT); INSERT INTO contacts VALUES (1, 'x')`); err != nil {
			t.Fatal(err)
		}
		sdb.Close()
		content, _ := os.ReadFile(path)
		_, err = store.Open(context.Background(), path, store.Options{Create: true})
		if err == nil || !strings.Contains(err.Error(), "another program") {
			t.Fatalf("err=%v", err)
		}
		assertUntouched(t, path, content)
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		db := MustOpen(t)
		path := db.Path()
		MustCreate(t, db, contacts.NewContact{Phone: "+4520123456"})
		db.Close()
		sdb, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sdb.Exec(`PRAGMA user_version = 999`); err != nil {
			t.Fatal(err)
		}
		sdb.Close()
		content, _ := os.ReadFile(path)
		_, err = store.Open(context.Background(), path, store.Options{Create: true})
		if err == nil || !strings.Contains(err.Error(), "newer version") {
			t.Fatalf("err=%v", err)
		}
		assertUntouched(t, path, content)
	})
	t.Run("ErrCorrupt", func(t *testing.T) {
		db := MustOpen(t)
		path := db.Path()
		for i := 0; i < 200; i++ {
			MustCreate(t, db, contacts.NewContact{Phone: fmt.Sprintf("+452012%04d", i), Note: strings.Repeat("n", 500)})
		}
		db.Close()
		b, _ := os.ReadFile(path)
		for i := 4096; i < len(b); i++ { // keep the header page, wreck the rest
			b[i] = 0xA5
		}
		os.WriteFile(path, b, 0o600)
		db2, err := store.Open(context.Background(), path, store.Options{})
		if err == nil {
			err = db2.ListContacts(context.Background(), contacts.ContactFilter{}, func(*contacts.Contact) error { return nil })
			db2.Close()
		}
		if err == nil {
			t.Fatal("a wrecked file opened and listed without error")
		}
	})
	t.Run("ErrSymlink", func(t *testing.T) {
		dir := t.TempDir()
		target := filepath.Join(dir, "target.db")
		os.WriteFile(target, nil, 0o600)
		link := filepath.Join(dir, "acme.db")
		if err := os.Symlink(target, link); err != nil {
			t.Skip(err)
		}
		_, err := store.Open(context.Background(), link, store.Options{Create: true})
		if err == nil || !strings.Contains(err.Error(), "symbolic link") {
			t.Fatalf("err=%v", err)
		}
		assertUntouched(t, target, nil)
	})
	t.Run("Reopen", func(t *testing.T) {
		db := MustOpen(t)
		c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann"})
		db.Close()
		db2 := MustOpenPath(t, db.Path())
		got, err := db2.FindContactByID(context.Background(), c.ID)
		if err != nil || *got.Name != "Ann" {
			t.Fatalf("got %+v, %v", got, err)
		}
	})
}

func assertUntouched(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s was changed", path)
	}
	for _, side := range []string{"-wal", "-shm", "-journal"} {
		if _, err := os.Stat(path + side); err == nil {
			t.Errorf("%s%s was created", path, side)
		}
	}
}

func TestCreateContact(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		db := MustOpen(t)
		now := time.Date(2026, 6, 10, 10, 0, 0, 123, time.UTC)
		db.Now = func() time.Time { return now }
		c := MustCreate(t, db, contacts.NewContact{Name: "Niklas", Phone: "20 12 34 56", Note: "a\r\nb"})
		if c.Phone != "+4520123456" || c.PhoneFormatted != "+45 20 12 34 56" || *c.Note != "a\nb" {
			t.Errorf("got %+v", c)
		}
		if !c.CreatedAt.Equal(now.Truncate(time.Second)) || !c.UpdatedAt.Equal(c.CreatedAt) {
			t.Errorf("timestamps %v %v", c.CreatedAt, c.UpdatedAt)
		}
		got, err := db.FindContactByID(ctx, strings.ToLower(c.ID))
		if err != nil {
			t.Fatal(err)
		}
		if string(got.AppendJSON(nil)) != string(c.AppendJSON(nil)) {
			t.Errorf("stored %s, returned %s", got.AppendJSON(nil), c.AppendJSON(nil))
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		db := MustOpen(t)
		first := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456"})
		_, err := db.CreateContact(ctx, contacts.NewContact{Phone: "+45 20 12 34 56", Name: "Dup"})
		var de *contacts.Error
		if !errors.As(err, &de) || de.Code != contacts.ECONFLICT || de.ContactID != first.ID || !strings.Contains(de.Message, first.ID) {
			t.Fatalf("err=%#v", err)
		}
		if n := len(list(t, db, contacts.ContactFilter{})); n != 1 {
			t.Errorf("%d contacts after a conflict, want 1", n)
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		db := MustOpen(t)
		_, err := db.CreateContact(ctx, contacts.NewContact{Phone: "+4520123456", Email: "nope"})
		if contacts.ErrorCode(err) != contacts.EINVALID || contacts.ErrorField(err) != "email" {
			t.Fatalf("err=%v", err)
		}
		if n := len(list(t, db, contacts.ContactFilter{})); n != 0 {
			t.Errorf("%d contacts after invalid input", n)
		}
	})
}

func TestListContacts(t *testing.T) {
	db := MustOpen(t)
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	a := MustCreate(t, db, contacts.NewContact{Phone: "+4520123451"})
	b := MustCreate(t, db, contacts.NewContact{Phone: "+4520123452"}) // same second: ties by id
	now = now.Add(time.Hour)
	c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123453"})

	ids := func(cs []*contacts.Contact) string {
		var s []string
		for _, c := range cs {
			s = append(s, c.ID)
		}
		return strings.Join(s, ",")
	}
	if got, want := ids(list(t, db, contacts.ContactFilter{})), ids([]*contacts.Contact{c, b, a}); got != want {
		t.Errorf("order %s, want %s", got, want)
	}
	if got, want := ids(list(t, db, contacts.ContactFilter{Limit: 2})), ids([]*contacts.Contact{c, b}); got != want {
		t.Errorf("limit %s, want %s", got, want)
	}
	if got, want := ids(list(t, db, contacts.ContactFilter{Phone: "20 12 34 52"})), b.ID; got != want {
		t.Errorf("phone filter %s, want %s", got, want)
	}
	if got := list(t, db, contacts.ContactFilter{Phone: "not a number"}); len(got) != 0 {
		t.Errorf("bad phone listed %d", len(got))
	}
	// Newest first is served by the index, not a sort of the table.
	sdb, _ := sql.Open("sqlite", db.Path())
	defer sdb.Close()
	if plan := queryPlan(t, sdb, `SELECT id FROM contacts ORDER BY created_at DESC, id DESC LIMIT 10`); !strings.Contains(plan, "contacts_newest") || strings.Contains(plan, "TEMP B-TREE") {
		t.Errorf("plan:\n%s", plan)
	}
}

// queryPlan is what EXPLAIN QUERY PLAN says of query, a line per step.
func queryPlan(t *testing.T, sdb *sql.DB, query string, args ...any) string {
	t.Helper()
	var plan strings.Builder
	rows, err := sdb.Query(`EXPLAIN QUERY PLAN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	return plan.String()
}

func TestUpdateContact(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann", Email: "ann@example.com"})
	other := MustCreate(t, db, contacts.NewContact{Phone: "+4520123457"})

	t.Run("OK", func(t *testing.T) {
		got, err := db.UpdateContact(ctx, c.ID, contacts.ContactUpdate{Email: ptr(""), Note: ptr("new")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Email != nil || *got.Note != "new" || *got.Name != "Ann" {
			t.Errorf("got %+v", got)
		}
		if !got.CreatedAt.Equal(c.CreatedAt) {
			t.Errorf("created_at moved")
		}
		// Same second as the create: updated_at still moves forward.
		if !got.UpdatedAt.After(c.UpdatedAt) {
			t.Errorf("updated_at %v did not move past %v", got.UpdatedAt, c.UpdatedAt)
		}
		now = now.Add(time.Hour)
		got2, err := db.UpdateContact(ctx, c.ID, contacts.ContactUpdate{Note: ptr("later")})
		if err != nil {
			t.Fatal(err)
		}
		if !got2.UpdatedAt.Equal(now) {
			t.Errorf("updated_at=%v, want %v", got2.UpdatedAt, now)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		_, err := db.UpdateContact(ctx, c.ID, contacts.ContactUpdate{Phone: ptr("+45 20 12 34 57"), Name: ptr("Changed")})
		var de *contacts.Error
		if !errors.As(err, &de) || de.Code != contacts.ECONFLICT || de.ContactID != other.ID {
			t.Fatalf("err=%v", err)
		}
		got, _ := db.FindContactByID(ctx, c.ID)
		if *got.Name != "Ann" {
			t.Errorf("a failed update changed the name to %q", *got.Name)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, id := range []string{contacts.NewID(), "nope"} {
			_, err := db.UpdateContact(ctx, id, contacts.ContactUpdate{Name: ptr("x")})
			if contacts.ErrorCode(err) != contacts.ENOTFOUND {
				t.Errorf("%s: err=%v", id, err)
			}
		}
	})
}

func TestDeleteContacts(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	a := MustCreate(t, db, contacts.NewContact{Phone: "+4520123451"})
	b := MustCreate(t, db, contacts.NewContact{Phone: "+4520123452"})
	err := db.DeleteContacts(ctx, []string{a.ID, contacts.NewID()})
	if contacts.ErrorCode(err) != contacts.ENOTFOUND {
		t.Fatalf("err=%v", err)
	}
	if n := len(list(t, db, contacts.ContactFilter{})); n != 2 {
		t.Fatalf("a failed delete removed contacts: %d left", n)
	}
	if err := db.DeleteContacts(ctx, []string{strings.ToLower(a.ID), b.ID}); err != nil {
		t.Fatal(err)
	}
	if n := len(list(t, db, contacts.ContactFilter{})); n != 0 {
		t.Fatalf("%d left", n)
	}
	if _, err := db.FindContactByPhone(ctx, "+4520123451"); contacts.ErrorCode(err) != contacts.ENOTFOUND {
		t.Errorf("err=%v", err)
	}
}

// TestConcurrentWriters opens one book from many connections at once, as
// several processes do: the first use initializes it once, and adds of the
// same number give one success and conflicts, never "database is locked".
func TestConcurrentWriters(t *testing.T) {
	path := filepath.Join(t.TempDir(), "acme.db")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			db, err := store.Open(context.Background(), path, store.Options{Create: true})
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			_, errs[i] = db.CreateContact(context.Background(), contacts.NewContact{Phone: "+4520123456"})
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch contacts.ErrorCode(err) {
		case "":
			ok++
		case contacts.ECONFLICT:
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d successes, want 1", ok)
	}
}

// TestListContactsPrefixes: the beginning of an id (any case) or of a
// number selects the contacts it starts, through the primary key and the
// number's index in their order, rather than a scan or a sort of the
// table.
func TestListContactsPrefixes(t *testing.T) {
	db := MustOpen(t)
	a := MustCreate(t, db, contacts.NewContact{Phone: "+4520123451"})
	b := MustCreate(t, db, contacts.NewContact{Phone: "+4521123452"})
	c := MustCreate(t, db, contacts.NewContact{Phone: "+14155552671"})
	ids := func(f contacts.ContactFilter) []string {
		var s []string
		for _, c := range list(t, db, f) {
			s = append(s, c.ID)
		}
		sort.Strings(s)
		return s
	}
	sorted := func(s ...string) []string { sort.Strings(s); return s }
	tests := []struct {
		name string
		f    contacts.ContactFilter
		want []string
	}{
		{"whole id", contacts.ContactFilter{IDPrefix: a.ID}, []string{a.ID}},
		{"lower case", contacts.ContactFilter{IDPrefix: strings.ToLower(b.ID[:25])}, []string{b.ID}},
		{"all", contacts.ContactFilter{IDPrefix: "0"}, sorted(a.ID, b.ID, c.ID)},
		{"not an id", contacts.ContactFilter{IDPrefix: "anna"}, nil},
		{"number", contacts.ContactFilter{PhonePrefix: "+452"}, sorted(a.ID, b.ID)},
		{"number, one", contacts.ContactFilter{PhonePrefix: "+4521"}, []string{b.ID}},
		{"number, none", contacts.ContactFilter{PhonePrefix: "+46"}, nil},
		{"not a number", contacts.ContactFilter{PhonePrefix: "45"}, nil},
		{"both", contacts.ContactFilter{IDPrefix: "0", PhonePrefix: "+1"}, []string{c.ID}},
		{"limit", contacts.ContactFilter{PhonePrefix: "+45", Limit: 1}, []string{a.ID}}, // in the order of the numbers
		{"limit, ids", contacts.ContactFilter{IDPrefix: "0", Limit: 1}, []string{slices.Max([]string{a.ID, b.ID, c.ID})}},
	}
	for _, tt := range tests {
		if got := ids(tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	sdb, _ := sql.Open("sqlite", db.Path())
	defer sdb.Close()
	for _, where := range []string{"id >= ? AND id < ?", "phone >= ? AND phone < ?"} {
		order := map[bool]string{true: "id DESC", false: "phone"}[strings.HasPrefix(where, "id")]
		plan := queryPlan(t, sdb, `SELECT id FROM contacts WHERE `+where+` ORDER BY `+order, "01J", "01J\x7f")
		if strings.Contains(plan, "SCAN contacts\n") || !strings.Contains(plan, "<?") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: plan:\n%s", where, plan)
		}
	}
}
