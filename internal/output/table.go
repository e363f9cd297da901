package output

import (
	"bufio"
	"io"
	"sort"
)

// Column is a table column: its header, the most columns of a terminal its
// cells may take (0: no limit), the fewest it may be shrunk to before it is
// dropped to fit a narrow terminal (0: its header's width, at least 10),
// and its priority: when the terminal is too narrow for every column, the
// columns of lowest priority shrink first, then go (ties: the later
// column first).
type Column struct {
	Header   string
	Max      int
	Min      int
	Priority int
}

// TableOptions say where a table goes.
type TableOptions struct {
	// TTY: standard output is a terminal. A table for a terminal is
	// aligned, with a header, and fits Width. Off a terminal it is
	// tab-separated values: one line a row, no header, no padding, no
	// colour, nothing cut (as gh prints for a pipe, so cut and awk work).
	TTY bool
	// Width is the terminal's width in columns; 0: no limit.
	Width int
	// Bold prints the header in bold (a colour terminal).
	Bold bool
}

// tableSample is how many rows set the column widths. A listing of a
// million contacts streams: the first rows are measured, and the widths
// they give (within each column's Max, fitted to the terminal) hold for
// the rest.
const tableSample = 500

// colSep is what separates the columns of an aligned table.
const colSep = "  "

// Table writes rows, streaming, in constant memory: aligned columns on a
// terminal, tab-separated values off it.
type Table struct {
	w       *bufio.Writer
	cols    []Column
	opts    TableOptions
	rows    [][]string
	widths  []int // per column; -1: dropped to fit the terminal
	started bool
}

// NewTable returns an aligned table on w with no width limit (as on a
// terminal). bold prints the header in bold.
func NewTable(w io.Writer, bold bool, cols ...Column) *Table {
	return NewTableOpts(w, TableOptions{TTY: true, Bold: bold}, cols...)
}

// NewTableOpts returns a table on w, laid out for where it goes.
func NewTableOpts(w io.Writer, opts TableOptions, cols ...Column) *Table {
	return &Table{w: bufio.NewWriterSize(w, 64<<10), cols: cols, opts: opts}
}

// Row adds a row of raw cells; they are made safe (and, on a terminal, cut
// to size) here.
func (t *Table) Row(cells ...string) error {
	if !t.opts.TTY {
		return t.tsv(cells)
	}
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

// tsv writes one row of tab-separated values. Safe has made every tab a
// space and every newline visible, so a cell never splits a row.
func (t *Table) tsv(cells []string) error {
	t.started = true
	for i := range t.cols {
		if i > 0 {
			t.w.WriteByte('\t')
		}
		if i < len(cells) {
			t.w.WriteString(Safe(cells[i], false))
		}
	}
	return t.w.WriteByte('\n')
}

func (t *Table) start() error {
	t.started = true
	natural := make([]int, len(t.cols))
	for i, c := range t.cols {
		natural[i] = width(c.Header)
	}
	for _, row := range t.rows {
		for i, cell := range row {
			if w := width(cell); w > natural[i] {
				natural[i] = w
			}
		}
	}
	t.widths = fit(t.cols, natural, t.opts.Width)
	header := make([]string, len(t.cols))
	for i, c := range t.cols {
		header[i] = c.Header
	}
	if t.opts.Bold {
		t.w.WriteString("\x1b[1m")
	}
	t.line(header)
	if t.opts.Bold {
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

// fit returns the width of each column so that the line fits total
// columns (0: no limit): the natural widths if they fit; else, by
// priority, the least important columns are dropped (-1) until the others
// fit at their narrowest, and then shrink, least important first, only as
// much as needed. A single column left is cut to total.
func fit(cols []Column, natural []int, total int) []int {
	widths := append([]int(nil), natural...)
	if total <= 0 {
		return widths
	}
	sum := func() int {
		s, n := 0, 0
		for _, w := range widths {
			if w >= 0 {
				s += w
				n++
			}
		}
		if n > 1 {
			s += (n - 1) * len(colSep)
		}
		return s
	}
	if sum() <= total {
		return widths
	}
	mins := make([]int, len(cols))
	for i, c := range cols {
		mins[i] = c.Min
		if mins[i] == 0 {
			mins[i] = max(width(c.Header), 10)
		}
		if mins[i] > natural[i] {
			mins[i] = natural[i]
		}
	}
	// The columns, least important first.
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		if cols[order[a]].Priority != cols[order[b]].Priority {
			return cols[order[a]].Priority < cols[order[b]].Priority
		}
		return order[a] > order[b]
	})
	// Drop until the rest fit at their narrowest.
	narrowest := func() int {
		s, n := 0, 0
		for i, w := range widths {
			if w >= 0 {
				s += mins[i]
				n++
			}
		}
		return s + max(n-1, 0)*len(colSep)
	}
	for _, i := range order[:len(order)-1] {
		if narrowest() <= total {
			break
		}
		widths[i] = -1
	}
	// Shrink, least important first.
	for _, i := range order {
		if widths[i] < 0 {
			continue
		}
		over := sum() - total
		if over <= 0 {
			break
		}
		widths[i] -= min(over, widths[i]-mins[i])
	}
	if over := sum() - total; over > 0 {
		// What is left is wider than the terminal at its narrowest: cut
		// the most important column too.
		i := order[len(order)-1]
		widths[i] = max(widths[i]-over, 1)
	}
	return widths
}

func (t *Table) write(row []string) error {
	t.line(row)
	return t.w.WriteByte('\n')
}

// line writes cells padded to the column widths; the last cell is not
// padded, so no line ends in spaces. Dropped columns are left out.
func (t *Table) line(cells []string) {
	last := len(cells) - 1
	for last > 0 && (cells[last] == "" || t.widths[last] < 0) {
		last--
	}
	first := true
	for i := 0; i <= last; i++ {
		if t.widths[i] < 0 {
			continue
		}
		if !first {
			t.w.WriteString(colSep)
		}
		first = false
		cell := truncate(cells[i], t.widths[i])
		t.w.WriteString(cell)
		if i < last {
			pad(t.w, t.widths[i]-width(cell))
		}
	}
}

const spaces = "                                                                "

// pad writes n spaces.
func pad(w *bufio.Writer, n int) {
	for n > len(spaces) {
		w.WriteString(spaces)
		n -= len(spaces)
	}
	w.WriteString(spaces[:n])
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
