package contacts_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
)

// The fuzz targets of the domain: every way in (the CLI, the importer, the
// HTTP server) goes through these functions, so their properties hold for
// all of them. A plain `go test` runs the seeds (f.Add and
// testdata/fuzz/<Target>/); `make test` fuzzes each target for a few
// seconds, `make fuzz` for longer:
//
//	go test . -run '^$' -fuzz '^FuzzNormalizePhone$' -fuzztime 60s -fuzzminimizetime 0
//
// See docs/RELIABILITY.md.

// fuzzRegions are the default regions a fuzzed number is read in: "" (no
// default region), regions with national prefixes and trunk codes that
// differ, and regions whose international prefix is not 00.
var fuzzRegions = []string{"", "DK", "US", "GB", "DE", "FR", "SE", "NL", "JP", "IN", "BR", "AU", "RU", "IT", "CN", "ZA", "MX", "IL", "AR", "KR"}

// FuzzNormalizePhone: NormalizePhone never panics, and what it accepts is a
// fixed point: the E.164 form and the formatted form both re-normalize to
// the same number (in any region), FormatPhone of the E.164 form is the
// formatted form, and the QuickE164 probe never names a different stored
// number than NormalizePhone would.
func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{
		"+4520123456", "+45 20 12 34 56", "(+45) 2012 3456", "tel:+45-20-12-34-56", "TEL:+45.20.12.34.56;phone-context=x",
		"20 12 34 56", "004520123456", "011 45 20 12 34 56", "(415) 555-2671", "+1 415 555 2671", "1-415-555-2671",
		"+44 (0)7400 123456", "07400 123456", "0151/23456789", "+٤٥٢٠١٢٣٤٥٦", "＋４５２０１２３４５６", "+45\u00a020\u00a012\u00a034\u00a056",
		"+4520123456 ext. 12", "+4520123456x12", "tel:+4520123456;ext=1", "+45 20 12 34 5", "+45 20 12 34 567", "+999 1234",
		"++4520123456", "+45+20123456", "", " ", "+", "00", "0", "tel:", "abc", "+45 2O 12 34 56", "\x00", "\xff\xfe",
		"+800 1234 5678", "+882 1234 5678", "+1 800 356 9377", "+86 10 1234 5678", "+7 495 123-45-67", "+61 2 1234 5678",
		strings.Repeat("1", 251), "+" + strings.Repeat("9", 30), "+1 (0) 415 555 2671", "+39 06 1234 5678", "+3906 1234 5678",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, raw string, r uint8) {
		region := fuzzRegions[int(r)%len(fuzzRegions)]
		p, err := contacts.NormalizePhone(raw, region)
		q, quick := contacts.QuickE164(raw, region)
		if quick {
			// A probe key that is itself a canonical number may be found
			// in a book; then NormalizePhone must give that same number.
			if c, cerr := contacts.NormalizePhone(q, ""); cerr == nil && c.E164 == q {
				if err != nil {
					t.Fatalf("QuickE164(%q, %q) = %q, a valid number, but NormalizePhone refuses the input: %v", raw, region, q, err)
				}
				if p.E164 != q {
					t.Fatalf("QuickE164(%q, %q) = %q, but NormalizePhone gives %q", raw, region, q, p.E164)
				}
			}
		}
		if err != nil {
			if code := contacts.ErrorCode(err); code != contacts.EINVALID {
				t.Fatalf("NormalizePhone(%q, %q): error code %q, want %q: %v", raw, region, code, contacts.EINVALID, err)
			}
			if contacts.ErrorField(err) != "phone" || !utf8.ValidString(err.Error()) {
				t.Fatalf("NormalizePhone(%q, %q): error %q does not name the field phone, or is not UTF-8", raw, region, err)
			}
			return
		}
		checkE164(t, raw, p.E164)
		for _, again := range []string{p.E164, p.Formatted} {
			for _, rg := range []string{"", region, "US", "DK"} {
				p2, err := contacts.NormalizePhone(again, rg)
				if err != nil {
					t.Fatalf("NormalizePhone(%q, %q) = %q, but %q in region %q is refused: %v", raw, region, p.E164, again, rg, err)
				}
				if p2 != p {
					t.Fatalf("NormalizePhone(%q, %q) = %+v, but %q in region %q gives %+v", raw, region, p, again, rg, p2)
				}
			}
		}
		if got := contacts.FormatPhone(p.E164); got != p.Formatted {
			t.Fatalf("FormatPhone(%q) = %q, want %q", p.E164, got, p.Formatted)
		}
		if len(p.E164) > 16 {
			t.Fatalf("NormalizePhone(%q, %q) = %q: %d digits, more than the 15 of E.164", raw, region, p.E164, len(p.E164)-1)
		}
		if q2, ok := contacts.QuickE164(p.E164, ""); !ok || q2 != p.E164 {
			t.Fatalf("QuickE164(%q) = %q, %v: a stored number must probe as itself", p.E164, q2, ok)
		}
	})
}

