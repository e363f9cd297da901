package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/store"
)

// search returns the phone numbers of the contacts that query finds, in
// order.
func search(tb testing.TB, db *store.DB, query string, limit int) []string {
	tb.Helper()
	var out []string
	err := db.SearchContacts(context.Background(), query, limit, func(c *contacts.Contact) error {
		out = append(out, c.Phone)
		return nil
	})
	if err != nil {
		tb.Fatalf("search %q: %v", query, err)
	}
	return out
}

// assertSearch checks that query finds exactly want, in any order.
func assertSearch(tb testing.TB, db *store.DB, query string, want ...string) {
	tb.Helper()
	got := search(tb, db, query, 0)
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		tb.Errorf("search %q = %v, want %v", query, got, want)
	}
}

// checkIndex checks that the search indexes of the book at path are in
// step with its contacts: nothing waits in the queue, FTS5's integrity
// check passes, and every term of each index is where an index built
// afresh from the contacts has it.
func checkIndex(tb testing.TB, path string) {
	tb.Helper()
	sdb, err := sql.Open("sqlite", path)
	if err != nil {
		tb.Fatal(err)
	}
	defer sdb.Close()
	sdb.SetMaxOpenConns(1) // the temp tables live in one connection
	var queued int
	if err := sdb.QueryRow(`SELECT count(*) FROM contacts_search_queue`).Scan(&queued); err != nil || queued != 0 {
		tb.Errorf("%d contacts queued, %v", queued, err)
	}
	for _, ix := range []struct{ table, columns, tokenize string }{
		{"contacts_fts", "name, email, company_name, note", "unicode61 remove_diacritics 2"},
		{"contacts_phone_fts", "phone", "trigram"},
	} {
		for _, stmt := range []string{
			`INSERT INTO ` + ix.table + `(` + ix.table + `, rank) VALUES ('integrity-check', 1)`,
			`CREATE VIRTUAL TABLE temp.fresh USING fts5(` + ix.columns + `, content='', tokenize='` + ix.tokenize + `')`,
			`INSERT INTO temp.fresh (rowid, ` + ix.columns + `) SELECT rid, ` + ix.columns + ` FROM contacts_search_source`,
			`CREATE VIRTUAL TABLE temp.live_terms USING fts5vocab(main, ` + ix.table + `, instance)`,
			`CREATE VIRTUAL TABLE temp.fresh_terms USING fts5vocab(temp, fresh, instance)`,
		} {
			if _, err := sdb.Exec(stmt); err != nil {
				tb.Fatalf("%s: %v", stmt, err)
			}
		}
		var live, fresh, differ int
		err := sdb.QueryRow(`SELECT (SELECT count(*) FROM temp.live_terms), (SELECT count(*) FROM temp.fresh_terms),
			(SELECT count(*) FROM (SELECT * FROM temp.live_terms EXCEPT SELECT * FROM temp.fresh_terms)) +
			(SELECT count(*) FROM (SELECT * FROM temp.fresh_terms EXCEPT SELECT * FROM temp.live_terms))`).Scan(&live, &fresh, &differ)
		if err != nil {
			tb.Fatal(err)
		}
		if differ != 0 || live != fresh || live == 0 {
			tb.Errorf("%s: %d term instances, %d in a fresh index, %d differ", ix.table, live, fresh, differ)
		}
		for _, stmt := range []string{`DROP TABLE temp.live_terms`, `DROP TABLE temp.fresh_terms`, `DROP TABLE temp.fresh`} {
			if _, err := sdb.Exec(stmt); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

func TestSearchText(t *testing.T) {
	db := MustOpen(t)
	for _, in := range []contacts.NewContact{
		{Phone: "+4520120001", Name: "Niklas Stéphenson"},
		{Phone: "+4520120002", Name: "Søren Kierkegaard", Email: "soren@filosofi.dk"},
		{Phone: "+4520120003", Name: "Åse Ærø", CompanyName: "Østergaard & Søn ApS"},
		{Phone: "+4520120004", Name: "Jürgen Straße", Note: "Prefers calls in the morning.\nAsk for the œuvre."},
		{Phone: "+4520120005", Name: "Ste\u0301phane Ruiz", Email: "ruiz@example.com"}, // decomposed é
		{Phone: "+4520120006", Name: "Łukasz Łódź", CompanyName: "Đorđe Þórsson ıstanbul"},
		{Phone: "+4520120007", Name: "Mary O'Brien", Email: "mary.obrien@acme.example"},
	} {
		MustCreate(t, db, in)
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		// Case and accents.
		{"stephen", []string{"+4520120001"}},
		{"STÉPHENSON", []string{"+4520120001"}},
		{"stéph", []string{"+4520120001", "+4520120005"}},
		{"stephane", []string{"+4520120005"}},
		// Prefixes of any word, and only of words.
		{"kierke", []string{"+4520120002"}},
		{"Kier", []string{"+4520120002"}},
		{"ierke", nil},
		// ø æ œ ß đ ð ł þ ı: folded to o ae oe ss d d l th i, both ways.
		{"soren", []string{"+4520120002"}},
		{"SØREN", []string{"+4520120002"}},
		{"søren kierkegaard", []string{"+4520120002"}},
		{"aero", []string{"+4520120003"}},
		{"ærø", []string{"+4520120003"}},
		{"ase", []string{"+4520120003"}},
		{"ostergaard", []string{"+4520120003"}},
		{"strasse", []string{"+4520120004"}},
		{"straße", []string{"+4520120004"}},
		{"jurgen", []string{"+4520120004"}},
		{"oeuvre", []string{"+4520120004"}},
		{"lukasz lodz", []string{"+4520120006"}},
		{"dorde thorsson", []string{"+4520120006"}},
		{"istanbul", []string{"+4520120006"}},
		// Every field: email, company name, note.
		{"filosofi", []string{"+4520120002"}},
		{"soren@filosofi.dk", []string{"+4520120002"}},
		{"apS", []string{"+4520120003"}},
		{"morning", []string{"+4520120004"}},
		// Every term must match; a term with punctuation is a phrase.
		{"søren ostergaard", nil},
		{"o'brien", []string{"+4520120007"}},
		{"O’Bri", []string{"+4520120007"}},
		{"mary.obrien@acme", []string{"+4520120007"}},
		{"acme mary", []string{"+4520120007"}},
		{"brien'o", nil}, // the phrase "brien o" is not in the text
		// A short term with others (see textCanMatch).
		{"s kierkegaard", []string{"+4520120002"}},
		{"s zyzzyva", nil},
		{"s k", []string{"+4520120002"}},
	} {
		assertSearch(t, db, tc.query, tc.want...)
	}
}

func TestSearchDigits(t *testing.T) {
	db := MustOpen(t)
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann Jensen"})
	MustCreate(t, db, contacts.NewContact{Phone: "+14155552671", Name: "Bob Smith", Note: "ticket 4711, room 12"})
	MustCreate(t, db, contacts.NewContact{Phone: "+4531201234", Name: "Ann Hansen"})
	MustCreate(t, db, contacts.NewContact{Phone: "+4540404040", Name: "Carl 2012"})
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"2012 34", []string{"+4520123456", "+4531201234"}},
		{"20 12 34 56", []string{"+4520123456"}},
		{"+45 20 12 34 56", []string{"+4520123456"}},
		{"+45-20-12-34-56", []string{"+4520123456"}},
		{"tel:+4520123456", []string{"+4520123456"}},
		{"(415) 555-2671", []string{"+14155552671"}},
		{"555", []string{"+14155552671"}},
		{"3456", []string{"+4520123456"}},
		{"4520", []string{"+4520123456"}},
		{"2012", []string{"+4520123456", "+4531201234", "+4540404040"}}, // phones, and Carl's name
		{"4711", []string{"+14155552671"}},                              // a digit run is also text
		{"ticket 4711", []string{"+14155552671"}},
		{"99999", nil},
		// Two digits are a word, not a run looked for in phone numbers.
		{"12", []string{"+14155552671"}},
		// Words and digits: every term matches, the digits in the phone.
		{"ann 2012", []string{"+4520123456", "+4531201234"}},
		{"hansen 2012", []string{"+4531201234"}},
		{"ann 555", nil},
		{"jensen 20 12", []string{"+4520123456"}},
	} {
		assertSearch(t, db, tc.query, tc.want...)
	}
}

func TestSearchRanking(t *testing.T) {
	db := MustOpen(t)
	// Added best last, so that the newest-first order of ties cannot
	// explain the ranking.
	noteMany := MustCreate(t, db, contacts.NewContact{Phone: "+4520120004", Note: "stephen stephen stephen"})
	note := MustCreate(t, db, contacts.NewContact{Phone: "+4520120001", Name: "Zed", Note: "Stephen called about 2012 34"})
	email := MustCreate(t, db, contacts.NewContact{Phone: "+4520120005", Email: "stephen@example.com"})
	company := MustCreate(t, db, contacts.NewContact{Phone: "+4520120003", CompanyName: "Stephenson ApS"})
	prefix := MustCreate(t, db, contacts.NewContact{Phone: "+4520120006", Name: "Anna Stephenson"})
	name := MustCreate(t, db, contacts.NewContact{Phone: "+4520120002", Name: "Stephen King"})
	phone := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Anna"})

	// Name (whole word, then prefix), then company and email (whole
	// word first), then the notes, newest first.
	want := []string{name.Phone, prefix.Phone, email.Phone, company.Phone, note.Phone, noteMany.Phone}
	if got := search(t, db, "stephen", 0); !slices.Equal(got, want) {
		t.Errorf("stephen: %v, want %v", got, want)
	}
	// A phone match comes before a text match.
	if got := search(t, db, "2012 34", 0); !slices.Equal(got, []string{phone.Phone, note.Phone}) {
		t.Errorf("2012 34: %v, want %s (phone) then %s (note)", got, phone.Phone, note.Phone)
	}
	// --limit keeps the best.
	if got := search(t, db, "stephen", 2); !slices.Equal(got, want[:2]) {
		t.Errorf("stephen, limit 2: %v, want %v", got, want[:2])
	}
	// "anna" is a whole word of both names: newest first.
	if got := search(t, db, "anna", 0); !slices.Equal(got, []string{phone.Phone, prefix.Phone}) {
		t.Errorf("anna: %v, want %s then %s", got, phone.Phone, prefix.Phone)
	}
	// A word before a prefix, whatever their age.
	ann := MustCreate(t, db, contacts.NewContact{Phone: "+4520120011", Name: "Ann Berg"})
	if got := search(t, db, "ann", 0); !slices.Equal(got, []string{ann.Phone, phone.Phone, prefix.Phone}) {
		t.Errorf("ann: %v, want Ann, then the Annas newest first", got)
	}
	// Found by phone and by text: listed once, as a phone match.
	both := MustCreate(t, db, contacts.NewContact{Phone: "+4520120099", Note: "direct line 2012 0099"})
	if got := search(t, db, "2012 0099", 0); !slices.Equal(got, []string{both.Phone}) {
		t.Errorf("2012 0099: %v, want %s once", got, both.Phone)
	}
}

func TestSearchInStep(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann Jensen", Note: "blue"})
	other := MustCreate(t, db, contacts.NewContact{Phone: "+4520999999", Name: "Other"})
	assertSearch(t, db, "jensen", c.Phone)

	// Update a name: the old one is gone, the new one found.
	if _, err := db.UpdateContact(ctx, c.ID, contacts.ContactUpdate{Name: ptr("Ann Stéphenson")}); err != nil {
		t.Fatal(err)
	}
	assertSearch(t, db, "jensen")
	assertSearch(t, db, "stephenson", c.Phone)
	assertSearch(t, db, "blue", c.Phone) // untouched fields stay indexed

	// Update the phone.
	if _, err := db.UpdateContact(ctx, c.ID, contacts.ContactUpdate{Phone: ptr("+4531313131")}); err != nil {
		t.Fatal(err)
	}
	assertSearch(t, db, "2012 34")
	assertSearch(t, db, "3131", "+4531313131")
	assertSearch(t, db, "stephenson", "+4531313131")

	// A failed update (the number is taken) changes nothing.
	if _, err := db.UpdateContact(ctx, c.ID, contacts.ContactUpdate{Phone: ptr(other.Phone), Name: ptr("Nobody")}); contacts.ErrorCode(err) != contacts.ECONFLICT {
		t.Fatalf("err=%v, want a conflict", err)
	}
	assertSearch(t, db, "nobody")
	assertSearch(t, db, "stephenson", "+4531313131")

	// Clear a field.
	if _, err := db.UpdateContact(ctx, c.ID, contacts.ContactUpdate{Note: ptr("")}); err != nil {
		t.Fatal(err)
	}
	assertSearch(t, db, "blue")

	// Delete.
	if err := db.DeleteContacts(ctx, []string{c.ID}); err != nil {
		t.Fatal(err)
	}
	assertSearch(t, db, "stephenson")
	assertSearch(t, db, "3131")
	assertSearch(t, db, "other", other.Phone)

	// Import: created rows, and rows that update a contact by phone.
	res, _ := importRows(t, db, contacts.ImportOptions{OnConflict: contacts.ConflictUpdate},
		"+4540404041,Imported Kierkegaard", "+4520999999,Renamed Other")
	if res.Created != 1 || res.Updated != 1 {
		t.Fatalf("import: %+v", res)
	}
	assertSearch(t, db, "kierkegaard", "+4540404041")
	assertSearch(t, db, "4040 4041", "+4540404041")
	assertSearch(t, db, "renamed", other.Phone)
	assertSearch(t, db, "other", other.Phone) // "Renamed Other"

	// An import that fails, or is dry, leaves the index as it was.
	res, _ = importRows(t, db, contacts.ImportOptions{}, "+4540404042,Rolled Back", "!bad")
	if res.Written {
		t.Fatalf("import written: %+v", res)
	}
	res, _ = importRows(t, db, contacts.ImportOptions{DryRun: true}, "+4540404043,Dry Run")
	if res.Written {
		t.Fatalf("dry import written: %+v", res)
	}
	assertSearch(t, db, "rolled")
	assertSearch(t, db, "dry")
	assertSearch(t, db, "4040 4042")

	checkIndex(t, db.Path())
}

// TestSearchMigration opens a book made at schema 2, before search: the
// migration indexes the contacts it has.
func TestSearchMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	sdb, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"migrations/0001_init.sql", "migrations/0002_api_keys.sql"} {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sdb.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	_, err = sdb.Exec(fmt.Sprintf(`PRAGMA user_version = 2; PRAGMA application_id = %d;
		INSERT INTO contacts (id, name, email, phone, phone_formatted, company_name, note, created_at, updated_at) VALUES
		('01J00000000000000000000001', 'Søren Kierkegaard', NULL, '+4520123456', '+45 20 12 34 56', 'Filosofi ApS', NULL, '2026-06-10T10:00:00Z', '2026-06-10T10:00:00Z'),
		('01J00000000000000000000002', 'Niklas Stéphenson', 'n@example.com', '+14155552671', '+1 415-555-2671', NULL, 'old note', '2026-06-10T10:00:00Z', '2026-06-10T10:00:00Z')`,
		store.ApplicationID))
	if err != nil {
		t.Fatal(err)
	}
	sdb.Close()

	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v < 3 {
		t.Fatalf("SchemaVersion=%d, %v; want 3 or later", v, err)
	}
	assertSearch(t, db, "soren", "+4520123456")
	assertSearch(t, db, "filosofi", "+4520123456")
	assertSearch(t, db, "stephen", "+14155552671")
	assertSearch(t, db, "old note", "+14155552671")
	assertSearch(t, db, "2012 34", "+4520123456")
	assertSearch(t, db, "555 2671", "+14155552671")
	// And the old rows stay in step.
	if err := db.DeleteContacts(ctx, []string{"01J00000000000000000000001"}); err != nil {
		t.Fatal(err)
	}
	assertSearch(t, db, "soren")
	checkIndex(t, path)
}

