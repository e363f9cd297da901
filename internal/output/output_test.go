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
	tab := NewTable(&buf, false, Column{Header: "ID", Max: 0}, Column{Header: "NAME", Max: 8}, Column{Header: "NOTE", Max: 0})
	tab.Row("1", "Ann", "")
	tab.Row("22", "Bartholomew Longname", "hi")
	tab.Row("333", "李小龍", "x\x1by")
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "ID   NAME      NOTE\n" +
		"1    Ann\n" +
		"22   Barthol…  hi\n" +
		"333  李小龍    x\\x1by\n"
	if got := buf.String(); got != want {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}

	buf.Reset()
	if err := NewTable(&buf, false, Column{Header: "ID", Max: 0}).Flush(); err != nil || buf.Len() != 0 {
		t.Errorf("an empty table wrote %q", buf.String())
	}
}

// TestTableStreams checks that rows past the sample keep the sampled widths,
// cut to fit, so a long listing holds only the sample in memory.
func TestTableStreams(t *testing.T) {
	var buf bytes.Buffer
	tab := NewTable(&buf, false, Column{Header: "N", Max: 0}, Column{Header: "V", Max: 0})
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
	if got, want := lines[tableSample+6], "5  m…"; got != want {
		t.Errorf("line past the sample %q, want %q", got, want)
	}
}

// TestTableTSV checks the table off a terminal: tab-separated values, no
// header, no padding, nothing cut, every row the same number of fields,
// and stored text still made safe (no tab or newline splits a row).
func TestTableTSV(t *testing.T) {
	var buf bytes.Buffer
	tab := NewTableOpts(&buf, TableOptions{TTY: false, Width: 20, Bold: true}, Column{Header: "ID", Max: 2}, Column{Header: "NAME"}, Column{Header: "NOTE"})
	tab.Row("1", "Bartholomew Longname", "")
	tab.Row("22", "tab\there", "line\nnext\x1b[2J")
	if err := tab.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "1\tBartholomew Longname\t\n" +
		"22\ttab here\tline↵ next\\x1b[2J\n"
	if got := buf.String(); got != want {
		t.Errorf("tsv:\n%q\nwant:\n%q", got, want)
	}
}

// TestTableFits checks that a contact listing fits the terminal: no line
// wider than the width, the id and the phone whole, the note and the email
// dropped before the name and the company are cut.
func TestTableFits(t *testing.T) {
	name, company, email, note := "Bartholomew Aloysius Longname-Smythe", "Very Long Company Name Holdings ApS",
		"bartholomew.longname@example.com", "Always asks for the engineering team, and then some more"
	c := &contacts.Contact{ID: "01JVWX0000000000000000000A", Name: &name, CompanyName: &company, Email: &email,
		Note: &note, PhoneFormatted: "+45 20 12 34 56"}
	tests := []struct {
		width   int
		headers string
	}{
		{200, "ID NAME PHONE COMPANY EMAIL NOTE"},
		{120, "ID NAME PHONE COMPANY EMAIL NOTE"},
		{100, "ID NAME PHONE COMPANY EMAIL"},
		{80, "ID NAME PHONE COMPANY"},
		{60, "ID NAME PHONE"},
		{40, "ID"},
		{20, "ID"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		tab := NewTableOpts(&buf, TableOptions{TTY: true, Width: tt.width}, ListColumns...)
		for i := 0; i < 3; i++ {
			tab.Row(ListRow(c)...)
		}
		if err := tab.Flush(); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if got := strings.Join(strings.Fields(lines[0]), " "); got != tt.headers {
			t.Errorf("width %d: header %q, want %q", tt.width, got, tt.headers)
		}
		for _, l := range lines {
			if w := width(l); w > tt.width {
				t.Errorf("width %d: a line of %d columns: %q", tt.width, w, l)
			}
			if strings.HasSuffix(l, " ") {
				t.Errorf("width %d: a line ends in a space: %q", tt.width, l)
			}
		}
		if tt.width >= 60 && !strings.Contains(lines[1], c.ID+"  ") || tt.width >= 60 && !strings.Contains(lines[1], c.PhoneFormatted) {
			t.Errorf("width %d: the id or the phone is cut: %q", tt.width, lines[1])
		}
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
