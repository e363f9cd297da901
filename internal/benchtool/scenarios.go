package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/phoneinc/contacts/internal/benchtool/bookgen"
)

// contactColumns are the seed's fields, in its order: what sqlite3 selects.
const contactColumns = "id,name,email,phone,phone_formatted,company_name,note,created_at,updated_at"

// scenarios are the report's rows, in order. Add new ones here (see
// Scenario); a comparison row names its reference row in Judge.
func scenarios() []*Scenario {
	var all []*Scenario
	for _, group := range [][]*Scenario{issue2Scenarios(), importScenarios(), exportScenarios(), searchScenarios(),
		labelScenarios(), serveScenarios()} {
		all = append(all, group...)
	}
	return all
}

// issue2Scenarios are the lookup, listing and start-up rows of issue 2.
func issue2Scenarios() []*Scenario {
	return []*Scenario{
		{
			Name: "lookup", Group: "lookup", Title: "lookup, number in the book", Deps: []string{"lookup-sqlite3"},
			Show: "contacts lookup NUMBER",
			Detail: "12 numbers of the book (2 each of DK, US, GB, DE, FR, SE), written in turn as `+45 20 12 34 56`, `004520123456`, " +
				"`tel:+45-20-12-34-56`, `+4520123456` and nationally (`20 12 34 56`) with `CONTACTS_REGION=DK`; every run's output is checked.",
			Cmd:     func(e *Env, i int) *exec.Cmd { return lookupCmd(e, e.Book.Samples, i) },
			Capture: true,
			Check: func(e *Env, i int, smp *Sample) error {
				if err := expectExit(0, nil)(e, i, smp); err != nil {
					return err
				}
				s := sample(e.Book.Samples, i)
				if !bytes.Contains(smp.Stdout, []byte(s.Formatted)) && !bytes.Contains(smp.Stdout, []byte(s.E164)) {
					in, _ := lookupInput(e.Book.Samples, i)
					return fmt.Errorf("lookup %q printed neither %s nor %s: %.200q", in, s.E164, s.Formatted, smp.Stdout)
				}
				return nil
			},
			Target: "median ≤ 5× sqlite3 and < 12 ms",
			Judge: func(r *Result, all map[string]*Result) string {
				return judgeRatio(r, all["lookup-sqlite3"], 5, 12*time.Millisecond, 0)
			},
		},
		{
			Name: "lookup-sqlite3", Group: "lookup", Title: "lookup, sqlite3 reference", Needs: []string{"sqlite3"},
			Show: `sqlite3 bench.db "SELECT ` + contactColumns + ` FROM contacts WHERE phone='+…'"`,
			Cmd: func(e *Env, i int) *exec.Cmd {
				return command(e.Sqlite3, e.DB, "SELECT "+contactColumns+" FROM contacts WHERE phone='"+sample(e.Book.Samples, i).E164+"'")
			},
			Capture: true,
			Check: func(e *Env, i int, s *Sample) error {
				return expectExit(0, func(i int) string { return sample(e.Book.Samples, i).E164 })(e, i, s)
			},
			Target: "reference",
		},
		{
			Name: "lookup-miss", Group: "lookup", Title: "lookup, number not in the book",
			Show:   "contacts lookup NUMBER",
			Detail: "6 valid numbers (one each of DK, US, GB, DE, FR, SE) from ranges the generator never uses, in the same written forms; exit status 3 checked.",
			Cmd:    func(e *Env, i int) *exec.Cmd { return lookupCmd(e, e.Book.Misses, i) },
			Check:  expectExit(3, nil),
			Target: "exit 3 (time: as lookup, < 12 ms)",
			Judge: func(r *Result, all map[string]*Result) string {
				return judgeRatio(r, nil, 0, 12*time.Millisecond, 0) + "; exit 3 every run"
			},
		},
		{
			Name: "list-json", Group: "list", Title: "list all as JSON", Slow: true, Deps: []string{"list-json-sqlite3"},
			Show: "contacts list -o json > /dev/null",
			Cmd:  func(e *Env, i int) *exec.Cmd { return command(e.Bin, "list", "-o", "json") },
			Warm: func(e *Env) error {
				return checkJSONArray(e, command(e.Bin, "list", "-o", "json"), e.Book.N)
			},
			Target: "median ≤ 2× sqlite3 -json; peak RSS < 64 MiB",
			Judge: func(r *Result, all map[string]*Result) string {
				return judgeRatio(r, all["list-json-sqlite3"], 2, 0, 64<<20)
			},
		},
		{
			Name: "list-json-sqlite3", Group: "list", Title: "list all as JSON, sqlite3 reference", Slow: true, Needs: []string{"sqlite3"},
			Show: `sqlite3 -json bench.db "SELECT ` + contactColumns + ` FROM contacts ORDER BY created_at DESC, id DESC" > /dev/null`,
			Cmd: func(e *Env, i int) *exec.Cmd {
				return command(e.Sqlite3, "-json", e.DB, "SELECT "+contactColumns+" FROM contacts ORDER BY created_at DESC, id DESC")
			},
			Warm: func(e *Env) error {
				return checkJSONArray(e, command(e.Sqlite3, "-json", e.DB,
					"SELECT "+contactColumns+" FROM contacts ORDER BY created_at DESC, id DESC"), e.Book.N)
			},
			Target: "reference",
		},
		{
			Name: "list-table", Group: "list", Title: "list all as a table", Slow: true,
			Show: "contacts list > /dev/null",
			Cmd:  func(e *Env, i int) *exec.Cmd { return command(e.Bin, "list") },
			Warm: func(e *Env) error {
				n, err := countLines(e, command(e.Bin, "list"))
				if err == nil && n < e.Book.N {
					err = fmt.Errorf("the table has %d lines for %d contacts", n, e.Book.N)
				}
				return err
			},
			Target: "none (recorded)",
			Judge:  func(r *Result, all map[string]*Result) string { return "recorded" },
		},
		{
			Name: "help", Group: "startup", Title: "--help", NoBook: true,
			Show:   "contacts --help",
			Cmd:    func(e *Env, i int) *exec.Cmd { return command(e.Bin, "--help") },
			Verify: func(e *Env) (string, error) { return verifyTouchesNothing(e, "--help") },
			Target: "opens no book, reads no config",
		},
		{
			Name: "version", Group: "startup", Title: "--version", NoBook: true,
			Show:   "contacts --version",
			Cmd:    func(e *Env, i int) *exec.Cmd { return command(e.Bin, "--version") },
			Verify: func(e *Env) (string, error) { return verifyTouchesNothing(e, "--version") },
			Target: "opens no book, reads no config",
		},
		{
			Name: "hello", Group: "baseline", Title: "baseline: Go hello world", NoBook: true, Needs: []string{"baseline"},
			Show:   "hello (internal/benchtool/hello)",
			Cmd:    func(e *Env, i int) *exec.Cmd { return command(e.Baselines["hello"]) },
			Target: "baseline",
		},
		{
			Name: "pninit", Group: "baseline", Title: "baseline: phonenumbers' init only", NoBook: true, Needs: []string{"baseline"},
			Show:   "pninit (internal/benchtool/pninit)",
			Cmd:    func(e *Env, i int) *exec.Cmd { return command(e.Baselines["pninit"]) },
			Target: "baseline",
		},
		{
			Name: "sqlq", Group: "baseline", Title: "baseline: Go, modernc open + one indexed query", Needs: []string{"baseline"},
			Show: "sqlq bench.db +E164 (internal/benchtool/sqlq)",
			Cmd: func(e *Env, i int) *exec.Cmd {
				return command(e.Baselines["sqlq"], e.DB, sample(e.Book.Samples, i).E164)
			},
			Target: "baseline",
		},
	}
}

