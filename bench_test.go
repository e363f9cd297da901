package contacts_test

import (
	"testing"
	"time"

	"github.com/phoneinc/contacts"
)

// phoneForms are numbers as people and phones write them, with the default
// region each needs ("" for none).
var phoneForms = []struct{ in, region string }{
	{"+45 20 12 34 56", ""},
	{"004520123456", ""},
	{"tel:+45-20-12-34-56", ""},
	{"+4520123456", ""},
	{"20 12 34 56", "DK"},
	{"(415) 555-2671", "US"},
	{"+1 415-555-2671", ""},
	{"011 44 7400 123456", "US"},
	{"07400 123456", "GB"},
	{"+49 1512 3456789", ""},
	{"06 12 34 56 78", "FR"},
	{"+46 70 123 45 67", ""},
}

// BenchmarkNormalizePhone normalizes a mix of written forms, round robin:
// the cost every add, lookup and imported row pays.
func BenchmarkNormalizePhone(b *testing.B) {
	for _, f := range phoneForms {
		if _, err := contacts.NormalizePhone(f.in, f.region); err != nil {
			b.Fatalf("%q (region %q): %v", f.in, f.region, err)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		f := phoneForms[i%len(phoneForms)]
		if _, err := contacts.NormalizePhone(f.in, f.region); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkNormalizePhoneInvalid is the error path: a number that parses
// but is not valid, so the error says why.
func BenchmarkNormalizePhoneInvalid(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := contacts.NormalizePhone("+45 00 12 34 56", ""); err == nil {
			b.Fatal("valid?")
		}
	}
}

// BenchmarkFormatPhone formats a stored E.164 number for display: what a
// listing would pay per row if phone_formatted were not stored.
func BenchmarkFormatPhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if contacts.FormatPhone("+4520123456") != "+45 20 12 34 56" {
			b.Fatal("format")
		}
	}
}

func strp(s string) *string { return &s }

// BenchmarkAppendJSON encodes one contact as a listing does, into a reused
// buffer.
func BenchmarkAppendJSON(b *testing.B) {
	t := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	for _, bc := range []struct {
		name string
		c    contacts.Contact
	}{
		{"full", contacts.Contact{ID: "01JXAMPLE0000000000000000A", Name: strp("Søren Kierkegaard"),
			Email: strp("soren.kierkegaard@example.dk"), Phone: "+4520123456", PhoneFormatted: "+45 20 12 34 56",
			CompanyName: strp("Stephenson & Sons ApS"),
			Note:        strp("Prefers email. Call after 14:00.\nWants a quote for 50 licences, \"ASAP\".\tOwes us €1,250 — be polite."),
			CreatedAt:   t, UpdatedAt: t.Add(time.Hour)}},
		{"sparse", contacts.Contact{ID: "01JXAMPLE0000000000000000B", Phone: "+14155552671",
			PhoneFormatted: "+1 415-555-2671", CreatedAt: t, UpdatedAt: t}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			buf := bc.c.AppendJSON(nil)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = bc.c.AppendJSON(buf[:0])
			}
		})
	}
}
