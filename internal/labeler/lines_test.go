package labeler_test

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/labeler"
)

func TestLinesTable(t *testing.T) {
	bad := contact("+4520100001", "Evil\tName\x1b[31m", "Line\nBreak")
	l := labeler.New(newBook(niklas, ada, bad), labeler.Options{Region: "US"})
	in := "+4520123456\n" +
		"  +45 20 12 34 56  \r\n" +
		"\n" +
		"+4520123457\n" +
		"abc\n" +
		"(415) 555-2671\n" +
		"+4520100001\n" +
		"tab\there\x07\n" +
		"+14155552671" // no final newline
	var out strings.Builder
	if err := labeler.Lines(context.Background(), l, strings.NewReader(in), &out, false); err != nil {
		t.Fatal(err)
	}
	want := "+4520123456\tNiklas Stephenson\tStephenson ApS\n" +
		"+45 20 12 34 56\tNiklas Stephenson\tStephenson ApS\n" +
		"\t\t\n" +
		"+4520123457\t\t\n" +
		"abc\t\t\n" +
		"(415) 555-2671\tAda\t\n" +
		"+4520100001\tEvil Name\\x1b[31m\tLine↵ Break\n" +
		"tab here\\x07\t\t\n" +
		"+14155552671\tAda\t\n"
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLinesJSON(t *testing.T) {
	l := labeler.New(newBook(niklas), labeler.Options{})
	in := "+45 20 12 34 56\n+4520123457\nabc\n\n"
	var out strings.Builder
	if err := labeler.Lines(context.Background(), l, strings.NewReader(in), &out, true); err != nil {
		t.Fatal(err)
	}
	unknown := func(phone, formatted string) string {
		return `{"id":null,"name":null,"email":null,"phone":` + phone + `,"phone_formatted":` + formatted +
			`,"company_name":null,"note":null,"created_at":null,"updated_at":null}` + "\n"
	}
	want := string(niklas.AppendJSON(nil)) + "\n" +
		unknown(`"+4520123457"`, `"+45 20 12 34 57"`) +
		unknown("null", "null") +
		unknown("null", "null")
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestLinesTooLong(t *testing.T) {
	l := labeler.New(newBook(niklas), labeler.Options{})
	in := "+4520123456\n+4520123456\n" + strings.Repeat("1", labeler.MaxRecord+1) + "\n+4520123456\n"
	var out strings.Builder
	err := labeler.Lines(context.Background(), l, strings.NewReader(in), &out, false)
	if contacts.ErrorCode(err) != contacts.EINVALID || !strings.Contains(err.Error(), "line 3:") {
		t.Fatalf("error = %v, want invalid naming line 3", err)
	}
	if got, want := strings.Count(out.String(), "\n"), 2; got != want {
		t.Errorf("%d lines written before the error, want %d", got, want)
	}
	// Exactly at the limit is fine.
	in = strings.Repeat("1", labeler.MaxRecord) + "\n"
	out.Reset()
	if err := labeler.Lines(context.Background(), l, strings.NewReader(in), &out, false); err != nil {
		t.Fatal(err)
	}
}

// Each answer is written and flushed as soon as its line is read, while
// the input stays open: a person typing numbers sees each answer at once.
func TestLinesStreams(t *testing.T) {
	l := labeler.New(newBook(niklas), labeler.Options{})
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- labeler.Lines(context.Background(), l, inR, outW, false)
		outW.Close()
	}()
	answers := bufio.NewReader(outR)
	for _, num := range []string{"+4520123456", "+4520123457", "+45 20 12 34 56"} {
		if _, err := io.WriteString(inW, num+"\n"); err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		go func() {
			line, _ := answers.ReadString('\n')
			got <- line
		}()
		select {
		case line := <-got:
			if !strings.HasPrefix(line, num+"\t") {
				t.Fatalf("answer %q for %q", line, num)
			}
		case <-time.After(time.Minute):
			t.Fatalf("no answer for %q while the input is open", num)
		}
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