// lookupForms are the written forms a lookup is given, in turn.
var lookupForms = []func(s bookgen.Sample) (string, string){
	func(s bookgen.Sample) (string, string) { return s.Formatted, "" },                                        // +45 20 12 34 56
	func(s bookgen.Sample) (string, string) { return "00" + s.E164[1:], "" },                                  // 004520123456
	func(s bookgen.Sample) (string, string) { return "tel:" + strings.ReplaceAll(s.Formatted, " ", "-"), "" }, // tel:+45-20-12-34-56
	func(s bookgen.Sample) (string, string) { return s.E164, "" },                                             // +4520123456
	func(s bookgen.Sample) (string, string) { return s.National, s.Region },                                   // 20 12 34 56, region DK
}

func sample(samples []bookgen.Sample, i int) bookgen.Sample { return samples[max(i, 0)%len(samples)] }

// lookupInput is run i's number, in one of lookupForms, and the default
// region it needs ("" for none).
func lookupInput(samples []bookgen.Sample, i int) (string, string) {
	return lookupForms[max(i, 0)%len(lookupForms)](sample(samples, i))
}

// lookupCmd is `contacts lookup` of run i's number.
func lookupCmd(e *Env, samples []bookgen.Sample, i int) *exec.Cmd {
	in, region := lookupInput(samples, i)
	cmd := command(e.Bin, "lookup", in)
	if region != "" {
		cmd.Env = e.env("CONTACTS_REGION=" + region)
	}
	return cmd
}

// checkJSONArray runs cmd once, untimed, and stream-decodes its output: an
// array of n contacts with the seed's keys, newest first.
func checkJSONArray(e *Env, cmd *exec.Cmd, n int) error {
	return checkStream(e, cmd, func(r io.Reader) error {
		count, err := decodeArray(r)
		if err != nil {
			return fmt.Errorf("not a JSON array of contacts: %w", err)
		}
		if count != n {
			return fmt.Errorf("the JSON array has %d elements, want %d", count, n)
		}
		return nil
	})
}

