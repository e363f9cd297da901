package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/phoneinc/contacts"
)

// The end-to-end tests drive a real headless Chromium (Debian's chromium
// package; scripts/test-deps.sh installs it in CI) against the server on
// loopback. They wait for what the page shows, with a generous deadline,
// never for a fixed time.

// waitLimit bounds one wait for the page: generous, for a loaded machine.
const waitLimit = 90 * time.Second

// chromiumPath is the browser, or "" when the machine has none.
func chromiumPath() string {
	if p := os.Getenv("CONTACTS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// artifactDir is where the screenshots go: $CONTACTS_WEB_ARTIFACTS when
// set, else the test's temporary directory.
func artifactDir(t *testing.T) string {
	if d := os.Getenv("CONTACTS_WEB_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// tab is one browser tab.
type tab struct {
	t   *testing.T
	ctx context.Context
	dir string // screenshots
}

// newBrowser starts Chromium with the flags that keep it off the network
// and a fresh profile, and returns its first tab.
func newBrowser(t *testing.T) *tab {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("chromium is not installed (apt-get install chromium, or scripts/test-deps.sh as root): skipping the browser tests")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 860),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first run starts the browser, with no deadline (a deadline on
	// it would bound the browser's life).
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &tab{t: t, ctx: ctx, dir: artifactDir(t)}
}

// do runs actions, each step bounded by waitLimit.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 3*waitLimit)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v (at %s)%s", err, b.location(), b.dump())
	}
}

// dump is what the page shows, for a failure's message; the screenshot
// "failure.png" shows it too.
func (b *tab) dump() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	if buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(b.dir, "failure.png"), buf, 0o644)
	}
	if len(text) > 1500 {
		text = text[:1500] + "…"
	}
	return "\npage text:\n" + text
}

func (b *tab) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	return loc
}

// wait waits until the JavaScript expression is truthy. A page that
// navigates meanwhile (a form's submit, a redirect to the sign-in) ends
// the poll's JavaScript context: the wait goes on in the new page.
func (b *tab) wait(expr string) {
	b.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		ctx, cancel := context.WithDeadline(b.ctx, deadline.Add(time.Second))
		err := chromedp.Do(ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(time.Until(deadline))))
		cancel()
		if err == nil {
			return
		}
		if time.Now().Before(deadline) && navigated(err) {
			continue
		}
		b.t.Fatalf("wait for %s: %v (at %s)%s", expr, err, b.location(), b.dump())
	}
}

// navigated reports whether err says the page went away under a script.
func navigated(err error) bool {
	m := err.Error()
	return strings.Contains(m, "Cannot find context") || strings.Contains(m, "context was destroyed") ||
		strings.Contains(m, "Inspected target navigated")
}

// in returns the tab for a subtest.
func (b *tab) in(t *testing.T) *tab {
	c := *b
	c.t = t
	return &c
}

// eval returns the value of a JavaScript expression.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitLimit)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// text is the textContent of the first element sel matches, "" for none.
func (b *tab) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(document.querySelector(%s) || {}).textContent || ""`, jsString(sel)))
}

func jsString(s string) string {
	j, _ := json.Marshal(s)
	return string(j)
}

// waitText waits until the element sel matches holds want in its text.
func (b *tab) waitText(sel, want string) {
	b.t.Helper()
	b.wait(fmt.Sprintf(`((document.querySelector(%s) || {}).textContent || "").includes(%s)`, jsString(sel), jsString(want)))
}

func (b *tab) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, waitLimit)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(b.dir, name+".png"), buf, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *tab) open(url string) {
	b.t.Helper()
	b.do(chromedp.Navigate(url))
}

// clear empties an input, as select-all and delete would.
func clear(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%s).value = ""`, jsString(sel)))
}

// addContact adds a contact through the API with the key.
func (s *site) addContact(body string) *contacts.Contact {
	s.t.Helper()
	a := s.do(http.DefaultClient, "POST", "/api/v1/contacts", body, map[string]string{"X-Api-Key": s.key})
	if a.status != 201 {
		s.t.Fatalf("add %s: %d %s", body, a.status, a.body)
	}
	var c contacts.Contact
	if err := json.Unmarshal([]byte(a.body), &c); err != nil {
		s.t.Fatal(err)
	}
	return &c
}

