package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

func MustCreateKey(tb testing.TB, db *store.DB, name string) (*contacts.APIKey, string) {
	tb.Helper()
	k, secret, err := db.CreateKey(context.Background(), name)
	if err != nil {
		tb.Fatal(err)
	}
	return k, secret
}

func TestCreateKey(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		db := MustOpen(t) // .../acme.db
		now := time.Date(2026, 6, 10, 10, 0, 0, 500, time.UTC)
		db.Now = func() time.Time { return now }
		k, secret := MustCreateKey(t, db, "  asterisk  ")
		if _, ok := contacts.ParseID(k.ID); !ok {
			t.Errorf("ID=%q, not a ULID", k.ID)
		}
		if got, want := k.Name, "asterisk"; got != want {
			t.Errorf("Name=%q, want %q", got, want)
		}
		if !k.CreatedAt.Equal(now.Truncate(time.Second)) || k.LastUsedAt != nil {
			t.Errorf("CreatedAt=%v LastUsedAt=%v", k.CreatedAt, k.LastUsedAt)
		}
		if !strings.HasPrefix(secret, "ck_acme_") || len(secret) != len("ck_acme_")+52 {
			t.Errorf("secret=%q", secret)
		}
		if company, ok := contacts.APIKeyCompany(secret); !ok || company != "acme" {
			t.Errorf("APIKeyCompany=%q, %v", company, ok)
		}
		_, secret2 := MustCreateKey(t, db, "")
		if secret2 == secret {
			t.Error("two keys have the same secret")
		}
	})
	t.Run("StoredOnlyAsHash", func(t *testing.T) {
		db := MustOpen(t)
		_, secret := MustCreateKey(t, db, "pbx")
		db.Close()
		sdb, err := sql.Open("sqlite", db.Path())
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		var hash []byte
		if err := sdb.QueryRow(`SELECT hash FROM api_keys`).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256([]byte(secret)); !bytes.Equal(hash, sum[:]) {
			t.Errorf("stored hash %x is not the SHA-256 of the secret", hash)
		}
		// The secret, or its random part, appears nowhere in the file.
		for _, suffix := range []string{"", "-wal"} {
			b, _ := os.ReadFile(db.Path() + suffix)
			if bytes.Contains(b, []byte(secret[len(secret)-52:])) {
				t.Errorf("%s holds the secret", db.Path()+suffix)
			}
		}
	})
	t.Run("ErrInvalidName", func(t *testing.T) {
		db := MustOpen(t)
		for _, name := range []string{"a\nb", "bell\a", strings.Repeat("x", contacts.MaxAPIKeyNameLen+1)} {
			_, _, err := db.CreateKey(ctx, name)
			if contacts.ErrorCode(err) != contacts.EINVALID || contacts.ErrorField(err) != "name" {
				t.Errorf("%q: err=%v", name, err)
			}
		}
		if keys, _ := db.ListKeys(ctx); len(keys) != 0 {
			t.Errorf("%d keys after invalid names", len(keys))
		}
	})
	t.Run("ErrFileNotNamedForCompany", func(t *testing.T) {
		db := MustOpenPath(t, filepath.Join(t.TempDir(), "not a company!.sqlite"))
		if _, _, err := db.CreateKey(ctx, ""); err == nil {
			t.Fatal("made a key for a file that names no company")
		}
	})
}

func TestListKeys(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	keys, err := db.ListKeys(ctx)
	if err != nil || keys == nil || len(keys) != 0 {
		t.Fatalf("empty book: keys=%v, err=%v", keys, err)
	}
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	a, secret := MustCreateKey(t, db, "a")
	now = now.Add(time.Hour)
	b, _ := MustCreateKey(t, db, "b")
	now = now.Add(time.Hour)
	if _, err := db.CheckKey(ctx, secret); err != nil {
		t.Fatal(err)
	}
	keys, err = db.ListKeys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != a.ID || keys[1].ID != b.ID {
		t.Fatalf("keys=%+v, want a then b", keys)
	}
	if keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(now) {
		t.Errorf("a.LastUsedAt=%v, want %v", keys[0].LastUsedAt, now)
	}
	if keys[1].LastUsedAt != nil || keys[1].Name != "b" || !keys[1].CreatedAt.Equal(b.CreatedAt) {
		t.Errorf("b=%+v", keys[1])
	}
}