func decodeArray(r io.Reader) (int, error) {
	dec := json.NewDecoder(r)
	if t, err := dec.Token(); err != nil {
		return 0, err
	} else if t != json.Delim('[') {
		return 0, fmt.Errorf("starts with %v", t)
	}
	var c struct {
		ID             string `json:"id"`
		Phone          string `json:"phone"`
		PhoneFormatted string `json:"phone_formatted"`
		Created        string `json:"created_at"`
		Updated        string `json:"updated_at"`
	}
	n, prev := 0, ""
	for dec.More() {
		c.ID, c.Phone, c.PhoneFormatted, c.Created, c.Updated = "", "", "", "", ""
		if err := dec.Decode(&c); err != nil {
			return n, fmt.Errorf("element %d: %w", n, err)
		}
		if c.ID == "" || c.Phone == "" || c.PhoneFormatted == "" || c.Created == "" || c.Updated == "" {
			return n, fmt.Errorf("element %d lacks a field: %+v", n, c)
		}
		if prev != "" && c.Created > prev {
			return n, fmt.Errorf("element %d is newer than the one before: not newest first", n)
		}
		prev = c.Created
		n++
	}
	if t, err := dec.Token(); err != nil {
		return n, err
	} else if t != json.Delim(']') {
		return n, fmt.Errorf("ends with %v", t)
	}
	if _, err := dec.Token(); err != io.EOF {
		return n, fmt.Errorf("data after the array")
	}
	return n, nil
}

func countLines(e *Env, cmd *exec.Cmd) (int, error) {
	cmd.Env = e.env()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	n := 0
	buf := make([]byte, 1<<20)
	for {
		k, err := stdout.Read(buf)
		n += bytes.Count(buf[:k], []byte{'\n'})
		if err != nil {
			break
		}
	}
	if err := cmd.Wait(); err != nil {
		return n, fmt.Errorf("%v: %s", err, firstLine(stderr.Bytes()))
	}
	return n, nil
}

// verifyTouchesNothing checks that `contacts ARG` succeeds and touches
// neither the config file nor the data directory: run with a config.yaml
// that does not parse and a data directory that does not exist, it must
// exit 0 and create nothing; under strace (when installed) it must not
// even look at either path.
func verifyTouchesNothing(e *Env, arg string) (string, error) {
	home := filepath.Join(e.Tmp, "hostile-"+strings.TrimLeft(arg, "-"))
	cfgDir := filepath.Join(home, ".config", "contacts")
	dataDir := filepath.Join(home, "no-such-data-dir")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		return "", err
	}
	cfg := filepath.Join(cfgDir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("company: [unclosed\n\t- : {{ not yaml\n"), 0o000); err != nil {
		return "", err
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(home, "xdg-data"), "CONTACTS_DATA_DIR=" + dataDir, "CONTACTS_COMPANY=" + company,
	}
	runIt := func(args ...string) (Sample, error) {
		cmd := command(e.Bin, args...)
		cmd.Env = env
		return e.exec(cmd, true)
	}
	// The config must be found and refused by a command that reads it, or
	// this check proves nothing.
	if smp, err := runIt("list"); err != nil {
		return "", err
	} else if smp.Exit == 0 {
		return "", fmt.Errorf("contacts list succeeded with a config.yaml that does not parse, so the check is void")
	}
	smp, err := runIt(arg)
	if err != nil {
		return "", err
	}
	if smp.Exit != 0 {
		return "", fmt.Errorf("contacts %s with a broken config file: exit %d: %s", arg, smp.Exit, firstLine(smp.Stderr))
	}
	for _, p := range []string{dataDir, filepath.Join(home, "xdg-data")} {
		if fileExists(p) {
			return "", fmt.Errorf("contacts %s created %s", arg, p)
		}
	}
	note := "exit 0 with a broken config.yaml; no data dir created"
	if e.Strace == "" {
		return note + " (strace not installed: not traced)", nil
	}
	log := filepath.Join(home, "strace.log")
	cmd := exec.Command(e.Strace, "-f", "-qq", "-e", "trace=%file", "-o", log, e.Bin, arg)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return note + fmt.Sprintf(" (strace failed: %v: %s)", err, firstLine(out)), nil
	}
	b, err := os.ReadFile(log)
	if err != nil {
		return "", err
	}
	var touched []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, cfgDir) || strings.Contains(line, dataDir) || strings.Contains(line, ".db") {
			touched = append(touched, strings.TrimSpace(line))
		}
	}
	if len(touched) > 0 {
		return "", errors.New("strace shows it touched: " + strings.Join(touched, "; "))
	}
	return note + "; strace: no access to the config or data paths", nil
}
