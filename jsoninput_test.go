package contacts_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
)

func TestCheckJSONObject(t *testing.T) {
	for _, tc := range []struct {
		name, raw string
		field     string // the field named, when an error is wanted
		msg       string // the error message, "" for none
	}{
		{"Plain", `{"name":"Ada","phone":"+4520123456"}`, "", ""},
		{"Empty", `{}`, "", ""},
		{"Spaces", " \n{ \"name\" : \"Ada\" , \"note\" : null }\n", "", ""},
		{"Nested", `{"x":{"a":[1,{"b":"c"}],"a":2},"name":"Ada"}`, "", ""}, // nested keys are not the contact's
		{"Pair", `{"note":"\ud83d\ude00 \uD83D\uDE00"}`, "", ""},
		{"NotSurrogates", `{"note":"\u00e9\ud7ff\ue000\uffff\\ud800"}`, "", ""}, // the last is an escaped backslash
		{"EscapedQuote", `{"note":"a\"b\\","name":"x"}`, "", ""},
		{"NotAnObject", `["a","a"]`, "", ""},
		{"Scalar", `"\ud800"`, "", ""},

		{"LoneHigh", `{"name":"\ud800x"}`, "name", `name: \ud800 is half of a UTF-16 surrogate pair, not a character`},
		{"LoneHighAtEnd", `{"name":"x\uD800"}`, "name", `name: \uD800 is half of a UTF-16 surrogate pair, not a character`},
		{"LoneLow", `{"note":"\udc00"}`, "note", `note: \udc00 is half of a UTF-16 surrogate pair, not a character`},
		{"HighHigh", `{"note":"\ud800\ud800"}`, "note", `note: \ud800 is half of a UTF-16 surrogate pair, not a character`},
		{"HighThenText", `{"note":"\ud800\u0041"}`, "note", `note: \ud800 is half of a UTF-16 surrogate pair, not a character`},
		{"LowHigh", `{"note":"\ude00\ud83d"}`, "note", `note: \ude00 is half of a UTF-16 surrogate pair, not a character`},
		{"SecondKey", `{"name":"Ada","email":"a\udfffb"}`, "email", `email: \udfff is half of a UTF-16 surrogate pair, not a character`},
		{"NestedValue", `{"extra":{"a":["\ud800"]}}`, "extra", `extra: \ud800 is half of a UTF-16 surrogate pair, not a character`},
		{"InKey", `{"na\ud800me":"x"}`, "", `a key holds \ud800, half of a UTF-16 surrogate pair, not a character`},

		{"Duplicate", `{"name":"a","phone":"+4520123456","name":"b"}`, "name", "name: given twice in one object"},
		{"DuplicateNull", `{"note":null,"note":"x"}`, "note", "note: given twice in one object"},
		{"DuplicateEscaped", `{"name":"a","n\u0061me":"b"}`, "name", "name: given twice in one object"},
		{"DuplicateCase", `{"name":"a","NAME":"b"}`, "name", `name: given twice in one object, as "name" and "NAME"`},
		{"DuplicateUnknown", `{"x":1,"x":2}`, "x", "x: given twice in one object"},
		{"DuplicateKelvin", "{\"k\":1,\"\u212a\":2}", "k", `k: given twice in one object, as "k" and "\u212a"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := contacts.CheckJSONObject([]byte(tc.raw))
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("error %q, want none", err.Message)
				}
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tc.msg)
			}
			if err.Code != contacts.EINVALID || err.Field != tc.field || err.Message != tc.msg {
				t.Fatalf("error %s/%q/%q, want invalid/%q/%q", err.Code, err.Field, err.Message, tc.field, tc.msg)
			}
		})
	}
}

// TestCheckJSONObjectMany: duplicates are found among many keys too (the
// checker indexes them past a few), and a long key is not repeated whole.
func TestCheckJSONObjectMany(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 1000 {
		b.WriteString(`"k_` + itoa(i) + `":1,`)
	}
	b.WriteString(`"K_500":2}`)
	err := contacts.CheckJSONObject([]byte(b.String()))
	if err == nil || err.Field != "k_500" || !strings.HasSuffix(err.Message, `as "k_500" and "K_500"`) {
		t.Fatalf("got %v, want k_500 given twice", err)
	}
	long := strings.Repeat("é", 10000)
	err = contacts.CheckJSONObject([]byte(`{"` + long + `":1,"` + long + `":2}`))
	if err == nil || len(err.Message) > 400 || len(err.Field) > 400 {
		t.Fatalf("a long key given twice: %v", err)
	}
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// FuzzCheckJSONObject: CheckJSONObject never panics, and on a JSON object
// it agrees with encoding/json: it finds a key given twice exactly when
// encoding/json sees two keys that fill one field, and when it passes an
// object, no string of it decodes with a U+FFFD that the text did not
// hold (a lone surrogate escape is what encoding/json turns into one).
//
//	go test . -run '^$' -fuzz '^FuzzCheckJSONObject$' -fuzztime 60s -fuzzminimizetime 0
func FuzzCheckJSONObject(f *testing.F) {
	for _, s := range []string{
		`{"name":"Ada","phone":"+4520123456"}`, `{"name":"\ud800x"}`, `{"note":"\ud83d\ude00"}`, `{"a":1,"a":2}`,
		`{"a":1,"A":2}`, `{"x":{"a":1,"a":2}}`, `{"n\u0061me":1,"name":2}`, `{"a":["\udc00"]}`, `{"\ud800":1}`,
		`{"a":"\\ud800"}`, `{"a":"\"\\\ud800"}`, `{`, `{"a"`, `{"a":`, `{"a":"\u`, `{"a":"\ud800\u`, `[]`, `null`,
		"{\"k\":1,\"\u212a\":2}", "{\"\u017f\":1,\"s\":2}", "{\"\xff\":1,\"\xfe\":2}", `{"a":"\ufffd"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		err := contacts.CheckJSONObject(raw) // never panics
		trimmed := bytes.TrimLeft(raw, " \t\r\n")
		if !json.Valid(raw) || len(trimmed) == 0 || trimmed[0] != '{' || !utf8.Valid(raw) {
			return
		}
		// The reference: the top-level keys as encoding/json reads them,
		// folded as it matches them to fields (bytes.EqualFold).
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.Token() // {
		var keys []string
		dup := false
		for dec.More() {
			tok, _ := dec.Token()
			k := tok.(string)
			for _, prev := range keys {
				if strings.EqualFold(prev, k) {
					dup = true
				}
			}
			keys = append(keys, k)
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				t.Fatalf("decode %q", raw)
			}
		}
		if bytes.Contains(raw, []byte("\ufffd")) || bytes.Contains(bytes.ToLower(raw), []byte(`\ufffd`)) {
			// A U+FFFD of the text's own: a replaced one cannot be told.
			if err == nil && dup {
				t.Fatalf("%q: keys %q hold a duplicate, not found", raw, keys)
			}
			return
		}
		replaced := strings.Contains(jsonStrings(raw), "\ufffd")
		switch {
		case err == nil && dup:
			t.Fatalf("%q: keys %q hold a duplicate, not found", raw, keys)
		case err == nil && replaced:
			t.Fatalf("%q: decodes with U+FFFD, not found", raw)
		case err != nil && !dup && !replaced:
			t.Fatalf("%q: %q, but encoding/json sees no duplicate and no U+FFFD", raw, err.Message)
		}
	})
}

// jsonStrings joins every key and string of a JSON text, as
// encoding/json decodes them.
func jsonStrings(raw []byte) string {
	var b strings.Builder
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		tok, err := dec.Token()
		if err != nil {
			return b.String()
		}
		if s, ok := tok.(string); ok {
			b.WriteString(s)
		}
	}
}
