package contacts_test

import (
	"slices"
	"testing"

	"github.com/phoneinc/contacts"
)

func TestFoldWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"Niklas Hansen", []string{"niklas", "hansen"}},
		{"Åse Müller-Berg", []string{"ase", "muller", "berg"}},
		{"  O'Brien, Zoë ", []string{"o", "brien", "zoe"}},
		{"Ærø 42b", []string{"aero", "42b"}},
		{"Søren Straße", []string{"soren", "strasse"}},
		{"ÉCOLE", []string{"ecole"}},
		{"---", nil},
	}
	for _, tt := range tests {
		if got := contacts.FoldWords(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("FoldWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWordsStartWith(t *testing.T) {
	tests := []struct {
		text, typed string
		want        bool
	}{
		{"Niklas Hansen", "nik", true},
		{"Niklas Hansen", "NIK", true},
		{"Niklas Hansen", "han", true},
		{"Niklas Hansen", "nik han", true},
		{"Niklas Hansen", "hansen niklas", true},
		{"Niklas Hansen", "ik", false},
		{"Niklas Hansen", "nik nik", false}, // two typed words need two words
		{"Niklas Nielsen", "n niklas", true},
		{"Niklas Hansen", "nik x", false},
		{"Åse Berg", "ase", true},
		{"Søren Kierkegaard", "soren", true}, // as the search reads ø
		{"Søren Kierkegaard", "sør", true},
		{"Łukasz", "luk", true},
		{"Ase Berg", "åse", true},
		{"Müller-Berg", "berg", true},
		{"Niklas", "", false},
		{"Niklas", " ", false},
		{"", "n", false},
	}
	for _, tt := range tests {
		if got := contacts.WordsStartWith(tt.text, tt.typed); got != tt.want {
			t.Errorf("WordsStartWith(%q, %q) = %v, want %v", tt.text, tt.typed, got, tt.want)
		}
	}
}

func TestIDPrefix(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"01j", "01J", true},
		{"01JABCDEFGH", "01JABCDEFGH", true},
		{"7zzzzzzzzzzzzzzzzzzzzzzzzz", "7ZZZZZZZZZZZZZZZZZZZZZZZZZ", true},
		{"", "", false},
		{"8", "", false},    // beyond a ULID's time
		{"anna", "", false}, // ids start with a digit
		{"01i", "", false},  // I, L, O, U are not in the alphabet
		{"01-", "", false},
		{"01JABCDEFGHJKMNPQRSTVWXYZ0", "01JABCDEFGHJKMNPQRSTVWXYZ0", true},
		{"01JABCDEFGHJKMNPQRSTVWXYZ00", "", false}, // longer than an id
	}
	for _, tt := range tests {
		got, ok := contacts.IDPrefix(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("IDPrefix(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestContactFilterPrefixed(t *testing.T) {
	c := &contacts.Contact{ID: "01JABCDEFGHJKMNPQRSTVWXYZ0", Phone: "+4520123456"}
	tests := []struct {
		f    contacts.ContactFilter
		want bool
	}{
		{contacts.ContactFilter{}, true},
		{contacts.ContactFilter{IDPrefix: "01jab"}, true},
		{contacts.ContactFilter{IDPrefix: "01jac"}, false},
		{contacts.ContactFilter{IDPrefix: "x"}, false},
		{contacts.ContactFilter{PhonePrefix: "+4520"}, true},
		{contacts.ContactFilter{PhonePrefix: "+4521"}, false},
		{contacts.ContactFilter{PhonePrefix: "4520"}, false},
		{contacts.ContactFilter{PhonePrefix: "+45 20"}, false},
		{contacts.ContactFilter{IDPrefix: "01J", PhonePrefix: "+45"}, true},
	}
	for _, tt := range tests {
		if got := tt.f.Prefixed(c); got != tt.want {
			t.Errorf("%+v.Prefixed = %v, want %v", tt.f, got, tt.want)
		}
	}
}
