package cmd_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/cmd"
	"github.com/phoneinc/contacts/internal/iostreams"
)

// syncEnv is a company's book and a radicale address book to sync it
// with; contacts runs in this process (cmd.Run).
type syncEnv struct {
	t    *testing.T
	rad  *radicale
	data string
}

func newSyncEnv(t *testing.T) *syncEnv {
	rad := startRadicale(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	for _, k := range []string{"CONTACTS_CONFIG", "CONTACTS_COMPANY", "CONTACTS_DATA_DIR", "CONTACTS_REGION", "CONTACTS_OUTPUT", "CONTACTS_SERVER", "CONTACTS_API_KEY"} {
		t.Setenv(k, "")
	}
	t.Setenv("CONTACTS_SYNC_PASSWORD", "secret")
	return &syncEnv{t: t, rad: rad, data: t.TempDir()}
}

type runResult struct {
	code        int
	out, errOut string
}

func (e *syncEnv) run(stdin string, args ...string) runResult {
	e.t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	if stdin != "" {
		ios.SetTTY(true, false, false)
	}
	code := cmd.Run(context.Background(), append([]string{"--data-dir", e.data, "--company", "acme", "--region", "DK"}, args...), ios)
	return runResult{code, out.String(), errOut.String()}
}

// must runs contacts and fails the test unless it exits 0.
func (e *syncEnv) must(args ...string) runResult {
	e.t.Helper()
	r := e.run("", args...)
	if r.code != 0 {
		e.t.Fatalf("contacts %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.out, r.errOut)
	}
	return r
}

type syncResult struct {
	Written bool `json:"written"`
	Pulled  struct {
		Created, Updated, Deleted int
	} `json:"pulled"`
	Pushed struct {
		Created, Updated, Deleted int
	} `json:"pushed"`
	Matched   int `json:"matched"`
	Conflicts int `json:"conflicts"`
	Skipped   int `json:"skipped"`
	Report    []struct {
		Kind, Side, Op, Href, Message, Kept, Code string
		ContactID                                 string `json:"contact_id"`
		Local, Server                             *struct {
			Name, Note *string
			Phone      string
		}
	} `json:"report"`
}

// sync runs contacts sync -o json and returns its result.
func (e *syncEnv) sync(args ...string) syncResult {
	e.t.Helper()
	r := e.must(append([]string{"sync", e.rad.URL(), "--username", "alice", "-o", "json"}, args...)...)
	var res syncResult
	if err := json.Unmarshal([]byte(r.out), &res); err != nil {
		e.t.Fatalf("sync -o json: %v\n%s", err, r.out)
	}
	return res
}

func (e *syncEnv) add(phone, name string, more ...string) string {
	e.t.Helper()
	r := e.must(append([]string{"add", "--phone", phone, "--name", name, "-o", "json"}, more...)...)
	var c contacts.Contact
	if err := json.Unmarshal([]byte(r.out), &c); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// list returns the book's contacts by phone.
func (e *syncEnv) list() map[string]contacts.Contact {
	e.t.Helper()
	r := e.must("list", "-o", "json")
	var cs []contacts.Contact
	if err := json.Unmarshal([]byte(r.out), &cs); err != nil {
		e.t.Fatal(err)
	}
	m := map[string]contacts.Contact{}
	for _, c := range cs {
		m[c.Phone] = c
	}
	return m
}

func str(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// phoneCard is a card as a phone makes it: three numbers, an address, a
// photo, a birthday, a group, an X- property.
const phoneCard = `BEGIN:VCARD
VERSION:3.0
PRODID:-//Apple Inc.//iPhone OS 17.0//EN
N:Kierkegaard;Søren;;;
FN:Søren Kierkegaard
item1.TEL;type=CELL;type=VOICE;type=pref:+45 20 99 88 77
TEL;type=HOME;type=VOICE:+45 33 12 34 56
TEL;type=WORK:+45 70 10 20 30
ADR;type=HOME;type=pref:;;Nørregade 1;København;;1165;Denmark
PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wAARCAABAAEDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAf/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/8QAFAEBAAAAAAAAAAAAAAAAAAAAAP/EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAMAwEAAhEDEQA/AKp//9k=
BDAY:1813-05-05
CATEGORIES:Philosophers,Friends
X-ABUID:7A3F-11
NOTE:Philosopher
UID:phone-card-1
END:VCARD
`

func card(uid, fn, tel string, extra ...string) string {
	s := "BEGIN:VCARD\nVERSION:3.0\nUID:" + uid + "\nFN:" + fn + "\nN:;" + fn + ";;;\nTEL;TYPE=CELL:" + tel + "\n"
	for _, x := range extra {
		s += x + "\n"
	}
	return s + "END:VCARD\n"
}

// First sync, both ways: local contacts go up, server cards come down, and
// a contact and a card with the same number are matched, not doubled.
func TestSyncFirstBothWays(t *testing.T) {
	e := newSyncEnv(t)
	annID := e.add("+4520123456", "Ann Jensen", "--email", "ann@example.com")
	bobID := e.add("+4520123457", "Bob")
	e.rad.put("phone-card-1.vcf", phoneCard)
	e.rad.put("bob.vcf", card("bob-uid", "Bob B", "+45 20 12 34 57", "EMAIL:bob@example.com"))

	res := e.sync()
	if res.Pulled.Created != 1 || res.Pushed.Created != 1 || res.Matched != 1 || !res.Written {
		t.Fatalf("first sync: %+v", res)
	}
	var matched bool
	for _, r := range res.Report {
		if r.Kind == "matched" && r.ContactID == bobID && strings.Contains(r.Message, "by phone number") {
			matched = true
		}
	}
	if !matched {
		t.Errorf("the report does not show Bob's match: %+v", res.Report)
	}
	book := e.list()
	if len(book) != 3 {
		t.Fatalf("book has %d contacts, want 3: %v", len(book), book)
	}
	if s := book["+4520998877"]; str(s.Name) != "Søren Kierkegaard" || str(s.Note) != "Philosopher" {
		t.Errorf("the phone's card came down as %+v", s)
	}
	up := e.rad.get(annID + ".vcf")
	if !strings.Contains(up, "FN:Ann Jensen") || !strings.Contains(up, "ann@example.com") || !strings.Contains(up, "+4520123456") {
		t.Errorf("Ann's card on the server:\n%s", up)
	}
	if n := len(e.rad.cards()); n != 3 {
		t.Errorf("the server has %d cards, want 3: %v", n, e.rad.cards())
	}
	// Matched with different values: newest wins (the card has no REV: the
	// server's), both sides now agree.
	if b := book["+4520123457"]; str(b.Name) != "Bob B" || str(b.Email) != "bob@example.com" {
		t.Errorf("Bob after the match: %+v", b)
	}
	// And a second sync finds nothing to do.
	res = e.sync()
	if res.Pulled != (syncResult{}).Pulled || res.Pushed != (syncResult{}).Pushed || res.Conflicts != 0 {
		t.Errorf("second sync: %+v", res)
	}
}

// An incremental sync moves only what changed: with nothing changed, one
// request; with changes, the changed cards only, on both sides. With a
// server that offers no sync-token, ETags do it: one listing, and a
// multiget of the changed cards only.
func TestSyncIncremental(t *testing.T) {
	for _, withToken := range []bool{true, false} {
		t.Run(fmt.Sprintf("token=%v", withToken), func(t *testing.T) {
			e := newSyncEnv(t)
			e.rad.noSync = !withToken
			for i := 0; i < 20; i++ {
				e.rad.put(fmt.Sprintf("c%02d.vcf", i), card(fmt.Sprintf("uid-%02d", i), fmt.Sprintf("Person %02d", i), fmt.Sprintf("+45 20 12 33 %02d", i)))
			}
			for i := 0; i < 5; i++ {
				e.add(fmt.Sprintf("+45 20 12 35 %02d", i), fmt.Sprintf("Local %02d", i))
			}
			if res := e.sync(); res.Pulled.Created != 20 || res.Pushed.Created != 5 {
				t.Fatalf("first sync: %+v", res)
			}

			e.rad.reset()
			if res := e.sync(); res.Pulled != (syncResult{}).Pulled || res.Pushed != (syncResult{}).Pushed {
				t.Fatalf("sync with nothing changed: %+v", res)
			}
			// One sync-collection REPORT; without tokens, one PROPFIND (the
			// first sync learnt that the server has none).
			if got := e.rad.count("all"); got != 1 {
				t.Errorf("a sync with nothing changed sent %d requests, want 1: %v", got, e.rad.counts)
			}

			// One card changed on the server, one contact here.
			e.rad.put("c07.vcf", card("uid-07", "Person Seven", "+45 20 12 33 07"))
			e.must("edit", "+4520123503", "--note", "called back")
			e.rad.reset()
			res := e.sync()
			if res.Pulled.Updated != 1 || res.Pushed.Updated != 1 || res.Pulled.Created+res.Pushed.Created+res.Pulled.Deleted+res.Pushed.Deleted != 0 {
				t.Fatalf("sync of two changes: %+v", res)
			}
			if got := e.rad.count("PUT"); got != 1 {
				t.Errorf("%d PUTs, want 1", got)
			}
			if withToken {
				if got := e.rad.count("REPORT multiget"); got != 0 {
					t.Errorf("%d multigets, want 0: the sync-collection brings the changed card", got)
				}
			} else {
				if got := e.rad.count("REPORT multiget"); got != 1 {
					t.Fatalf("%d multigets, want 1", got)
				}
				for _, b := range e.rad.bodies {
					if strings.Contains(b, "addressbook-multiget") && strings.Count(b, "c07.vcf") != 1 || strings.Count(b, ".vcf<") != 1 && strings.Contains(b, "addressbook-multiget") {
						t.Errorf("the multiget asks for more than the changed card:\n%s", b)
					}
				}
			}
			if got := e.list()["+4520123307"]; str(got.Name) != "Person Seven" {
				t.Errorf("the server's change did not come down: %+v", got)
			}
			if !strings.Contains(e.rad.get(phoneHref(t, e, "+4520123503")), "NOTE:called back") {
				t.Errorf("the local change did not go up")
			}
		})
	}
}

// phoneHref returns the name of the card of the contact with phone.
func phoneHref(t *testing.T, e *syncEnv, phone string) string {
	t.Helper()
	c, ok := e.list()[phone]
	if !ok {
		t.Fatalf("no contact %s", phone)
	}
	return c.ID + ".vcf"
}

// A delete on either side is a delete on the other.
func TestSyncDeletes(t *testing.T) {
	e := newSyncEnv(t)
	for i := 0; i < 12; i++ {
		e.rad.put(fmt.Sprintf("c%02d.vcf", i), card(fmt.Sprintf("uid-%02d", i), fmt.Sprintf("Person %02d", i), fmt.Sprintf("+45 20 12 33 %02d", i)))
	}
	e.sync()
	e.rad.remove("c03.vcf")
	c05 := e.list()["+4520123305"]
	e.must("rm", c05.ID, "--yes")
	res := e.sync()
	if res.Pulled.Deleted != 1 || res.Pushed.Deleted != 1 {
		t.Fatalf("sync of deletes: %+v", res)
	}
	if _, ok := e.list()["+4520123303"]; ok {
		t.Error("the card deleted on the server is still in the book")
	}
	if e.rad.get("c05.vcf") != "" {
		t.Error("the contact deleted here still has its card on the server")
	}
	if n := len(e.list()); n != 10 {
		t.Errorf("the book has %d contacts, want 10", n)
	}
}

// A contact changed on both sides: each policy keeps its side, and the
// report holds both sides' values.
func TestSyncConflictPolicies(t *testing.T) {
	for _, tc := range []struct {
		policy, answer string
		serverREV      string // the server's edit's REV
		want           string // the note both sides end with
		kept           string
	}{
		{"local", "", "REV:2999-01-01T00:00:00Z", "local note", "local"},
		{"remote", "", "REV:2000-01-01T00:00:00Z", "server note", "server"},
		{"newest", "", "REV:2999-01-01T00:00:00Z", "server note", "server"},
		{"newest", "", "REV:2000-01-01T00:00:00Z", "local note", "local"},
		{"", "", "REV:2999-01-01T00:00:00Z", "server note", "server"}, // the default is newest
		{"ask", "s\n", "REV:2000-01-01T00:00:00Z", "server note", "server"},
		{"ask", "l\n", "REV:2999-01-01T00:00:00Z", "local note", "local"},
	} {
		t.Run(tc.policy+tc.serverREV[4:8]+strings.TrimSpace(tc.answer), func(t *testing.T) {
			e := newSyncEnv(t)
			e.rad.put("ann.vcf", card("ann-uid", "Ann", "+45 20 12 34 56", "NOTE:first"))
			e.sync()
			e.rad.put("ann.vcf", card("ann-uid", "Ann", "+45 20 12 34 56", "NOTE:server note", tc.serverREV))
			e.must("edit", "+4520123456", "--note", "local note")

			args := []string{"sync", e.rad.URL(), "--username", "alice", "-o", "json"}
			if tc.policy != "" {
				args = append(args, "--conflict", tc.policy)
			}
			r := e.run(tc.answer, args...)
			if r.code != 0 {
				t.Fatalf("sync: exit %d\n%s", r.code, r.errOut)
			}
			var res syncResult
			if err := json.Unmarshal([]byte(r.out), &res); err != nil {
				t.Fatal(err)
			}
			if res.Conflicts != 1 {
				t.Fatalf("%d conflicts, want 1: %+v", res.Conflicts, res)
			}
			var c = res.Report[0]
			if c.Kind != "conflict" || c.Kept != tc.kept || c.Local == nil || c.Server == nil ||
				str(c.Local.Note) != "local note" || str(c.Server.Note) != "server note" {
				t.Errorf("the conflict's report: %+v local %+v server %+v", c, c.Local, c.Server)
			}
			if got := str(e.list()["+4520123456"].Note); got != tc.want {
				t.Errorf("local note %q, want %q", got, tc.want)
			}
			if got := e.rad.get("ann.vcf"); !strings.Contains(got, "NOTE:"+tc.want) {
				t.Errorf("server card, want NOTE:%s:\n%s", tc.want, got)
			}
			// Settled: the next sync has nothing to do.
			if res := e.sync(); res.Conflicts != 0 || res.Pushed.Updated+res.Pulled.Updated != 0 {
				t.Errorf("the sync after the conflict: %+v", res)
			}
		})
	}
}

// A card made on a phone keeps every line but NOTE and REV when its
// contact's note is changed here.
func TestSyncKeepsServerProperties(t *testing.T) {
	e := newSyncEnv(t)
	e.rad.put("phone-card-1.vcf", phoneCard)
	e.sync()
	before := e.rad.get("phone-card-1.vcf")
	e.must("edit", "+4520998877", "--note", "Philosopher, Danish")
	if res := e.sync(); res.Pushed.Updated != 1 {
		t.Fatalf("sync: %+v", res)
	}
	after := e.rad.get("phone-card-1.vcf")
	if after == before {
		t.Fatal("the card did not change")
	}
	lines := func(s string) []string {
		var out []string
		for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
			if !strings.HasPrefix(l, "NOTE") && !strings.HasPrefix(l, "REV") && l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	b, a := lines(before), lines(after)
	if strings.Join(b, "\n") != strings.Join(a, "\n") {
		t.Errorf("lines other than NOTE and REV changed:\nbefore:\n%s\nafter:\n%s", strings.Join(b, "\n"), strings.Join(a, "\n"))
	}
	for _, want := range []string{`NOTE:Philosopher\, Danish`, "REV:", "TEL;TYPE=HOME,VOICE:+45 33 12 34 56", "PHOTO;", "ADR;"} {
		if !strings.Contains(after, want) {
			t.Errorf("the card lacks %q:\n%s", want, after)
		}
	}
}

// A card edited on the server between the sync's read and its write is not
// overwritten: the conditional upload fails (412), the card is fetched
// again, and the conflict is decided (here: the server's edit is newer).
func TestSyncPreconditionFailed(t *testing.T) {
	e := newSyncEnv(t)
	e.rad.put("ann.vcf", card("ann-uid", "Ann", "+45 20 12 34 56", "NOTE:first"))
	e.sync()
	e.must("edit", "+4520123456", "--note", "local note")
	var once sync.Once
	e.rad.onPut = func(r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/ann.vcf") {
			return
		}
		once.Do(func() {
			e.rad.put("ann.vcf", card("ann-uid", "Ann", "+45 20 12 34 56", "NOTE:edited on the phone", "EMAIL:ann@example.com", "REV:2999-01-01T00:00:00Z"))
		})
	}
	e.rad.reset()
	res := e.sync()
	if res.Conflicts != 1 {
		t.Fatalf("%d conflicts, want 1: %+v", res.Conflicts, res)
	}
	if got := e.rad.count("PUT"); got != 1 {
		t.Errorf("%d PUTs, want 1 (refused)", got)
	}
	got := e.rad.get("ann.vcf")
	if !strings.Contains(got, "NOTE:edited on the phone") || !strings.Contains(got, "ann@example.com") {
		t.Errorf("the server's edit was overwritten:\n%s", got)
	}
	c := e.list()["+4520123456"]
	if str(c.Note) != "edited on the phone" || str(c.Email) != "ann@example.com" {
		t.Errorf("the book after the conflict: %+v", c)
	}
	if str(res.Report[0].Local.Note) != "local note" {
		t.Errorf("the report lost the local value: %+v", res.Report[0].Local)
	}
}

// A wrong password is exit 1 with the URL and the HTTP status; nothing is
// written.
func TestSyncWrongPassword(t *testing.T) {
	e := newSyncEnv(t)
	e.add("+4520123456", "Ann")
	t.Setenv("CONTACTS_SYNC_PASSWORD", "wrong")
	r := e.run("", "sync", e.rad.URL(), "--username", "alice")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.errOut)
	}
	if !regexp.MustCompile(`^contacts: \w+ http://127\.0\.0\.1:\d+/alice/book/: HTTP 401 Unauthorized`).MatchString(r.errOut) {
		t.Errorf("stderr: %q", r.errOut)
	}
	if strings.Contains(r.errOut, "wrong") && !strings.Contains(r.errOut, "wrong user name") {
		t.Errorf("the password is in the message: %q", r.errOut)
	}
	if len(e.rad.cards()) != 0 {
		t.Error("something reached the server")
	}
}

// The server killed in the middle of a sync: exit 1, the book as it was
// (no contact changed, no sync state), and the next sync completes, with
// one card per contact.
func TestSyncServerDown(t *testing.T) {
	e := newSyncEnv(t)
	for i := 0; i < 30; i++ {
		e.add(fmt.Sprintf("+45 20 12 35 %02d", i), fmt.Sprintf("Local %02d", i))
	}
	e.rad.put("c01.vcf", card("uid-01", "Server One", "+45 20 12 33 01"))
	puts := 0
	e.rad.onPut = func(*http.Request) {
		if puts++; puts == 10 {
			e.rad.kill()
		}
	}
	r := e.run("", "sync", e.rad.URL(), "--username", "alice")
	if r.code != 1 || !strings.Contains(r.errOut, "PUT http://127.0.0.1:") {
		t.Fatalf("sync with the server killed: exit %d: %s", r.code, r.errOut)
	}
	book := e.list()
	if len(book) != 30 {
		t.Errorf("the book has %d contacts, want the 30 it had", len(book))
	}
	db, err := sql.Open("sqlite", filepath.Join(e.data, "acme.db"))
	if err != nil {
		t.Fatal(err)
	}
	var ok string
	var states int
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
		t.Errorf("integrity_check: %q, %v", ok, err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM sync_cards`).Scan(&states); err != nil || states != 0 {
		t.Errorf("%d sync states after a failed sync, %v", states, err)
	}
	db.Close()

	e.rad.onPut = nil
	e.rad.start()
	res := e.sync()
	if res.Pulled.Created != 1 || res.Pushed.Created+res.Matched != 30 {
		t.Fatalf("the sync after: %+v", res)
	}
	if n := len(e.rad.cards()); n != 31 {
		t.Errorf("the server has %d cards, want 31 (one per contact): %v", n, e.rad.cards())
	}
	if n := len(e.list()); n != 31 {
		t.Errorf("the book has %d contacts, want 31", n)
	}
	if res := e.sync(); res.Pushed.Created+res.Pulled.Created != 0 {
		t.Errorf("a third sync still changes things: %+v", res)
	}
}

// A sync that would delete more than 10% of a side stops (exit 2) and
// changes nothing, unless --yes.
func TestSyncMassDeleteGuard(t *testing.T) {
	e := newSyncEnv(t)
	for i := 0; i < 20; i++ {
		e.rad.put(fmt.Sprintf("c%02d.vcf", i), card(fmt.Sprintf("uid-%02d", i), fmt.Sprintf("Person %02d", i), fmt.Sprintf("+45 20 12 33 %02d", i)))
	}
	e.sync()
	for _, n := range []string{"c01.vcf", "c02.vcf", "c03.vcf"} {
		e.rad.remove(n)
	}
	e.must("add", "--phone", "+4520123500", "--name", "New")
	r := e.run("", "sync", e.rad.URL(), "--username", "alice")
	if r.code != 2 || !strings.Contains(r.errOut, "would delete 3 of the 21 contacts of the local book") || !strings.Contains(r.errOut, "--yes") {
		t.Fatalf("exit %d: %s", r.code, r.errOut)
	}
	if n := len(e.list()); n != 21 {
		t.Errorf("the book has %d contacts after the guard stopped, want 21", n)
	}
	if n := len(e.rad.cards()); n != 17 {
		t.Errorf("the server has %d cards after the guard stopped, want 17", n)
	}
	// --dry-run shows every change and says it would stop.
	r = e.must("sync", e.rad.URL(), "--username", "alice", "--dry-run")
	if strings.Count(r.out, "local\tdelete\t") != 3 || strings.Count(r.out, "server\tcreate\t") != 1 || !strings.Contains(r.errOut, "would stop without --yes") {
		t.Errorf("dry run:\n%s\n%s", r.out, r.errOut)
	}
	res := e.sync("--yes")
	if res.Pulled.Deleted != 3 || res.Pushed.Created != 1 {
		t.Errorf("sync --yes: %+v", res)
	}
	if n := len(e.list()); n != 18 {
		t.Errorf("the book has %d contacts, want 18", n)
	}
}

// Invalid cards, and cards whose number another contact has, are reported
// one by one and left alone on both sides; the rest syncs.
func TestSyncSkipsBadCards(t *testing.T) {
	e := newSyncEnv(t)
	e.rad.put("good.vcf", card("good", "Good", "+45 20 12 34 56"))
	e.rad.put("bad.vcf", card("bad", "Bad Number", "12"))
	e.rad.put("twin1.vcf", card("twin1", "Twin One", "+45 20 12 34 99"))
	e.rad.put("twin2.vcf", card("twin2", "Twin Two", "+45 20 12 34 99"))
	res := e.sync()
	if res.Pulled.Created != 2 || res.Skipped != 2 {
		t.Fatalf("sync: %+v", res)
	}
	var msgs []string
	for _, r := range res.Report {
		if r.Kind == "skipped" {
			msgs = append(msgs, r.Href+": "+r.Message)
		}
	}
	sort.Strings(msgs)
	if len(msgs) != 2 || !strings.Contains(msgs[0], "bad.vcf: phone:") || !strings.Contains(msgs[1], "twin2.vcf: phone: +4520123499 is also on card") {
		t.Errorf("skipped: %q", msgs)
	}
	if !strings.Contains(e.rad.get("bad.vcf"), "TEL;TYPE=CELL:12") {
		t.Error("the invalid card was changed on the server")
	}
	// Reported again by the next sync, and still left alone.
	if res := e.sync(); res.Skipped != 2 || res.Pulled.Created != 0 {
		t.Errorf("second sync: %+v", res)
	}
	// Text mode: one line per card on stderr, and the summary.
	r := e.must("sync", e.rad.URL(), "--username", "alice")
	if !strings.Contains(r.errOut, "/alice/book/bad.vcf: skipped: phone:") || !strings.Contains(r.errOut, "2 skipped") {
		t.Errorf("stderr:\n%s", r.errOut)
	}
}
