package output

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
)

func TestSafe(t *testing.T) {
	tests := []struct {
		in        string
		multiline bool
		want      string
	}{
		{"plain text", false, "plain text"},
		{"Søren Kierkegaard 李小龍", false, "Søren Kierkegaard 李小龍"},
		{"a\x1b[2Jb", false, `a\x1b[2Jb`},
		{"bell\a", false, `bell\x07`},
		{"del\x7f", false, `del\x7f`},
		{"csi\u009b", false, `csi\u009b`},
		{"rtl\u202eexe.txt", false, `rtl\u202eexe.txt`},
		{"isolate\u2067x", false, `isolate\u2067x`},
		{"bad\xffbyte", false, `bad\xffbyte`},
		{"one\ntwo", false, "one↵ two"},
		{"one\ntwo", true, "one\ntwo"},
		{"tab\there", false, "tab here"},
		{"cr\r\n", true, "cr\\x0d\n"},
	}
	for _, tt := range tests {
		if got := Safe(tt.in, tt.multiline); got != tt.want {
			t.Errorf("Safe(%q, %v)=%q, want %q", tt.in, tt.multiline, got, tt.want)
		}
	}
}

func TestTable(t *testing.T) {
	var buf bytes.Buffer
	tab := NewTable(&buf, false, Column{"ID", 0}, Column{"NAME", 8}, Column{"NOTE", 0})
	tab.Row("1", "Ann", "")
	tab.Row("22", "Bartholomew Longname", "hi")
	tab.Row("333", "李小龍", "x\x1by")
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "ID    NAME       NOTE\n" +
		"1     Ann\n" +
		"22    Barthol…   hi\n" +
		"333   李小龍     x\\x1by\n"
	if got := buf.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}

	buf.Reset()
	if err := NewTable(&buf, false, Column{"ID", 0}).Flush(); err != nil || buf.Len() != 0 {
		t.Errorf("an empty table wrote %q", buf.String())
	}
}

// TestTableStreams checks that rows past the sample keep the sampled widths,
// cut to fit, so a long listing holds only the sample in memory.
func TestTableStreams(t *testing.T) {
	var buf bytes.Buffer
	tab := NewTable(&buf, false, Column{"N", 0}, Column{"V", 0})
	for i := 0; i < tableSample+10; i++ {
		v := "ab"
		if i == tableSample+5 {
			v = "much longer than the sample"
		}
		tab.Row(fmt.Sprint(i%10), v)
	}
	tab.Flush()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if got, want := len(lines), tableSample+11; got != want {
		t.Fatalf("%d lines, want %d", got, want)
	}
	if got, want := lines[tableSample+6], "5   m…"; got != want {
		t.Errorf("line past the sample %q, want %q", got, want)
	}
}

func TestWriteDetail(t *testing.T) {
	name, note := "Ann", "first\nsecond"
	ts := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	c := &contacts.Contact{ID: "01JVWX0000000000000000000A", Name: &name, Note: &note, Phone: "+4520123456",
		PhoneFormatted: "+45 20 12 34 56", CreatedAt: ts, UpdatedAt: ts}
	var buf bytes.Buffer
	if err := WriteDetail(&buf, c, DetailOrder); err != nil {
		t.Fatal(err)
	}
	want := `ID:      01JVWX0000000000000000000A
Name:    Ann
Email:
Phone:   +45 20 12 34 56
Company:
Note:    first
         second
Created: 2026-06-10T10:00:00Z
Updated: 2026-06-10T10:00:00Z
`
	if got := buf.String(); got != want {
		t.Errorf("detail:\n%s\nwant:\n%s", got, want)
	}
}