// checkE164 checks the shape of a stored number: "+", a first digit that
// is not 0, digits.
func checkE164(t *testing.T, raw, e164 string) {
	t.Helper()
	if len(e164) < 3 || e164[0] != '+' || e164[1] == '0' {
		t.Fatalf("NormalizePhone(%q) = %q: not E.164", raw, e164)
	}
	for _, c := range e164[1:] {
		if c < '0' || c > '9' {
			t.Fatalf("NormalizePhone(%q) = %q: not E.164", raw, e164)
		}
	}
}

// fuzzPhone is a valid number for the targets that fuzz other fields.
const fuzzPhone = "+4520123456"

// FuzzValidateEmail: an e-mail address that a contact accepts is stored
// trimmed, holds exactly one @, is valid UTF-8 without spaces or control
// characters, is at most 254 bytes, and validates again as stored.
func FuzzValidateEmail(f *testing.F) {
	for _, s := range []string{
		"ada@example.com", " ada@example.com\t", "ADA@Example.COM", "a.b+c@sub.example.co.uk", "ada@localhost", "ada@",
		"@example.com", "ada", "Ada <ada@example.com>", "ada@example.com (Ada)", "\"ada\"@example.com", "a@b@example.com",
		"ada@exa mple.com", "ada@-example.com", "ada@example-.com", "ada@example..com", "ada@.example.com", "ada@example.com.",
		"ada@[127.0.0.1]", "ada@éxample.com", "ädä@example.com", "ada\x00@example.com", "ada@example.com\n", "ada@ex\u202eample.com",
		strings.Repeat("a", 64) + "@example.com", strings.Repeat("a", 65) + "@example.com", "a@" + strings.Repeat("b", 250) + ".com",
		"'; DROP TABLE contacts; --@example.com", "x'--@example.com", "=cmd|' /C calc'!A0@example.com", "\xff@example.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := contacts.Prepare(nil, contacts.NewContact{Phone: fuzzPhone, Email: s}.Update(), "")
		if err != nil {
			if code := contacts.ErrorCode(err); code != contacts.EINVALID || contacts.ErrorField(err) != "email" {
				t.Fatalf("email %q: error %q (code %q, field %q), want an invalid email", s, err, code, contacts.ErrorField(err))
			}
			return
		}
		if c.Email == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("email %q: accepted as not set", s)
			}
			return
		}
		e := *c.Email
		switch {
		case e != strings.TrimSpace(s):
			t.Fatalf("email %q stored as %q, want it trimmed", s, e)
		case strings.Count(e, "@") != 1:
			t.Fatalf("email %q stored as %q: not exactly one @", s, e)
		case !utf8.ValidString(e):
			t.Fatalf("email %q stored as %q: not UTF-8", s, e)
		case len(e) > contacts.MaxEmailLen:
			t.Fatalf("email %q stored as %q: %d bytes, more than %d", s, e, len(e), contacts.MaxEmailLen)
		case strings.ContainsFunc(e, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) }):
			t.Fatalf("email %q stored as %q: holds a control, space or invisible format character", s, e)
		}
		if err := contacts.ValidateEmail(e); err != nil {
			t.Fatalf("email %q stored as %q, which does not validate again: %v", s, e, err)
		}
		if c2, err := contacts.Prepare(c, (contacts.ContactUpdate{Email: &e}), ""); err != nil || c2.Email == nil || *c2.Email != e {
			t.Fatalf("email %q: an edit to the stored value %q changes it: %v", s, e, err)
		}
	})
}

