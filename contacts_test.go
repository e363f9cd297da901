package contacts_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
)

func ptr(s string) *string { return &s }

func TestNewContactPrepare(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		c, err := contacts.Prepare(nil, contacts.NewContact{
			Name: "  Niklas Stephenson ", Email: " niklas@stephenson.dk ", Phone: "+45 20 12 34 56",
			CompanyName: "Stephenson ApS\t", Note: "line one\r\nline two\n",
		}.Update(), "")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := *c.Name, "Niklas Stephenson"; got != want {
			t.Errorf("Name=%q, want %q", got, want)
		}
		if got, want := *c.Email, "niklas@stephenson.dk"; got != want {
			t.Errorf("Email=%q, want %q", got, want)
		}
		if got, want := *c.CompanyName, "Stephenson ApS"; got != want {
			t.Errorf("CompanyName=%q, want %q", got, want)
		}
		if got, want := *c.Note, "line one\nline two\n"; got != want {
			t.Errorf("Note=%q, want %q", got, want)
		}
		if got, want := c.Phone, "+4520123456"; got != want {
			t.Errorf("Phone=%q, want %q", got, want)
		}
	})
	t.Run("EmptyMeansNotSet", func(t *testing.T) {
		c, err := contacts.Prepare(nil, contacts.NewContact{Name: "  ", Email: "", Phone: "+4520123456", CompanyName: "", Note: " \n "}.Update(), "")
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != nil || c.Email != nil || c.CompanyName != nil || c.Note != nil {
			t.Errorf("optional fields set: %+v", c)
		}
	})

	long := func(n int) string { return strings.Repeat("å", n) }
	tests := []struct {
		name  string
		in    contacts.NewContact
		field string
		why   string
	}{
		{"ErrPhoneRequired", contacts.NewContact{Name: "Ann"}, "phone", "required"},
		{"ErrPhoneInvalid", contacts.NewContact{Phone: "+45 2012"}, "phone", "too short"},
		{"ErrEmailNoAt", contacts.NewContact{Phone: "+4520123456", Email: "ann.example.com"}, "email", "no @"},
		{"ErrEmailDisplayName", contacts.NewContact{Phone: "+4520123456", Email: "Ann <ann@example.com>"}, "email", "plain address"},
		{"ErrEmailNoTLD", contacts.NewContact{Phone: "+4520123456", Email: "ann@localhost"}, "email", "dot"},
		{"ErrEmailTooLong", contacts.NewContact{Phone: "+4520123456", Email: strings.Repeat("a", 60) + "@" + strings.Repeat("b", 190) + ".com"}, "email", "too long"},
		{"ErrNoteTooLong", contacts.NewContact{Phone: "+4520123456", Note: long(10001)}, "note", "10001 characters, at most 10000"},
		{"ErrNameTooLong", contacts.NewContact{Phone: "+4520123456", Name: long(1001)}, "name", "at most 1000"},
		{"ErrCompanyTooLong", contacts.NewContact{Phone: "+4520123456", CompanyName: long(1001)}, "company_name", "at most 1000"},
		{"ErrNameEscape", contacts.NewContact{Phone: "+4520123456", Name: "Ann\x1b[2J"}, "name", "U+001B"},
		{"ErrNoteBell", contacts.NewContact{Phone: "+4520123456", Note: "ding\a"}, "note", "U+0007"},
		{"ErrNoteLoneCR", contacts.NewContact{Phone: "+4520123456", Note: "a\rb"}, "note", "U+000D"},
		{"ErrNoteC1", contacts.NewContact{Phone: "+4520123456", Note: "a\u009bb"}, "note", "U+009B"},
		{"ErrCompanyNUL", contacts.NewContact{Phone: "+4520123456", CompanyName: "Acme\x00"}, "company_name", "U+0000"},
		{"ErrNameInvalidUTF8", contacts.NewContact{Phone: "+4520123456", Name: "Ann\xff"}, "name", "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := contacts.Prepare(nil, tt.in.Update(), "")
			if got, want := contacts.ErrorCode(err), contacts.EINVALID; got != want {
				t.Fatalf("code=%q (%v), want %q", got, err, want)
			}
			if got, want := contacts.ErrorField(err), tt.field; got != want {
				t.Errorf("field=%q, want %q", got, want)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, tt.field+": ") || !strings.Contains(msg, tt.why) {
				t.Errorf("message %q does not name %q and say %q", msg, tt.field, tt.why)
			}
		})
	}
	t.Run("NoteLimitIsCharacters", func(t *testing.T) {
		// 10,000 two-byte characters are 20,000 bytes: still allowed.
		if _, err := contacts.Prepare(nil, (contacts.NewContact{Phone: "+4520123456", Note: long(10000)}).Update(), ""); err != nil {
			t.Fatal(err)
		}
		// CRLF counts as one character once stored as LF.
		if _, err := contacts.Prepare(nil, (contacts.NewContact{Phone: "+4520123456", Note: strings.Repeat("a\r\n", 5000)}).Update(), ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("TabAndNewlineAllowed", func(t *testing.T) {
		c, err := contacts.Prepare(nil, contacts.NewContact{Phone: "+4520123456", Note: "a\tb\nc"}.Update(), "")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := *c.Note, "a\tb\nc"; got != want {
			t.Errorf("Note=%q, want %q", got, want)
		}
	})
}

func TestValidateEmail(t *testing.T) {
	for _, ok := range []string{"ann@example.com", "ann+tag@example.co.uk", "a.b-c_d@sub.example.dk", "søren@example.dk", "x@bücher.de"} {
		if err := contacts.ValidateEmail(ok); err != nil {
			t.Errorf("ValidateEmail(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"ann", "@example.com", "ann@", "ann@localhost", "ann@example", "<ann@example.com>",
		"Ann <ann@example.com>", "ann@example.com (Ann)", `"ann jensen"@example.com`, "ann@[192.168.0.1]",
		"ann@-example.com", "ann@exa_mple.com", "a..b@example.com", "ann.@example.com", "ann@example..com",
		"ann@example.com.", "a@x.com, b@x.com", "ann @example.com", strings.Repeat("a", 65) + "@example.com"} {
		err := contacts.ValidateEmail(bad)
		if got, want := contacts.ErrorCode(err), contacts.EINVALID; got != want {
			t.Errorf("ValidateEmail(%q) code=%q, want %q", bad, got, want)
		}
		if got, want := contacts.ErrorField(err), "email"; got != want {
			t.Errorf("ValidateEmail(%q) field=%q, want %q", bad, got, want)
		}
	}
}

func TestContactUpdateApply(t *testing.T) {
	base, err := contacts.Prepare(nil, contacts.NewContact{Name: "Ann", Email: "ann@example.com", Phone: "+4520123456", Note: "hi"}.Update(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("ChangesOnlyGivenFields", func(t *testing.T) {
		c, err := contacts.Prepare(base, contacts.ContactUpdate{Note: ptr("bye"), CompanyName: ptr(" Acme ")}, "")
		if err != nil {
			t.Fatal(err)
		}
		if *c.Note != "bye" || *c.CompanyName != "Acme" || *c.Name != "Ann" || *c.Email != "ann@example.com" {
			t.Errorf("got %+v", c)
		}
		if *base.Note != "hi" {
			t.Errorf("Apply changed its input")
		}
	})
	t.Run("EmptyClears", func(t *testing.T) {
		c, err := contacts.Prepare(base, contacts.ContactUpdate{Name: ptr(""), Email: ptr("")}, "")
		if err != nil {
			t.Fatal(err)
		}
		if c.Name != nil || c.Email != nil {
			t.Errorf("not cleared: %+v", c)
		}
	})
	t.Run("Phone", func(t *testing.T) {
		c, err := contacts.Prepare(base, contacts.ContactUpdate{Phone: ptr("(415) 555-2671")}, "US")
		if err != nil {
			t.Fatal(err)
		}
		if c.Phone != "+14155552671" || c.PhoneFormatted != "+1 415-555-2671" {
			t.Errorf("phone %q %q", c.Phone, c.PhoneFormatted)
		}
	})
	t.Run("ErrPhoneCleared", func(t *testing.T) {
		_, err := contacts.Prepare(base, contacts.ContactUpdate{Phone: ptr("")}, "")
		if contacts.ErrorCode(err) != contacts.EINVALID || contacts.ErrorField(err) != "phone" {
			t.Errorf("err=%v", err)
		}
	})
	if !(contacts.ContactUpdate{}).Empty() || (contacts.ContactUpdate{Note: ptr("")}).Empty() {
		t.Errorf("Empty is wrong")
	}
}

func TestParseID(t *testing.T) {
	id := contacts.NewID()
	if len(id) != 26 || strings.ToUpper(id) != id {
		t.Fatalf("NewID()=%q", id)
	}
	if got, ok := contacts.ParseID(strings.ToLower(id)); !ok || got != id {
		t.Errorf("ParseID(lower)=%q,%v", got, ok)
	}
	for _, bad := range []string{"", "nope", id[:25], id + "0", "01ARZ3NDEKTSV4RRFFQ69G5FAU", "01ARZ3NDEKTSV4RRFFQ69G5FAL", "81ARZ3NDEKTSV4RRFFQ69G5FAV", "+4520123456"} {
		if _, ok := contacts.ParseID(bad); ok {
			t.Errorf("ParseID(%q) ok", bad)
		}
	}
	// Ids made by one process sort in the order they were made.
	prev := contacts.NewID()
	for i := 0; i < 1000; i++ {
		next := contacts.NewID()
		if next <= prev {
			t.Fatalf("%s after %s", next, prev)
		}
		prev = next
	}
}

func TestContactJSON(t *testing.T) {
	ts := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	c := &contacts.Contact{ID: "01JVWX0000000000000000000A", Name: ptr("Niklas \"N\" <Stephenson> & co\n\x01\u2028"),
		Phone: "+4520123456", PhoneFormatted: "+45 20 12 34 56", Note: ptr("bad \xff byte"), CreatedAt: ts, UpdatedAt: ts.Add(time.Hour)}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"01JVWX0000000000000000000A","name":"Niklas \"N\" \u003cStephenson\u003e \u0026 co\n\u0001\u2028","email":null,"phone":"+4520123456","phone_formatted":"+45 20 12 34 56","company_name":null,"note":"bad \ufffd byte","created_at":"2026-06-10T10:00:00Z","updated_at":"2026-06-10T11:00:00Z"}`
	if got := string(b); got != want {
		t.Errorf("json.Marshal=\n%s\nwant\n%s", got, want)
	}
	// Our own encoder's output is what encoding/json reads back.
	var back map[string]any
	if err := json.Unmarshal(c.AppendJSONIndent(nil, "", "  "), &back); err != nil {
		t.Fatal(err)
	}
	if got, want := back["name"], *c.Name; got != want {
		t.Errorf("name round trip %q, want %q", got, want)
	}
	if back["email"] != nil || back["created_at"] != "2026-06-10T10:00:00Z" {
		t.Errorf("decoded %v", back)
	}
	keys := strings.Split(strings.TrimSpace(string(c.AppendJSONIndent(nil, "", "  "))), "\n")
	if len(keys) != 11 {
		t.Fatalf("indented JSON has %d lines, want 11", len(keys))
	}
	for i, f := range contacts.Fields {
		if !strings.HasPrefix(strings.TrimSpace(keys[i+1]), `"`+f+`": `) {
			t.Errorf("line %d = %q, want key %q", i+1, keys[i+1], f)
		}
	}
}

func TestValidateCompany(t *testing.T) {
	for _, ok := range []string{"default", "acme", "Acme-Corp_2.0", "0day", strings.Repeat("a", 64)} {
		if err := contacts.ValidateCompany(ok); err != nil {
			t.Errorf("ValidateCompany(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", "/etc/passwd", ".hidden", "-flag", "_x", "a b", "a\x00b",
		"ａcme", "acme\u2215x", strings.Repeat("a", 65), "a\\b", "C:"} {
		err := contacts.ValidateCompany(bad)
		if got, want := contacts.ErrorCode(err), contacts.EUSAGE; got != want {
			t.Errorf("ValidateCompany(%q) code=%q, want %q", bad, got, want)
		}
	}
}

func TestContactValidate(t *testing.T) {
	ts := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	good := func() *contacts.Contact {
		return &contacts.Contact{ID: contacts.NewID(), Phone: "+4520123456", PhoneFormatted: "+45 20 12 34 56",
			Name: ptr("Ann"), CreatedAt: ts, UpdatedAt: ts}
	}
	if err := good().Validate(); err != nil {
		t.Fatal(err)
	}
	tests := map[string]func(c *contacts.Contact){
		"id":           func(c *contacts.Contact) { c.ID = "x" },
		"phone":        func(c *contacts.Contact) { c.Phone = "+45 20 12 34 56" },
		"name":         func(c *contacts.Contact) { c.Name = ptr(" Ann") },
		"email":        func(c *contacts.Contact) { c.Email = ptr("nope") },
		"note":         func(c *contacts.Contact) { c.Note = ptr("a\x1bb") },
		"updated_at":   func(c *contacts.Contact) { c.UpdatedAt = ts.Add(-time.Second) },
		"created_at":   func(c *contacts.Contact) { c.CreatedAt = time.Time{} },
		"company_name": func(c *contacts.Contact) { c.CompanyName = ptr("") },
	}
	for field, mutate := range tests {
		c := good()
		mutate(c)
		if got := contacts.ErrorField(c.Validate()); got != field {
			t.Errorf("%s: field=%q (%v)", field, got, c.Validate())
		}
	}
}
