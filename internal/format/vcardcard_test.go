package format

import (
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
)

// A phone's card: folded lines, a group, several numbers, lower-case
// parameters, properties contacts does not hold.
const phoneCardText = "BEGIN:VCARD\r\n" +
	"VERSION:3.0\r\n" +
	"PRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n" +
	"N:Kierkegaard;Søren;;;\r\n" +
	"FN:Søren Kierkegaard\r\n" +
	"ORG:Filosofi ApS;Ethics\r\n" +
	"item1.TEL;type=CELL;type=VOICE;type=pref:+45 20 99 88 77\r\n" +
	"item1.X-ABLabel:mobile\r\n" +
	"TEL;type=HOME;type=VOICE:+45 33 12 34 56\r\n" +
	"EMAIL;type=INTERNET:soren@example.dk\r\n" +
	"ADR;type=HOME:;;Nørregade 1;København;;1165;Denmark\r\n" +
	"PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQN\r\n" +
	" DAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwL\r\n" +
	"NOTE:Philosopher\r\n" +
	"UID:phone-card-1\r\n" +
	"END:VCARD\r\n"

func sp(s string) *string { return &s }

func TestPatchCard(t *testing.T) {
	base := func() *contacts.Contact {
		return &contacts.Contact{ID: "01J00000000000000000000001", Name: sp("Søren Kierkegaard"), Email: sp("soren@example.dk"),
			Phone: "+4520998877", CompanyName: sp("Filosofi ApS"), Note: sp("Philosopher"),
			CreatedAt: time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC), UpdatedAt: time.Date(2026, 6, 11, 9, 30, 0, 0, time.UTC)}
	}
	for _, tc := range []struct {
		name    string
		text    string
		edit    func(c *contacts.Contact)
		changed []string // the lines that differ, before -> after ("" for none)
	}{
		{"unchanged", phoneCardText, func(c *contacts.Contact) {}, nil},
		{"note", phoneCardText, func(c *contacts.Contact) { c.Note = sp("Philosopher, Danish") },
			[]string{"NOTE:Philosopher -> NOTE:Philosopher\\, Danish", " -> REV:2026-06-11T09:30:00Z"}},
		{"note removed", phoneCardText, func(c *contacts.Contact) { c.Note = nil },
			[]string{"NOTE:Philosopher -> ", " -> REV:2026-06-11T09:30:00Z"}},
		{"phone", phoneCardText, func(c *contacts.Contact) { c.Phone = "+4520123456" },
			[]string{"item1.TEL;type=CELL;type=VOICE;type=pref:+45 20 99 88 77 -> item1.TEL;type=CELL;type=VOICE;type=pref:+4520123456", " -> REV:2026-06-11T09:30:00Z"}},
		{"email", phoneCardText, func(c *contacts.Contact) { c.Email = sp("s@example.com") },
			[]string{"EMAIL;type=INTERNET:soren@example.dk -> EMAIL;type=INTERNET:s@example.com", " -> REV:2026-06-11T09:30:00Z"}},
		{"company keeps its unit", phoneCardText, func(c *contacts.Contact) { c.CompanyName = sp("Acme; Inc.") },
			[]string{"ORG:Filosofi ApS;Ethics -> ORG:Acme\\; Inc.;Ethics", " -> REV:2026-06-11T09:30:00Z"}},
		{"name", phoneCardText, func(c *contacts.Contact) { c.Name = sp("Søren Aabye Kierkegaard") },
			[]string{"N:Kierkegaard;Søren;;; -> N:Kierkegaard;Søren Aabye;;;", "FN:Søren Kierkegaard -> FN:Søren Aabye Kierkegaard", " -> REV:2026-06-11T09:30:00Z"}},
		{"4.0 tel: URI and an existing REV", "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Ann\r\nTEL;VALUE=uri;TYPE=cell:tel:+45-20-12-34-56\r\nREV:20200101T000000Z\r\nEND:VCARD\r\n",
			func(c *contacts.Contact) {
				c.Name, c.Email, c.CompanyName, c.Note, c.Phone = sp("Ann"), nil, nil, nil, "+4520123457"
			},
			[]string{"TEL;VALUE=uri;TYPE=cell:tel:+45-20-12-34-56 -> TEL;VALUE=uri;TYPE=cell:tel:+4520123457", "REV:20200101T000000Z -> REV:20260611T093000Z"}},
		{"email added", "BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL:+4520123456\nEND:VCARD\n",
			func(c *contacts.Contact) {
				c.Name, c.Email, c.CompanyName, c.Note, c.Phone = sp("Ann"), sp("ann@example.com"), nil, nil, "+4520123456"
			},
			[]string{" -> EMAIL;TYPE=INTERNET:ann@example.com", " -> REV:2026-06-11T09:30:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := base()
			if !strings.Contains(tc.text, "Kierkegaard") {
				c = &contacts.Contact{ID: c.ID, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
			}
			tc.edit(c)
			out, changed, err := PatchCard([]byte(tc.text), c, "DK")
			if err != nil {
				t.Fatal(err)
			}
			if changed != (tc.changed != nil) {
				t.Fatalf("changed=%v, want %v", changed, tc.changed != nil)
			}
			want := append([]string(nil), tc.changed...)
			sortStrings(want)
			got := lineDiff(strings.ReplaceAll(tc.text, "\r\n", "\n"), strings.ReplaceAll(string(out), "\r\n", "\n"))
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("changed lines:\n%s\nwant:\n%s\ncard:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), out)
			}
			if changed && !strings.HasSuffix(string(out), "END:VCARD\r\n") {
				t.Errorf("card does not end with END:VCARD and CRLF:\n%q", out)
			}
			// It reads back as the contact.
			rec, err := ReadCard(out, "card")
			if err != nil {
				t.Fatal(err)
			}
			back, err := contacts.Prepare(nil, contacts.NewContact{Name: rec.Name, Email: rec.Email, Phone: rec.Phone, CompanyName: rec.CompanyName, Note: rec.Note}.Update(), "DK")
			if err != nil {
				t.Fatal(err)
			}
			if deref(back.Name) != deref(c.Name) || deref(back.Email) != deref(c.Email) || back.Phone != c.Phone ||
				deref(back.CompanyName) != deref(c.CompanyName) || deref(back.Note) != deref(c.Note) {
				t.Errorf("reads back as %+v, want %+v", back, c)
			}
		})
	}
}

// lineDiff lists the lines of b not in a as " -> line", those of a not in
// b as "line -> ", and a line replaced in place as "old -> new", sorted.
func lineDiff(a, b string) []string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	inA, inB := map[string]bool{}, map[string]bool{}
	for _, l := range al {
		inA[l] = true
	}
	for _, l := range bl {
		inB[l] = true
	}
	var gone, added []string
	for _, l := range al {
		if !inB[l] {
			gone = append(gone, l)
		}
	}
	for _, l := range bl {
		if !inA[l] {
			added = append(added, l)
		}
	}
	var out []string
	// Pair a removed line with an added one of the same property.
	for _, g := range gone {
		paired := false
		for i, ad := range added {
			if ad != "" && propertyName([]byte(ad)) == propertyName([]byte(g)) {
				out = append(out, g+" -> "+ad)
				added[i] = ""
				paired = true
				break
			}
		}
		if !paired {
			out = append(out, g+" -> ")
		}
	}
	for _, ad := range added {
		if ad != "" {
			out = append(out, " -> "+ad)
		}
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
