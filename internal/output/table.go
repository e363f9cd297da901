package output

import (
	"bufio"
	"io"
	"strings"
)

// Column is a table column: its header and the most columns of a terminal
// its cells may take (0: no limit).
type Column struct {
	Header string
	Max    int
}

// tableSample is how many rows set the column widths. A listing of a
// million contacts streams: the first rows are measured, and the widths
// they give (within each column's Max) hold for the rest.
const tableSample = 500

// Table writes aligned columns, streaming, in constant memory.
type Table struct {
	w       *bufio.Writer
	cols    []Column
	bold    bool
	rows    [][]string
	widths  []int
	started bool
}

// NewTable returns a table on w. bold prints the header in bold (only on a
// colour terminal).
func NewTable(w io.Writer, bold bool, cols ...Column) *Table {
	return &Table{w: bufio.NewWriterSize(w, 64<<10), cols: cols, bold: bold}
}

// Row adds a row of raw cells; they are made safe and cut to size here.
func (t *Table) Row(cells ...string) error {
	row := make([]string, len(t.cols))
	for i := range t.cols {
		if i < len(cells) {
			row[i] = Safe(cells[i], false)
			if max := t.cols[i].Max; max > 0 {
				row[i] = truncate(row[i], max)
			}
		}
	}
	if t.started {
		return t.write(row)
	}
	t.rows = append(t.rows, row)
	if len(t.rows) >= tableSample {
		return t.start()
	}
	return nil
}

func (t *Table) start() error {
	t.started = true
	t.widths = make([]int, len(t.cols))
	for i, c := range t.cols {
		t.widths[i] = width(c.Header)
	}
	for _, row := range t.rows {
		for i, cell := range row {
			if w := width(cell); w > t.widths[i] {
				t.widths[i] = w
			}
		}
	}
	header := make([]string, len(t.cols))
	for i, c := range t.cols {
		header[i] = c.Header
	}
	if t.bold {
		t.w.WriteString("\x1b[1m")
	}
	t.line(header)
	if t.bold {
		// Reset before the newline, so a cut-off pipe leaves no bold.
		t.w.WriteString("\x1b[0m")
	}
	t.w.WriteByte('\n')
	for _, row := range t.rows {
		if err := t.write(row); err != nil {
			return err
		}
	}
	t.rows = nil
	return nil
}

func (t *Table) write(row []string) error {
	t.line(row)
	return t.w.WriteByte('\n')
}

// line writes cells padded to the column widths; the last cell is not
// padded, so no line ends in spaces.
func (t *Table) line(cells []string) {
	last := len(cells) - 1
	for last > 0 && cells[last] == "" {
		last--
	}
	for i := 0; i <= last; i++ {
		cell := truncate(cells[i], t.widths[i])
		t.w.WriteString(cell)
		if i < last {
			t.w.WriteString(strings.Repeat(" ", t.widths[i]-width(cell)+3))
		}
	}
}

// Flush writes what is buffered. A table with no rows writes nothing.
func (t *Table) Flush() error {
	if !t.started && len(t.rows) > 0 {
		if err := t.start(); err != nil {
			return err
		}
	}
	return t.w.Flush()
}
