package output

import (
	"io"
	"testing"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/phoneinc/contacts"
)

func benchContact() *contacts.Contact {
	name, company, email := "Niklas Stephenson", "Stephenson ApS", "niklas@stephenson.dk"
	return &contacts.Contact{ID: "01JVWX0000000000000000000A", Name: &name, CompanyName: &company, Email: &email,
		PhoneFormatted: "+45 20 12 34 56"}
}

// BenchmarkTable is a row of a contact listing on an 80-column terminal.
func BenchmarkTable(b *testing.B) {
	c := benchContact()
	t := NewTableOpts(io.Discard, TableOptions{TTY: true, Width: 80}, ListColumns...)
	b.ReportAllocs()
	for b.Loop() {
		t.Row(ListRow(c)...)
	}
	t.Flush()
}

// BenchmarkTableTSV is a row of a contact listing piped.
func BenchmarkTableTSV(b *testing.B) {
	c := benchContact()
	t := NewTableOpts(io.Discard, TableOptions{}, ListColumns...)
	b.ReportAllocs()
	for b.Loop() {
		t.Row(ListRow(c)...)
	}
	t.Flush()
}

// BenchmarkTablewriterStreaming is the same row through tablewriter's
// streaming mode, with the widths fixed and no borders: the figure that
// decided against it for listings (see BENCHMARKS.md).
func BenchmarkTablewriterStreaming(b *testing.B) {
	c := benchContact()
	row := ListRow(c)
	widths := tw.NewMapper[int, int]()
	for i, w := range []int{28, 19, 17, 16, 22, 10} {
		widths.Set(i, w)
	}
	cell := tw.CellConfig{
		Formatting: tw.CellFormatting{AutoFormat: tw.Off, AutoWrap: tw.WrapTruncate},
		Alignment:  tw.CellAlignment{Global: tw.AlignLeft},
		Padding:    tw.CellPadding{Global: tw.Padding{Right: "  ", Overwrite: true}},
	}
	t := tablewriter.NewTable(io.Discard,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Symbols:  tw.NewSymbols(tw.StyleNone),
			Settings: tw.Settings{Separators: tw.Separators{BetweenColumns: tw.Off, BetweenRows: tw.Off}, Lines: tw.Lines{ShowHeaderLine: tw.Off}},
		})),
		tablewriter.WithConfig(tablewriter.Config{
			Stream: tw.StreamConfig{Enable: true},
			Widths: tw.CellWidth{PerColumn: widths},
			Header: cell,
			Row:    cell,
		}),
	)
	if err := t.Start(); err != nil {
		b.Fatal(err)
	}
	t.Header([]string{"ID", "NAME", "PHONE", "COMPANY", "EMAIL", "NOTE"})
	b.ReportAllocs()
	for b.Loop() {
		if err := t.Append(row); err != nil {
			b.Fatal(err)
		}
	}
	t.Close()
}
