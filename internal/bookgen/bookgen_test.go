package bookgen

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"testing"

	"github.com/phoneinc/contacts"
)

// TestStream checks that generated contacts are valid as stored, unique by
// phone and id, and the same for the same seed.
func TestStream(t *testing.T) {
	const n = 5000
	gen := func() ([]contacts.Contact, []byte, *Result) {
		var buf bytes.Buffer
		s := Start(context.Background(), Options{N: n, Seed: 7, CSV: &buf})
		defer s.Stop()
		var out []contacts.Contact
		for {
			c, err := s.Next()
			if err != nil {
				t.Fatal(err)
			}
			if c == nil {
				break
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("row %d: %v (%+v)", len(out), err, c)
			}
			out = append(out, *c)
		}
		return out, buf.Bytes(), s.Result()
	}
	rows, csvData, res := gen()
	if len(rows) != n {
		t.Fatalf("got %d rows", len(rows))
	}
	phones, ids := map[string]bool{}, map[string]bool{}
	regions := map[string]int{}
	for _, c := range rows {
		if phones[c.Phone] || ids[c.ID] {
			t.Fatalf("duplicate %s / %s", c.Phone, c.ID)
		}
		phones[c.Phone], ids[c.ID] = true, true
		regions[c.Phone[:3]]++
	}
	if len(res.Samples) != 2*len(countries) {
		t.Errorf("samples: %+v", res.Samples)
	}
	for _, s := range res.Samples {
		if !phones[s.E164] {
			t.Errorf("sample %s is not in the book", s.E164)
		}
	}
	if len(res.Misses) < 4 {
		t.Errorf("misses: %+v", res.Misses)
	}
	for _, m := range res.Misses {
		if phones[m.E164] {
			t.Errorf("miss %s is in the book", m.E164)
		}
	}
	r := csv.NewReader(bytes.NewReader(csvData))
	recs := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if recs > 0 && rec[3] != rows[recs-1].Phone {
			t.Fatalf("csv row %d: %v", recs, rec)
		}
		recs++
	}
	if recs != n+1 {
		t.Errorf("csv: %d records", recs)
	}
	again, _, _ := gen()
	for i := range rows {
		if rows[i].ID != again[i].ID || rows[i].Phone != again[i].Phone {
			t.Fatalf("row %d differs between runs with one seed", i)
		}
	}
	t.Logf("regions by prefix: %v", regions)
}