func TestRevokeKey(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	k, secret := MustCreateKey(t, db, "")
	other, otherSecret := MustCreateKey(t, db, "")
	if err := db.RevokeKey(ctx, strings.ToLower(k.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CheckKey(ctx, secret); contacts.ErrorCode(err) != contacts.EUNAUTHORIZED {
		t.Errorf("revoked key: err=%v", err)
	}
	if id, err := db.CheckKey(ctx, otherSecret); err != nil || id != other.ID {
		t.Errorf("other key: id=%q, err=%v", id, err)
	}
	for _, id := range []string{k.ID, contacts.NewID(), "nope"} {
		if err := db.RevokeKey(ctx, id); contacts.ErrorCode(err) != contacts.ENOTFOUND {
			t.Errorf("revoke %q: err=%v", id, err)
		}
	}
}

// A pass is remembered while nothing is written to the book; a revocation
// by another handle (as `contacts keys revoke` beside a running server)
// must still take effect at the next check.
func TestCheckKeyRevokedElsewhere(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acme.db")
	srv := MustOpenPath(t, path)
	k, secret := MustCreateKey(t, srv, "")
	_, other := MustCreateKey(t, srv, "")
	for range 3 { // passes, then passes from memory
		if id, err := srv.CheckKey(ctx, secret); err != nil || id != k.ID {
			t.Fatalf("id=%q, err=%v", id, err)
		}
	}
	cli := MustOpenPath(t, path)
	if err := cli.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.CheckKey(ctx, secret); contacts.ErrorCode(err) != contacts.EUNAUTHORIZED {
		t.Fatalf("revoked by another handle: err=%v, want unauthorized", err)
	}
	if _, err := srv.CheckKey(ctx, other); err != nil {
		t.Fatalf("the other key: %v", err)
	}
}

func TestCheckKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	acme := MustOpenPath(t, filepath.Join(dir, "acme.db"))
	beta := MustOpenPath(t, filepath.Join(dir, "beta.db"))
	k, secret := MustCreateKey(t, acme, "")
	_, betaSecret := MustCreateKey(t, beta, "")

	t.Run("OK", func(t *testing.T) {
		if id, err := acme.CheckKey(ctx, secret); err != nil || id != k.ID {
			t.Fatalf("id=%q, err=%v", id, err)
		}
	})
	t.Run("ErrUnauthorized", func(t *testing.T) {
		forged, _ := contacts.NewAPIKeySecret("acme") // well-formed, never stored
		flipped := secret[:len(secret)-1] + "a"
		if flipped == secret {
			flipped = secret[:len(secret)-1] + "b"
		}
		for name, s := range map[string]string{
			"Empty":         "",
			"Garbage":       "hello",
			"Forged":        forged,
			"OneCharOff":    flipped,
			"Truncated":     secret[:len(secret)-1],
			"Extended":      secret + "a",
			"Upper":         strings.ToUpper(secret),
			"OtherCompany":  betaSecret,
			"RenamedPrefix": "ck_beta_" + secret[len("ck_acme_"):],
		} {
			t.Run(name, func(t *testing.T) {
				id, err := acme.CheckKey(ctx, s)
				if got, want := contacts.ErrorCode(err), contacts.EUNAUTHORIZED; got != want || id != "" {
					t.Fatalf("id=%q code=%v (%v), want %v", id, got, err, want)
				}
				if s != "" && strings.Contains(err.Error(), s) {
					t.Errorf("the error repeats the key: %v", err)
				}
			})
		}
	})
	t.Run("LastUsedAtOncePerMinute", func(t *testing.T) {
		db := MustOpen(t)
		now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		_, s := MustCreateKey(t, db, "")
		lastUsed := func() time.Time {
			keys, err := db.ListKeys(ctx)
			if err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil {
				t.Fatalf("keys=%v err=%v", keys, err)
			}
			return *keys[0].LastUsedAt
		}
		check := func() {
			if _, err := db.CheckKey(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		check()
		first := now
		now = now.Add(30 * time.Second)
		check()
		if got := lastUsed(); !got.Equal(first) {
			t.Errorf("after 30s last_used_at=%v, want %v (unchanged)", got, first)
		}
		now = now.Add(31 * time.Second)
		check()
		if got := lastUsed(); !got.Equal(now) {
			t.Errorf("after 61s last_used_at=%v, want %v", got, now)
		}
	})
}

func TestAPIKeyMigration(t *testing.T) {
	// A book made before API keys existed (schema 1) gains the table when
	// opened, and keeps its contacts.
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "acme.db")
	db := MustOpenPath(t, path)
	c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456"})
	db.Close()
	sdb, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sdb.Exec(`DROP TABLE api_keys; PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	sdb.Close()
	db2 := MustOpenPath(t, path)
	if v, err := db2.SchemaVersion(ctx); err != nil || v < 2 {
		t.Fatalf("SchemaVersion=%d, %v", v, err)
	}
	if _, err := db2.FindContactByID(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	MustCreateKey(t, db2, "after migration")
}

func TestAPIKeyCompany(t *testing.T) {
	random := strings.Repeat("a", 50) + "27"
	for secret, want := range map[string]string{
		"ck_acme_" + random:                  "acme",
		"ck_my_co.x-1_" + random:             "my_co.x-1",
		"ck_a_" + random:                     "a",
		"ck__" + random:                      "",
		"ck_acme" + random:                   "",
		"ck_acme_" + random[1:]:              "",
		"ck_acme_x_" + random:                "acme_x", // the random part has a fixed length
		"ck_acme_" + random + "a":            "",
		"ck_acme_" + strings.ToUpper(random): "",
		"ck_acme_" + random[:51] + "1":       "",
		"ck_../x_" + random:                  "",
		"ck_.x_" + random:                    "",
		"xx_acme_" + random:                  "",
		"":                                   "",
	} {
		got, ok := contacts.APIKeyCompany(secret)
		if got != want || ok != (want != "") {
			t.Errorf("APIKeyCompany(%q)=%q, %v; want %q", secret, got, ok, want)
		}
	}
	if _, err := contacts.NewAPIKeySecret("../etc"); contacts.ErrorCode(err) != contacts.EUSAGE {
		t.Errorf("NewAPIKeySecret(../etc): err=%v", err)
	}
}