// signInAt signs the tab in on the sign-in page it is on, and waits for
// the page behind it.
func (b *tab) signInAt(key string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS("#key")), chromedp.SendKeys(chromedp.CSS("#key"), key), chromedp.Submit(chromedp.CSS("#key")))
	b.wait(`document.getElementById("app") && document.getElementById("app").dataset.ready === "1"`)
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("the browser tests start Chromium: skipped with -short")
	}
	s := newSite(t)
	b := newBrowser(t)
	niklas := s.addContact(`{"phone":"+45 20 12 34 56","name":"Niklas Stephenson","email":"niklas@stephenson.dk","company_name":"Stephenson ApS","note":"Always asks for the engineering team.\nCall after 10."}`)
	s.addContact(`{"phone":"+45 31 12 34 56","name":"Søren Kierkegaard","company_name":"Regensen"}`)
	step := func(name string, fn func(*testing.T, *tab)) {
		t.Helper()
		if t.Failed() {
			return // the steps build on each other
		}
		t.Run(name, func(t *testing.T) { fn(t, b.in(t)) })
	}
	hostile := s.addContact(`{"phone":"+45 32 12 34 56","name":"<img src=x onerror=\"window.pwned=1\"><script>window.pwned=1</script>Eve\u202egnp.exe\u200b","company_name":"<b>Bold</b> Corp","note":"line 1\n<script>window.pwned=2</script>\u2066x\u2069"}`)

	step("screen pop before sign-in goes through the sign-in and back", func(t *testing.T, b *tab) {
		b.open(s.url + "/pop?number=%2B45%2020%2012%2034%2056")
		b.do(chromedp.WaitVisible(chromedp.CSS("#key")))
		if loc := b.location(); !strings.Contains(loc, "/signin?next=") {
			t.Fatalf("location %s, want the sign-in", loc)
		}
		b.screenshot("signin-desktop")
		b.signInAt(s.key)
		b.waitText(".card .name", "Niklas Stephenson")
		if loc := b.location(); !strings.Contains(loc, "/pop?number=") {
			t.Errorf("after the sign-in: %s, want the pop", loc)
		}
		if got := b.text(".card .company-name"); got != "Stephenson ApS" {
			t.Errorf("company %q", got)
		}
		if got := eval[string](b, `document.querySelector(".card .phone").getAttribute("href")`); got != "tel:+4520123456" {
			t.Errorf("tel link %q", got)
		}
		if got := b.text(".card .phone"); got != "+45 20 12 34 56" {
			t.Errorf("phone %q", got)
		}
		if got := eval[string](b, `document.querySelector(".card .email").getAttribute("href")`); got != "mailto:niklas@stephenson.dk" {
			t.Errorf("mailto link %q", got)
		}
		// The note keeps its line break, and shows it.
		if got := eval[string](b, `document.querySelector(".card .note").innerText`); got != "Always asks for the engineering team.\nCall after 10." {
			t.Errorf("note %q", got)
		}
		// Times in the browser's zone, the exact time in datetime.
		if got := eval[string](b, `document.querySelector(".card time.created").dateTime`); got != niklas.CreatedAt.Format(time.RFC3339) {
			t.Errorf("created datetime %q, want %q", got, niklas.CreatedAt.Format(time.RFC3339))
		}
		b.waitText(".card .revisions", "create")
		b.screenshot("pop-known-desktop")
	})

	step("search as you type, keyboard alone", func(t *testing.T, b *tab) {
		b.open(s.url + "/")
		b.wait(`document.getElementById("app").dataset.ready === "1"`)
		// Empty: the newest first.
		b.wait(`document.querySelectorAll("#results button").length === 3`)
		if got := b.text("#results li:first-child .r-name"); !strings.Contains(got, "Eve") {
			t.Errorf("first of the newest %q, want the last added", got)
		}
		b.do(chromedp.Evaluate[chromedp.Void](`document.activeElement.blur()`), chromedp.KeyEvent("/"))
		b.wait(`document.activeElement === document.getElementById("q")`)
		// DevTools types a key's character as an event of its own, which
		// the page's preventDefault of the key does not stop (a browser's
		// own keyboard does): the "/" is cleared here.
		b.do(clear("#q"), chromedp.KeyEvent("kierke"))
		b.wait(`document.querySelectorAll("#results button").length === 1 && document.getElementById("results").dataset.query === "kierke"`)
		if got := b.text("#results .r-name"); got != "Søren Kierkegaard" {
			t.Errorf("result %q", got)
		}
		b.screenshot("search-desktop")
		// Accents do not matter; digits of the number find it.
		b.do(clear("#q"), chromedp.KeyEvent("soren"))
		b.wait(`document.getElementById("results").dataset.query === "soren"`)
		b.do(clear("#q"), chromedp.KeyEvent("2012 34"))
		b.wait(`document.getElementById("results").dataset.query === "2012 34"`)
		if got := b.text("#results .r-name"); got != "Niklas Stephenson" {
			t.Errorf("digits: result %q", got)
		}
		// Arrows and Enter open a result; Esc closes it.
		b.do(chromedp.KeyEvent(kb.ArrowDown))
		b.wait(`document.activeElement.matches("#results button")`)
		b.do(chromedp.KeyEvent(kb.Enter))
		b.waitText(".card .name", "Niklas Stephenson")
		b.do(chromedp.KeyEvent(kb.Escape))
		b.wait(`document.getElementById("detail").hidden`)
	})

	step("add with a bad number, a taken number, then add", func(t *testing.T, b *tab) {
		// Esc in the search box empties it: the newest again.
		b.do(chromedp.Focus(chromedp.CSS("#q")), chromedp.KeyEvent(kb.Escape))
		b.wait(`document.getElementById("results").dataset.query === ""`)
		b.do(chromedp.Click(chromedp.CSS("#new")), chromedp.WaitVisible(chromedp.CSS("#f-phone")))
		b.do(chromedp.SendKeys(chromedp.CSS("#f-phone"), "12"), chromedp.SendKeys(chromedp.CSS("#f-name"), "Ada Lovelace"), chromedp.Click(chromedp.CSS(".contact-form .save")))
		b.waitText("#e-phone", "phone: ")
		if got := eval[string](b, `document.getElementById("f-phone").getAttribute("aria-invalid")`); got != "true" {
			t.Errorf("the phone field is not marked invalid: %q", got)
		}
		b.screenshot("add-bad-number-desktop")
		// A taken number links to the contact that has it.
		b.do(clear("#f-phone"), chromedp.SendKeys(chromedp.CSS("#f-phone"), "20 12 34 56"), chromedp.Click(chromedp.CSS(".contact-form .save")))
		b.wait(`document.querySelector("#e-phone a.holder")`)
		if got := eval[string](b, `document.querySelector("#e-phone a.holder").getAttribute("href")`); got != "/?contact="+niklas.ID {
			t.Errorf("the taken number's link %q", got)
		}
		b.do(clear("#f-phone"), chromedp.SendKeys(chromedp.CSS("#f-phone"), "+45 42 12 34 56"), chromedp.Click(chromedp.CSS(".contact-form .save")))
		b.waitText(".card .name", "Ada Lovelace")
		b.waitText(".card .message", "Added.")
		b.wait(`[...document.querySelectorAll("#results .r-name")].some(e => e.textContent === "Ada Lovelace")`)
	})

	step("edit, history and undo", func(t *testing.T, b *tab) {
		b.do(chromedp.Click(chromedp.CSS(".card .edit")), chromedp.WaitVisible(chromedp.CSS("#f-company_name")))
		b.do(chromedp.SendKeys(chromedp.CSS("#f-company_name"), "Analytical Engines"), chromedp.Click(chromedp.CSS(".contact-form .save")))
		b.waitText(".card .company-name", "Analytical Engines")
		b.waitText(".card .message", "Saved.")
		b.wait(`document.querySelectorAll(".card .revisions li").length === 2`)
		b.do(chromedp.Click(chromedp.CSS(".card .undo")))
		b.waitText(".card .message", "Undone.")
		if got := eval[bool](b, `document.querySelector(".card .company-name").hidden`); !got {
			t.Errorf("the undo left the company: %q", b.text(".card .company-name"))
		}
	})

	step("delete asks first", func(t *testing.T, b *tab) {
		b.do(chromedp.Click(chromedp.CSS(".card .delete")))
		b.wait(`!document.querySelector(".card .confirm").hidden`)
		b.do(chromedp.Click(chromedp.CSS(".card .confirm-no")))
		b.wait(`document.querySelector(".card .confirm").hidden`)
		b.do(chromedp.Click(chromedp.CSS(".card .delete")), chromedp.Click(chromedp.CSS(".card .confirm-yes")))
		b.waitText(".deleted .gone", "Ada Lovelace was deleted.")
		b.wait(`![...document.querySelectorAll("#results .r-name")].some(e => e.textContent === "Ada Lovelace")`)
		a := s.do(http.DefaultClient, "GET", "/api/v1/contacts?phone=%2B4542123456", "", map[string]string{"X-Api-Key": s.key})
		if a.body != "[]\n" {
			t.Errorf("after the delete the API has %s", a.body)
		}
	})

	step("screen pop of an unknown caller adds it in one form", func(t *testing.T, b *tab) {
		b.open(s.url + "/pop?number=sip:%2B4550123499@pbx.example.com")
		want := "Unknown caller — " + contacts.DescribePhone("+4550123499")
		b.waitText(".form-intro .unknown", want)
		if got := eval[string](b, `document.getElementById("f-phone").value`); got != "+45 50 12 34 99" {
			t.Errorf("the phone is pre-filled with %q", got)
		}
		if got := eval[string](b, `document.activeElement.id`); got != "f-name" {
			t.Errorf("focus on %q, want the name", got)
		}
		b.screenshot("pop-unknown-desktop")
		b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), "New Caller"), chromedp.Click(chromedp.CSS(".contact-form .save")))
		b.waitText(".card .name", "New Caller")
	})

	step("a hostile name is inert", func(t *testing.T, b *tab) {
		b.open(s.url + "/?contact=" + hostile.ID)
		b.waitText(".card .name", "Eve")
		name := b.text(".card .name")
		if want := `<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>Eve\u202egnp.exe\u200b`; name != want {
			t.Errorf("name shown as %q, want %q", name, want)
		}
		if got := b.text(".card .company-name"); got != "<b>Bold</b> Corp" {
			t.Errorf("company shown as %q", got)
		}
		if got := eval[string](b, `document.querySelector(".card .note").textContent`); got != "line 1\n<script>window.pwned=2</script>\\u2066x\\u2069" {
			t.Errorf("note shown as %q", got)
		}
		if n := eval[int](b, `document.querySelectorAll("#detail img, #detail script, #detail b, #results img, #results script").length`); n != 0 {
			t.Errorf("%d elements made of stored text", n)
		}
		if got := eval[string](b, `String(window.pwned)`); got != "undefined" {
			t.Errorf("stored text ran as a script: window.pwned = %s", got)
		}
		b.screenshot("hostile-desktop")
	})

	step("320 px wide", func(t *testing.T, b *tab) {
		b.do(chromedp.EmulateViewport(320, 640))
		b.open(s.url + "/pop?number=20123456")
		b.waitText(".card .name", "Niklas Stephenson")
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 320 {
			t.Errorf("the page is %d px wide at 320", w)
		}
		b.screenshot("pop-known-320")
		b.open(s.url + "/")
		b.wait(`document.querySelectorAll("#results button").length > 0`)
		if w := eval[int](b, `document.documentElement.scrollWidth`); w > 320 {
			t.Errorf("the search is %d px wide at 320", w)
		}
		b.screenshot("search-320")
		b.do(chromedp.EmulateReset())
	})

	step("sign-out", func(t *testing.T, b *tab) {
		b.open(s.url + "/")
		b.wait(`document.getElementById("app").dataset.ready === "1"`)
		b.do(chromedp.Click(chromedp.CSS("#signout")))
		b.do(chromedp.WaitVisible(chromedp.CSS("#key")))
		b.open(s.url + "/")
		b.do(chromedp.WaitVisible(chromedp.CSS("#key")))
		if n := s.sessions.Len(); n != 0 {
			t.Errorf("%d sessions after the sign-out", n)
		}
	})

	step("a revoked key ends the session at the next request", func(t *testing.T, b *tab) {
		b.signInAt(s.key)
		b.wait(`document.querySelectorAll("#results button").length > 0`)
		revoke(t, s.dir, "acme", s.keyID)
		b.do(chromedp.Focus(chromedp.CSS("#q")), chromedp.KeyEvent("niklas"))
		b.do(chromedp.WaitVisible(chromedp.CSS("#key")))
		if loc := b.location(); !strings.Contains(loc, "/signin?next=") {
			t.Errorf("after the revoke: %s", loc)
		}
		b.do(chromedp.SendKeys(chromedp.CSS("#key"), s.key), chromedp.Submit(chromedp.CSS("#key")))
		b.waitText(".field-error", "API key rejected")
	})
}
