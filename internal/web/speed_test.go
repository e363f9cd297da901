package web_test

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/internal/web"
	"github.com/phoneinc/contacts/store"
	"github.com/phoneinc/contacts/store/storetest"
)

// TestSpeed measures the page in the browser over a big book (BENCHMARKS.md):
//
//	CONTACTS_WEB_BENCH_BOOK=/path/to/a/book.db go test -count=1 -run TestSpeed -v ./internal/web
//
// The book (the benchmarks' million-contact book, made by bench/ with
// internal/bookgen) is copied into a temporary data directory first, as
// company "bench", and given a key there: the original is not touched.
// It reports the first load (bytes transferred, time to the first results
// shown), a search keystroke to its results, and a screen pop of a known
// number to its card, each over many runs.
func TestSpeed(t *testing.T) {
	src := os.Getenv("CONTACTS_WEB_BENCH_BOOK")
	if src == "" {
		t.Skip("set CONTACTS_WEB_BENCH_BOOK to a book to measure the page over it")
	}
	dir := t.TempDir()
	storetest.CopyBook(t, src, filepath.Join(dir, "bench.db"))
	_, secret := storetest.Key(t, dir, "bench", "front desk")
	books := store.NewBooks(dir, store.BooksOptions{Region: "DK"})
	sessions := &web.Sessions{}
	page := web.New(web.Config{Books: books, Sessions: sessions, Region: "DK"})
	api := httpapi.NewServer(httpapi.Config{Books: books, Sessions: sessions, Web: page.Handler()})
	ts := httptest.NewServer(api.Handler())
	defer api.Close()
	defer ts.Close()
	s := &site{t: t, dir: dir, url: ts.URL, key: secret, sessions: sessions}

	b := newBrowser(t)
	b.open(s.url + "/signin")
	b.signInAt(secret)

	// Known numbers: the newest contacts' (the page's own listing).
	b.wait(`document.querySelectorAll("#results .r-sub").length > 0`)
	numbers := eval[[]string](b, `[...document.querySelectorAll("#results .r-sub")].map(e => e.textContent.split(" · ")[0])`)
	if len(numbers) == 0 {
		t.Fatal("the book lists no contact")
	}

	// First load: the browser's cache off, so every byte comes again.
	setCache := func(disabled bool) {
		if _, err := chromedp.Call(b.ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: disabled}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	setCache(true)
	var bytes, ready []float64
	for range 20 {
		b.open(s.url + "/")
		b.wait(`performance.getEntriesByName("contacts:results").length > 0`)
		bytes = append(bytes, eval[float64](b, `performance.getEntriesByType("navigation")[0].transferSize +
			performance.getEntriesByType("resource").reduce((n, r) => n + r.transferSize, 0)`))
		ready = append(ready, eval[float64](b, `performance.getEntriesByName("contacts:results")[0].startTime`))
	}
	setCache(false)
	report(t, "first load, bytes transferred (page, CSS, JS, icon, the newest 20)", bytes, "B")
	report(t, "first load, navigation to the newest shown (interactive)", ready, "ms")

	// Search: one keystroke at a time, each waiting for its results.
	var keys []float64
	for _, query := range []string{"stephen", "søren kierkegaard", "2012 34", "maria", "jensen", "anna h", "+45 20", "hansen aps"} {
		b.do(clear("#q"))
		typed := ""
		for _, r := range query {
			typed += string(r)
			b.do(chromedp.Focus(chromedp.CSS("#q")), chromedp.KeyEvent(string(r)))
			want := strings.TrimSpace(typed)
			b.wait(fmt.Sprintf(`document.getElementById("results").dataset.query === %s`, jsString(want)))
			if want == "" {
				continue
			}
			ms := eval[float64](b, `Number(document.getElementById("results").dataset.ms)`)
			if ms > 50 {
				t.Logf("search %q: %.1f ms", want, ms)
			}
			keys = append(keys, ms)
		}
	}
	report(t, "search, keystroke to results shown", keys, "ms")

	// Screen pop of a known number: URL opened to the card shown.
	var pops []float64
	for i := range 20 {
		n := numbers[i%len(numbers)]
		b.open(s.url + "/pop?number=" + strings.ReplaceAll(strings.ReplaceAll(n, "+", "%2B"), " ", "%20"))
		b.wait(`performance.getEntriesByName("contacts:card").length > 0`)
		pops = append(pops, eval[float64](b, `performance.getEntriesByName("contacts:card")[0].startTime`))
	}
	report(t, "screen pop of a known number, URL opened to the card shown", pops, "ms")
	t.Logf("the last pop's timeline: %s", eval[string](b, `JSON.stringify({nav: (({responseStart, responseEnd, domInteractive, domContentLoadedEventEnd, loadEventEnd}) => ({responseStart, responseEnd, domInteractive, domContentLoadedEventEnd, loadEventEnd}))(performance.getEntriesByType("navigation")[0]),
		resources: performance.getEntriesByType("resource").map(r => [r.name.replace(location.origin, ""), Math.round(r.startTime), Math.round(r.responseEnd)]),
		card: performance.getEntriesByName("contacts:card")[0].startTime})`))
}

func report(t *testing.T, what string, v []float64, unit string) {
	t.Helper()
	sort.Float64s(v)
	q := func(p float64) float64 { return v[int(p*float64(len(v)-1)+0.5)] }
	t.Logf("%s: n=%d median %.1f %s, p95 %.1f %s, max %.1f %s", what, len(v), q(0.5), unit, q(0.95), unit, v[len(v)-1], unit)
}
