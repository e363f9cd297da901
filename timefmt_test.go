package contacts_test

import (
	"testing"
	"time"

	"github.com/phoneinc/contacts"
)

func TestAppendTime(t *testing.T) {
	cet := time.FixedZone("CET", 3600)
	for _, tm := range []time.Time{
		time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC),
		time.Date(2026, 6, 10, 10, 0, 0, 999999999, time.UTC), // fractions dropped, not rounded
		time.Date(2026, 1, 1, 0, 30, 5, 0, cet),               // shown in UTC: the day before
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), // past four digits: as time.Format
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		{},
	} {
		if got, want := string(contacts.AppendTime([]byte("x"), tm)), "x"+tm.UTC().Format(contacts.TimeFormat); got != want {
			t.Errorf("AppendTime(%v) = %q, want %q", tm, got, want)
		}
		if got, want := string(contacts.AppendTimeBasic(nil, tm)), tm.UTC().Format("20060102T150405Z"); got != want {
			t.Errorf("AppendTimeBasic(%v) = %q, want %q", tm, got, want)
		}
	}
}

func BenchmarkAppendTime(b *testing.B) {
	tm := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	buf := make([]byte, 0, 32)
	for b.Loop() {
		buf = contacts.AppendTime(buf[:0], tm)
	}
}