// FuzzValidateCompany: a company name that is accepted names a plain file
// directly inside the data directory, whatever the platform: ASCII
// letters, digits, '.', '_' and '-' only, no separator, no leading dot (so
// never "." or ".."), at most 64 characters. ".." inside a name ("a..b")
// is allowed, as the company names' alphabet allows it: "a..b.db" is a plain
// file of the data directory. And an API key secret names a valid company
// or none.
func FuzzValidateCompany(f *testing.F) {
	for _, s := range []string{
		"acme", "default", "Acme_Corp-2.0", "a..b", "a.", "..", ".", "../x", "../../etc/passwd", "/abs", "/", "a/../../b",
		"a/b", "a\\b", "C:\\x", "C:", "c:x", "\\\\server\\share", "ａcme", "acme\u2024", "acme\u0338", "a\x00b", "\x00", "",
		" acme", "acme ", "-acme", "_acme", ".hidden", "con", "NUL", "a\u202eb", "ǅ", "İstanbul", strings.Repeat("a", 64),
		strings.Repeat("a", 65), "'; DROP TABLE contacts; --", "%2e%2e", "acme.db", "acme\n",
		"ck_acme_" + strings.Repeat("a", 52), "ck_a_b_" + strings.Repeat("2", 52), "ck_.._" + strings.Repeat("a", 52),
		"ck__" + strings.Repeat("a", 52), "ck_acme_" + strings.Repeat("A", 52), "ck_acme_" + strings.Repeat("a", 51),
	} {
		f.Add(s)
	}
	dir := filepath.Join(f.TempDir(), "data")
	f.Fuzz(func(t *testing.T, name string) {
		if company, ok := contacts.APIKeyCompany(name); ok {
			if err := contacts.ValidateCompany(company); err != nil {
				t.Fatalf("APIKeyCompany(%q) = %q, which is not a valid company: %v", name, company, err)
			}
			if !strings.HasPrefix(name, contacts.APIKeyPrefix+company+"_") {
				t.Fatalf("APIKeyCompany(%q) = %q, which the secret does not name", name, company)
			}
		}
		err := contacts.ValidateCompany(name)
		if err != nil {
			if code := contacts.ErrorCode(err); code != contacts.EUSAGE || contacts.ErrorField(err) != "company" {
				t.Fatalf("company %q: error %q (code %q), want a usage error on company", name, err, code)
			}
			if !utf8.ValidString(err.Error()) || strings.ContainsFunc(err.Error(), unicode.IsControl) {
				t.Fatalf("company %q: the error %q holds a raw control character", name, err)
			}
			return
		}
		switch {
		case name == "" || len(name) > contacts.MaxCompanyLen:
			t.Fatalf("company %q accepted: empty or longer than %d", name, contacts.MaxCompanyLen)
		case strings.ContainsAny(name, "/\\:\x00"):
			t.Fatalf("company %q accepted: holds a separator, a colon or NUL", name)
		case filepath.Clean(name) != name:
			// "a..b" is a plain name and stays; "..", "a/.." are not.
			t.Fatalf("company %q accepted: not a clean path element", name)
		case name[0] == '.' || name[0] == '-' || name[0] == '_':
			t.Fatalf("company %q accepted: starts with %q", name, name[0])
		}
		for _, c := range []byte(name) {
			if c >= utf8.RuneSelf || !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				t.Fatalf("company %q accepted: holds %q", name, c)
			}
		}
		file := name + ".db"
		path := filepath.Join(dir, file)
		if !filepath.IsLocal(file) || filepath.Dir(path) != dir || filepath.Base(path) != file {
			t.Fatalf("company %q: its book %q is not a file directly inside %q", name, path, dir)
		}
		if rel, err := filepath.Rel(dir, path); err != nil || rel != file {
			t.Fatalf("company %q: its book %q resolves to %q outside %q", name, path, rel, dir)
		}
	})
}

// FuzzContactJSON: the hand-written JSON of a contact (AppendJSON, which
// every listing and the server use) is valid JSON that decodes to exactly
// the stored text, and carries no raw control or bidi character that a
// terminal would act on; and what Prepare accepts, Validate (the store's
// last check) accepts too.
func FuzzContactJSON(f *testing.F) {
	for _, s := range []string{
		"Ada", "Ø Æ Å", "line\nbreak\ttab", "quote \" backslash \\", "\u2028\u2029", "\u202egnp.exe", "\u00ad\u200b\ufeff",
		"emoji 😀", "<script>&amp;", "\x7f", "\u0085", "a\r\nb", strings.Repeat("x", 1000), "'; DROP TABLE contacts; --",
	} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, name, note string) {
		c, err := contacts.Prepare(nil, contacts.NewContact{Phone: fuzzPhone, Name: name, CompanyName: name, Note: note}.Update(), "")
		if err != nil {
			return
		}
		c.ID = contacts.NewID()
		b := c.AppendJSON(nil)
		if !json.Valid(b) {
			t.Fatalf("not valid JSON: %s", b)
		}
		for i, r := range string(b) {
			if contacts.Invisible(r) {
				t.Fatalf("raw %U at byte %d of %q", r, i, b)
			}
		}
		var got map[string]*string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]*string{"name": c.Name, "company_name": c.CompanyName, "note": c.Note, "email": nil} {
			if (got[k] == nil) != (want == nil) || want != nil && *got[k] != *want {
				t.Fatalf("%s: %q decodes back as %q", k, deref(want), deref(got[k]))
			}
		}
		// What Prepare makes is what a store accepts as stored form.
		c.CreatedAt = time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
		c.UpdatedAt = c.CreatedAt
		if err := c.Validate(); err != nil {
			t.Fatalf("a prepared contact does not validate: %v", err)
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}
