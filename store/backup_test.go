package store_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// TestBackup: a backup taken while another writer goes on is a whole,
// private book of what was there, and never overwrites a file unasked.
func TestBackup(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	for i := range 200 {
		MustCreate(t, db, contacts.NewContact{Phone: fmt.Sprintf("+452012%04d", i)})
	}
	// Another connection, as another process or a server, writes all along.
	other, err := store.Open(ctx, db.Path(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := other.CreateContact(ctx, contacts.NewContact{Phone: fmt.Sprintf("+452013%04d", i%10000)}); err != nil && contacts.ErrorCode(err) != contacts.ECONFLICT {
				t.Error(err)
				return
			}
		}
	}()
	dir := t.TempDir()
	path := filepath.Join(dir, "backup.db")
	err = db.Backup(ctx, path, false)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v, %v", fi, err)
	}
	b, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(list(t, b, contacts.ContactFilter{})); n < 200 {
		t.Errorf("the backup holds %d contacts, want at least the 200 there before", n)
	}
	b.Close()
	if err := db.Backup(ctx, path, false); contacts.ErrorCode(err) != contacts.EUSAGE {
		t.Errorf("backup over an existing file: %v", err)
	}
	if err := db.Backup(ctx, path, true); err != nil {
		t.Errorf("backup over an existing file, forced: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".backup-*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestRestoreBackup: restoring puts the backup's contacts back, online
// (another open book sees them), keeps the book as it was aside, and
// refuses to lose changes newer than the backup unless forced.
func TestRestoreBackup(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	ann := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann"})
	dir := t.TempDir()
	backup := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, backup, false); err != nil {
		t.Fatal(err)
	}
	server, err := store.Open(ctx, db.Path(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if err := db.DeleteContacts(ctx, []string{ann.ID}); err != nil {
		t.Fatal(err)
	}
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123457", Name: "Later"})

	aside := filepath.Join(dir, "aside.db")
	_, err = db.RestoreBackup(ctx, backup, aside, false)
	if contacts.ErrorCode(err) != contacts.ECONFLICT || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("restore over newer changes: %v", err)
	}
	if _, err := os.Stat(aside); !os.IsNotExist(err) {
		t.Errorf("a refused restore kept a book aside: %v", err)
	}
	info, err := db.RestoreBackup(ctx, backup, aside, true)
	if err != nil || info.Contacts != 1 {
		t.Fatalf("forced restore: %+v, %v", info, err)
	}
	for _, b := range []*store.DB{db, server} {
		got := list(t, b, contacts.ContactFilter{})
		if len(got) != 1 || got[0].ID != ann.ID {
			t.Errorf("after the restore: %d contacts", len(got))
		}
	}
	kept, err := store.Open(ctx, aside, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := list(t, kept, contacts.ContactFilter{}); len(got) != 1 || *got[0].Name != "Later" {
		t.Errorf("the book kept aside: %+v", got)
	}
	kept.Close()
	// The restore is in the history, and what came after it still works.
	if got := ops(t, db); got[0].Kind != "restore-backup" {
		t.Errorf("last operation %+v", got[0])
	}
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123458"})

	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("not a book at all, and long enough"), 0o600)
	if _, err := db.RestoreBackup(ctx, junk, filepath.Join(dir, "aside2.db"), true); contacts.ErrorCode(err) != contacts.EINVALID {
		t.Errorf("restore of a file that is not a book: %v", err)
	}
}