// A book of schema 5 gets the one-letter prefix index of migration 6, made
// from its contacts, those another program wrote (queued) included; and
// one-letter searches find what they found before.
func TestSearchPrefixMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v5.db")
	sdb, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	names, err := filepath.Glob("migrations/000[1-5]_*.sql")
	if err != nil || len(names) != 5 {
		t.Fatalf("migrations 1 to 5: %v, %v", names, err)
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sdb.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	_, err = sdb.Exec(fmt.Sprintf(`PRAGMA user_version = 5; PRAGMA application_id = %d;
		INSERT INTO contacts (id, name, email, phone, phone_formatted, company_name, note, created_at, updated_at) VALUES
		('01J00000000000000000000001', 'Søren Kierkegaard', NULL, '+4520123456', '+45 20 12 34 56', 'Filosofi ApS', NULL, '2026-06-10T10:00:00Z', '2026-06-10T10:00:00Z'),
		('01J00000000000000000000002', 'Niklas Stéphenson', 'n@example.com', '+14155552671', '+1 415-555-2671', NULL, 'old note', '2026-06-10T10:00:00Z', '2026-06-10T10:00:00Z');
		INSERT INTO contacts_fts (rowid, name, email, company_name, note)
			SELECT rid, name, email, company_name, note FROM contacts_search_source WHERE rid = 1;
		INSERT INTO contacts_phone_fts (rowid, phone) SELECT rid, phone FROM contacts_search_source WHERE rid = 1;
		DELETE FROM contacts_search_queue WHERE rid = 1`, // the second one queued, as another program leaves it
		store.ApplicationID))
	if err != nil {
		t.Fatal(err)
	}
	sdb.Close()

	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v != 6 {
		t.Fatalf("SchemaVersion=%d, %v; want 6", v, err)
	}
	assertSearch(t, db, "s", "+14155552671", "+4520123456") // Stéphenson, Søren
	assertSearch(t, db, "k", "+4520123456")
	assertSearch(t, db, "n", "+14155552671")
	assertSearch(t, db, "o", "+14155552671") // old note
	assertSearch(t, db, "soren k", "+4520123456")
	assertSearch(t, db, "555 2671", "+14155552671")
	checkIndex(t, path)

	sdb, err = sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	var schema string
	if err := sdb.QueryRow(`SELECT sql FROM sqlite_schema WHERE name = 'contacts_fts'`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(schema, "prefix = '1'") {
		t.Errorf("contacts_fts has no one-letter prefix index: %s", schema)
	}
}

func TestSearchHostile(t *testing.T) {
	db := MustOpen(t)
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann Jensen", Note: `She said "NEAR" OR AND NOT (x) a*b col:val`})
	for _, q := range []string{
		`"`, `""`, `"ann`, `ann"`, `a"n"n`, `*`, `ann*`, `*ann`, `**`, `NEAR(ann jensen)`, `NEAR(`, `NEAR/2`,
		`ann OR jensen`, `OR`, `AND`, `NOT`, `NOT ann`, `ann NOT`, `-ann`, `ann -jensen`, `+ann`, `^ann`,
		`(`, `)`, `(ann`, `ann)`, `{name}: ann`, `name:ann`, `:`, `name:`, `{`, `}`, `[ann]`, `ann'`, `'`,
		`\`, `\"`, `%`, `_`, `ann%`, `?`, `?1`, `:1`, `$x`, `@x`, `;`, `ann; DROP TABLE contacts; --`,
		`'); DROP TABLE contacts; --`, "\x00", "ann\x00jensen", "\u0301", "e\u0301", "🙂", "ann🙂", "\U0001E4D0",
		"𝔞𝔫𝔫", "ｊｅｎｓｅｎ", "\u200b", "\ufeffann", "\u202eann", "1", "12", "123", "0000000000000000000000",
		strings.Repeat("a ", 300), strings.Repeat("1 ", 300), strings.Repeat("ann", 2000), "ann\njensen\tx",
		"\xff\xfe", "ann\xffjensen",
	} {
		err := db.SearchContacts(context.Background(), q, 20, func(*contacts.Contact) error { return nil })
		if err != nil && contacts.ErrorCode(err) != contacts.EUSAGE {
			t.Errorf("search %q: %v", q, err)
		}
	}
	for _, q := range []string{`ann OR jensen`, `ann*`, `"ann"`, `-ann`, `col:val`, `(x)`} {
		assertSearch(t, db, q, "+4520123456")
	}
	// The words of FTS5's syntax are words like any other.
	assertSearch(t, db, `near`, "+4520123456")
	assertSearch(t, db, `NOT`, "+4520123456")
	assertSearch(t, db, `ann OR zed`) // OR is a word; zed matches nothing
}

func TestSearchEmptyQuery(t *testing.T) {
	db := MustOpen(t)
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann"})
	for _, q := range []string{"", "   ", "\t\n", "!?", `"*" - ( ) : {}`, "+ - /", "\u0301", "\u200b"} {
		err := db.SearchContacts(context.Background(), q, 20, func(*contacts.Contact) error {
			t.Errorf("search %q found a contact", q)
			return nil
		})
		if contacts.ErrorCode(err) != contacts.EUSAGE {
			t.Errorf("search %q: err=%v, want EUSAGE", q, err)
		}
	}
}

// TestSearchBounded: a query longer than a search box holds (1,000 bytes,
// 32 words or runs of digits) is a usage error that names the bound, and
// costs nothing; one at the bounds is searched.
func TestSearchBounded(t *testing.T) {
	db := MustOpen(t)
	MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann Jensen", Note: strings.Repeat("word ", 40)})
	tests := []struct {
		query, err string
	}{
		{strings.Repeat("word ", 33), "the query has 33 words; a search takes at most 32"},
		{strings.Repeat("12 ", 40), "the query has 40 words; a search takes at most 32"},
		{strings.Repeat("ann jensen ", 20), "the query has 40 words"},
		{strings.Repeat("a", 1001), "the query is 1001 bytes long; a search takes at most 1000"},
		{strings.Repeat("word ", 30000), "bytes long"},
		{strings.Repeat("word ", 32), ""},
		{strings.Repeat("a", 1000), ""},
	}
	for _, tt := range tests {
		err := db.SearchContacts(context.Background(), tt.query, 20, func(*contacts.Contact) error { return nil })
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("search of %d bytes: %v", len(tt.query), err)
		case tt.err != "" && (contacts.ErrorCode(err) != contacts.EUSAGE || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("search of %d bytes: err=%v, want EUSAGE %q", len(tt.query), err, tt.err)
		}
	}
	assertSearch(t, db, strings.TrimSpace(strings.Repeat("word ", 32)), "+4520123456")
}

// TestSearchStop checks that an error from fn stops the search.
func TestSearchStop(t *testing.T) {
	db := MustOpen(t)
	for i := range 5 {
		MustCreate(t, db, contacts.NewContact{Phone: fmt.Sprintf("+452012345%d", i), Name: "Ann"})
	}
	stop := fmt.Errorf("stop")
	n := 0
	err := db.SearchContacts(context.Background(), "ann", 0, func(*contacts.Contact) error {
		n++
		return stop
	})
	if err != stop || n != 1 {
		t.Errorf("err=%v after %d contacts", err, n)
	}
}

// TestSearchForeignWriter writes contacts as another program would (the
// sqlite3 shell): the triggers queue them, and the next search indexes
// them before it looks.
func TestSearchForeignWriter(t *testing.T) {
	db := MustOpen(t)
	c := MustCreate(t, db, contacts.NewContact{Phone: "+4520123456", Name: "Ann Jensen"})
	MustCreate(t, db, contacts.NewContact{Phone: "+4520120001", Name: "Gone Soon"})
	sdb, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	_, err = sdb.Exec(`UPDATE contacts SET name = 'Ann Østergaard' WHERE id = ?;
		DELETE FROM contacts WHERE phone = '+4520120001';
		INSERT INTO contacts (id, name, phone, phone_formatted, created_at, updated_at)
			VALUES ('01J00000000000000000000009', 'Shell Added', '+4531313131', '+45 31 31 31 31', '2026-06-10T10:00:00Z', '2026-06-10T10:00:00Z')`, c.ID)
	sdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	assertSearch(t, db, "jensen")
	assertSearch(t, db, "ostergaard", c.Phone)
	assertSearch(t, db, "gone")
	assertSearch(t, db, "shell", "+4531313131")
	assertSearch(t, db, "3131", "+4531313131")
	checkIndex(t, db.Path())
}

// TestSearchInStepRandom runs a random mix of every kind of write and
// checks that the indexes match the contacts after each batch.
func TestSearchInStepRandom(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"Ann", "Søren", "Stéphenson", "Kierkegaard", "Œuvre", "Straße", "acme", "blue", "2012", "O'Brien"}
	text := func() string {
		var w []string
		for range 1 + rng.IntN(3) {
			w = append(w, words[rng.IntN(len(words))])
		}
		return strings.Join(w, " ")
	}
	phone := func() string { return fmt.Sprintf("+452012%04d", rng.IntN(300)) }
	var ids []string
	for round := range 8 {
		for range 40 {
			switch op := rng.IntN(10); {
			case op < 4 || len(ids) == 0:
				c, err := db.CreateContact(ctx, contacts.NewContact{Phone: phone(), Name: text(), Note: text()})
				if err == nil {
					ids = append(ids, c.ID)
				} else if contacts.ErrorCode(err) != contacts.ECONFLICT {
					t.Fatal(err)
				}
			case op < 7:
				upd := contacts.ContactUpdate{Name: ptr(text())}
				if rng.IntN(2) == 0 {
					upd = contacts.ContactUpdate{Phone: ptr(phone()), CompanyName: ptr(text()), Note: ptr("")}
				}
				if _, err := db.UpdateContact(ctx, ids[rng.IntN(len(ids))], upd); err != nil && contacts.ErrorCode(err) != contacts.ECONFLICT {
					t.Fatal(err)
				}
			case op < 8:
				i := rng.IntN(len(ids))
				if err := db.DeleteContacts(ctx, []string{ids[i]}); err != nil {
					t.Fatal(err)
				}
				ids = append(ids[:i], ids[i+1:]...)
			default:
				var specs []string
				for range 5 {
					specs = append(specs, phone()+","+text())
				}
				policy := []string{contacts.ConflictSkip, contacts.ConflictUpdate}[rng.IntN(2)]
				importRows(t, db, contacts.ImportOptions{OnConflict: policy}, specs...)
			}
		}
		t.Run(fmt.Sprint("round", round), func(t *testing.T) { checkIndex(t, db.Path()) })
	}
	// And the searches agree with the contacts.
	all := list(t, db, contacts.ContactFilter{})
	for _, w := range []string{"soren", "stephenson", "oeuvre", "strasse", "brien"} {
		var want []string
		for _, c := range all {
			folded := strings.ToLower(strings.NewReplacer("ø", "o", "é", "e", "Œ", "oe", "ß", "ss", "É", "e", "Ø", "o").Replace(
				strings.Join([]string{searchDeref(c.Name), searchDeref(c.CompanyName), searchDeref(c.Note)}, " ")))
			if strings.Contains(folded, w) {
				want = append(want, c.Phone)
			}
		}
		assertSearch(t, db, w, want...)
	}
}

func searchDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// A queue longer than the slices the indexing takes, with contacts queued
// again in later slices (updated after they were inserted) and some
// deleted, indexes to exactly the contacts: taken from the queue slice by
// slice, and by the rebuild that a queue as long as the book gets.
func TestSearchQueueInSlices(t *testing.T) {
	for _, tt := range []struct {
		name       string
		rebuildMin int64
	}{{"queue", 1 << 62}, {"rebuild", 1000}} {
		t.Run(tt.name, func(t *testing.T) {
			defer store.SetRebuildMin(tt.rebuildMin)()
			testSearchQueueInSlices(t)
		})
	}
}

func testSearchQueueInSlices(t *testing.T) {
	// Slices of 1,000 rows: the 2,500 rows below are indexed in three.
	defer store.SetIndexSlice(1000)()
	db := MustOpen(t)
	sdb, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	_, err = sdb.Exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500)
		INSERT INTO contacts (id, name, phone, phone_formatted, created_at, updated_at)
			SELECT printf('01J%023d', i), 'Bulk ' || i, printf('+4520%06d', i), 'x', '2026-06-10T10:00:00Z', '2026-06-10T10:00:00Z' FROM n;
		UPDATE contacts SET name = 'Renamed Twice' WHERE rowid % 100 = 7;
		UPDATE contacts SET note = 'Kierkegaard' WHERE rowid % 100 = 7;
		DELETE FROM contacts WHERE rowid % 100 = 8;`)
	sdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := 7; i <= 2500; i += 100 {
		want = append(want, fmt.Sprintf("+4520%06d", i))
	}
	assertSearch(t, db, "kierkegaard", want...)
	assertSearch(t, db, "20002498", "+4520002498")
	assertSearch(t, db, "20002408")
	checkIndex(t, db.Path())
}

// TestSearchRebuildOnUndo: the undo of an import that made most of the
// book empties the indexes and fills them again from the contacts left
// (its queue is longer than the book), and they are exactly those
// contacts; an import into an empty book takes the same path.
func TestSearchRebuildOnUndo(t *testing.T) {
	defer store.SetIndexSlice(500)()
	ctx := context.Background()
	db := MustOpen(t)
	MustCreate(t, db, contacts.NewContact{Phone: "+4520100999", Name: "Søren Kierkegaard"})
	MustCreate(t, db, contacts.NewContact{Phone: "+4520100998", Name: "Anna Hansen", Note: "bulk"})
	var specs []string
	for i := 0; i < 1500; i++ {
		specs = append(specs, fmt.Sprintf("+45202%05d,Bulk Person %d", i, i))
	}
	if res, problems := importRows(t, db, contacts.ImportOptions{}, specs...); res.Created != 1500 || len(problems) != 0 {
		t.Fatalf("import: %+v %v", res, problems)
	}
	assertSearch(t, db, "person 1499", "+4520201499")
	checkIndex(t, db.Path())
	if _, err := db.Undo(ctx, "", false); err != nil {
		t.Fatal(err)
	}
	assertSearch(t, db, "bulk", "+4520100998")
	assertSearch(t, db, "person")
	assertSearch(t, db, "soren", "+4520100999")
	assertSearch(t, db, "20201")
	checkIndex(t, db.Path())
	// Undone again: the 1,500 are back, and so is their index.
	if _, err := db.Undo(ctx, "", false); err != nil {
		t.Fatal(err)
	}
	assertSearch(t, db, "person 1499", "+4520201499")
	checkIndex(t, db.Path())
}
