package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/phoneinc/contacts"
)

// Load tests of `contacts serve` with wrk: bench starts the server on a
// copy of the book, warms it, runs wrk and reads its figures and the
// server's CPU time and memory.

const (
	serveCompany  = "srv"
	serveDuration = 15 * time.Second
	serveWarm     = 3 * time.Second
	// wrk's shape: one thread (the machine has two cores, and the server
	// needs them), 32 keep-alive connections.
	wrkThreads = 1
	wrkConns   = 32
)

// serveEnv is what the load tests share: a copy of the book (the mixed
// load adds contacts to it), an API key, and the wrk scripts.
type serveEnv struct {
	dir     string // the data directory of the copy
	key     string
	lookups string // existing numbers, one a line
	scripts map[string]string
	next    int64 // the next new number to create: +453 and 7 digits
}

func (e *Env) serveSetup() (*serveEnv, error) {
	if e.serve != nil {
		return e.serve, nil
	}
	s := &serveEnv{dir: filepath.Join(e.Tmp, "serve"), lookups: filepath.Join(e.Dir, e.Data.Lookups), scripts: map[string]string{}}
	if err := os.RemoveAll(s.dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, err
	}
	logf("copying the book for the server (its mixed load adds contacts)")
	if err := copyFile(e.DB, filepath.Join(s.dir, serveCompany+".db")); err != nil {
		return nil, err
	}
	cmd := exec.Command(e.Bin, "keys", "create", "--company", serveCompany, "--name", "bench")
	cmd.Env = e.env("CONTACTS_DATA_DIR=" + s.dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("contacts keys create: %v: %s", err, firstLine(stderr.Bytes()))
	}
	s.key = strings.TrimSpace(string(out))
	for name, src := range map[string]string{"lookup.lua": lookupLua, "mixed.lua": mixedLua} {
		p := filepath.Join(e.Tmp, name)
		if err := os.WriteFile(p, []byte(wrkCommonLua+src), 0o600); err != nil {
			return nil, err
		}
		s.scripts[name] = p
	}
	e.serve = s
	return s, nil
}

// wrkCommonLua loads the numbers and reports the figures on one line.
const wrkCommonLua = `
local key, nums, creates = "", {}, {}
local nthreads, ci = 1, 0
local counter = 0
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
function init(args)
  key = args[1]
  for line in io.lines(args[2]) do
    nums[#nums + 1] = (line:gsub("^%+", "%%2B"))
  end
  if args[3] and args[3] ~= "" then
    for line in io.lines(args[3]) do creates[#creates + 1] = line end
  end
  nthreads = tonumber(args[4]) or 1
  tid = tid or 0
  ci = tid + 1
  math.randomseed(os.time() + tid * 7919)
end
local function lookup()
  return wrk.format("GET", "/api/v1/contacts?phone=" .. nums[math.random(#nums)], {["X-Api-Key"] = key})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
`

const lookupLua = `
request = lookup
`

// mixedLua: one request in ten creates a contact with a new number (each
// thread takes every nthreads-th of the list), the others look one up.
const mixedLua = `
request = function()
  if math.random(10) == 1 and ci <= #creates then
    local n = creates[ci]
    ci = ci + nthreads
    return wrk.format("POST", "/api/v1/contacts", {["X-Api-Key"] = key, ["Content-Type"] = "application/json"},
      '{"name":"Load Test","phone":"' .. n .. '","note":"created by bench"}')
  end
  return lookup()
end
`

// newNumbers writes n valid numbers that no contact of the copy has: Danish
// numbers +453…, which the generator never uses, counting on from the
// last run's.
func (s *serveEnv) newNumbers(path string, n int) error {
	var b strings.Builder
	for k := 0; k < n; {
		if s.next >= 1e7 {
			return errors.New("out of new numbers")
		}
		num := fmt.Sprintf("+453%07d", s.next)
		s.next++
		if p, err := contacts.NormalizePhone(num, ""); err != nil || p.E164 != num {
			continue
		}
		b.WriteString(num + "\n")
		k++
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

var listening = regexp.MustCompile(`listening on http://(\S+)`)

// startServer starts contacts serve on a free loopback port and returns
// it and its address. Its stderr (one access-log line per request) goes to
// a file, as it would to a journal.
func (e *Env) startServer(s *serveEnv, i int) (*exec.Cmd, string, error) {
	logPath := filepath.Join(e.Tmp, fmt.Sprintf("serve-%d.log", i+1))
	logFile, err := os.OpenFile(logPath, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, "", err
	}
	defer logFile.Close()
	cmd := exec.Command(e.Bin, "serve", "--addr", "127.0.0.1:0")
	cmd.Env = e.env("CONTACTS_DATA_DIR=" + s.dir)
	cmd.Stdout, cmd.Stderr = nil, logFile
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(logPath)
		if m := listening.FindSubmatch(b); m != nil {
			return cmd, string(m[1]), nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	b, _ := os.ReadFile(logPath)
	return nil, "", fmt.Errorf("contacts serve did not say where it listens within 10 s: %.300q", b)
}

// stopServer sends SIGTERM, as an operator would, and waits for a clean exit.
func stopServer(cmd *exec.Cmd) error {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(40 * time.Second):
		cmd.Process.Kill()
		<-done
		return errors.New("contacts serve did not stop within 40 s of SIGTERM: killed")
	}
}

// anonRSS is a process's anonymous resident memory, from /proc (0 when
// unknown): its heap and stacks, what it costs the machine. Its peak
// resident set (VmHWM) would also count the pages of the book that the
// server maps (mmap_size), once per connection: those are the page
// cache's, shared, and given back under pressure.
func anonRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "RssAnon:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime is the CPU time a process has used so far, from /proc (user
// and system, in clock ticks of 10 ms).
func cpuTime(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	s := string(b)
	if k := strings.LastIndexByte(s, ')'); k >= 0 {
		s = s[k+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

var wrkResult = regexp.MustCompile(`RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)`)

// runWrk runs wrk with a script for d and parses its RESULT line.
func (e *Env) runWrk(ctx context.Context, s *serveEnv, addr, script, creates string, d time.Duration) (*LoadStats, string, error) {
	cmd := exec.CommandContext(ctx, e.Tools["wrk"], "-t", fmt.Sprint(wrkThreads), "-c", fmt.Sprint(wrkConns), "-d", fmt.Sprintf("%ds", int(d.Seconds())),
		"--latency", "-s", s.scripts[script], "http://"+addr, "--", s.key, s.lookups, creates, fmt.Sprint(wrkThreads))
	start := time.Now()
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		return nil, string(out), fmt.Errorf("wrk: %v: %s", err, firstLine(out))
	}
	m := wrkResult.FindSubmatch(out)
	if m == nil {
		return nil, string(out), fmt.Errorf("wrk printed no RESULT line: %.300q", out)
	}
	v := make([]int64, 6)
	for k := range v {
		v[k], _ = strconv.ParseInt(string(m[k+1]), 10, 64)
	}
	l := &LoadStats{Requests: v[0], P50: time.Duration(v[2]) * time.Microsecond, P99: time.Duration(v[3]) * time.Microsecond,
		Errors: v[4], SockErrs: v[5]}
	if v[1] > 0 {
		l.Rate = float64(v[0]) / (float64(v[1]) / 1e6)
	}
	if ps := cmd.ProcessState; ps != nil && wall > 0 {
		l.ClientCPU = (ps.UserTime() + ps.SystemTime()).Seconds() / wall.Seconds()
	}
	return l, string(out), nil
}

// LoadStats is one run of a load test, or the medians of several.
type LoadStats struct {
	Requests  int64
	Errors    int64 // responses with a status of 400 or more
	SockErrs  int64 // connect, read, write errors and timeouts
	Rate      float64
	P50, P99  time.Duration
	ServerRSS int64 // the server's anonymous resident memory at the end of the run (RssAnon)
	// ServerCPU and ClientCPU are the cores the server and the load
	// generator kept busy during the timed run (CPU time / wall time).
	ServerCPU, ClientCPU float64
}

// loadRun is run i of a load test: a fresh server, an untimed warm-up,
// then wrk for serveDuration.
func (e *Env) loadRun(name, script string, mixed bool, i int) (*LoadStats, error) {
	s, err := e.serveSetup()
	if err != nil {
		return nil, err
	}
	creates := ""
	if mixed {
		creates = filepath.Join(e.Tmp, fmt.Sprintf("creates-%s-%d.txt", name, i+1))
		if err := s.newNumbers(creates, 100_000); err != nil {
			return nil, err
		}
	}
	srv, addr, err := e.startServer(s, i)
	if err != nil {
		return nil, err
	}
	stopped := false
	defer func() {
		if !stopped {
			stopServer(srv)
		}
	}()
	// Untimed: the book is opened and its pages cached, the connections made.
	if _, out, err := e.runWrk(e.ctx, s, addr, "lookup.lua", "", serveWarm); err != nil {
		return nil, fmt.Errorf("warm-up: %v\n%s", err, out)
	}
	start, cpu0 := time.Now(), cpuTime(srv.Process.Pid)
	l, out, err := e.runWrk(e.ctx, s, addr, script, creates, serveDuration)
	if err != nil {
		return nil, fmt.Errorf("%v\n%s", err, out)
	}
	l.ServerCPU = (cpuTime(srv.Process.Pid) - cpu0).Seconds() / time.Since(start).Seconds()
	l.ServerRSS = anonRSS(srv.Process.Pid)
	stopped = true
	if err := stopServer(srv); err != nil {
		return nil, fmt.Errorf("contacts serve: %v", err)
	}
	logf("%s run %d: %.0f requests/s, p50 %s, p99 %s, %d error responses, %d socket errors, server RssAnon %s, "+
		"CPU: server %.2f cores, wrk %.2f", name, i+1, l.Rate, fmtDur(l.P50), fmtDur(l.P99), l.Errors, l.SockErrs,
		fmtRSS(l.ServerRSS), l.ServerCPU, l.ClientCPU)
	return l, nil
}

func serveGroup() *Group {
	rows := []*Row{
		{
			Name: "serve-lookup", Title: "GET /api/v1/contacts?phone=E164 (numbers of the book)", Show: wrkShow("lookup.lua"),
			Detail: fmt.Sprintf("`contacts serve --addr 127.0.0.1:0` on a copy of the book (company `%s`, key from `contacts keys create`), "+
				"started for each run; after an untimed %s of lookups, wrk (one thread, %d keep-alive connections, closed loop) runs for %s. "+
				"Numbers: every hundredth of the book (10,000, `lookups.txt`), in E.164, at random. The server and wrk share the machine's "+
				"two cores. The server's access log goes to a file. Its memory is its anonymous resident set (RssAnon) at the end of the run: "+
				"the book's pages that it maps are the page cache's, not its own.", serveCompany, serveWarm, wrkConns, serveDuration),
			Target: "≥ 20,000 requests/s with p99 < 10 ms",
			Judge: func(r *Row, all map[string]*Row) string {
				var met, missed []string
				s := fmt.Sprintf("%s requests/s", thousands(int(r.Load.Rate)))
				if r.Load.Rate >= 20000 {
					met = append(met, s)
				} else {
					missed = append(missed, s+" (limit 20,000)")
				}
				s = "p99 " + fmtDur(r.Load.P99)
				if r.Load.P99 < 10*time.Millisecond {
					met = append(met, s)
				} else {
					missed = append(missed, s+" (limit 10 ms)")
				}
				return metVerdict(met, missed)
			},
		},
		{
			Name: "serve-mixed", Title: "mixed: 90% lookups, 10% POST /api/v1/contacts (new numbers)", Show: wrkShow("mixed.lua"),
			Detail: "As above, but one request in ten creates a contact (`{\"name\":…,\"phone\":…,\"note\":…}`) with a new valid " +
				"number (+453…, a range the book does not use); the rest are lookups.",
			Target: "no error responses (status ≥ 400, socket errors)",
			Judge: func(r *Row, all map[string]*Row) string {
				s := fmt.Sprintf("%d error responses and %d socket errors in %s requests", r.Load.Errors, r.Load.SockErrs, thousands(int(r.Load.Requests)))
				if r.Load.Errors == 0 && r.Load.SockErrs == 0 {
					return metVerdict([]string{s}, nil)
				}
				return metVerdict(nil, []string{s})
			},
		},
	}
	return &Group{
		Name: "serve", Runs: 3, Needs: []string{"derived", "wrk"}, Rows: rows,
		Load: func(e *Env, g *Group) error {
			for _, r := range g.Rows {
				script, mixed := "lookup.lua", r.Name == "serve-mixed"
				if mixed {
					script = "mixed.lua"
				}
				var runs []*LoadStats
				for i := range g.runs(e) {
					l, err := e.loadRun(r.Name, script, mixed, i)
					if err != nil {
						r.Err = fmt.Errorf("run %d: %w", i+1, err)
						break
					}
					runs = append(runs, l)
				}
				if r.Err == nil {
					r.Load, r.Runs = summarizeLoad(runs), len(runs)
				}
			}
			return nil
		},
	}
}

func wrkShow(script string) string {
	return fmt.Sprintf("wrk -t%d -c%d -d%ds --latency -s %s http://127.0.0.1:PORT -- KEY lookups.txt", wrkThreads, wrkConns,
		int(serveDuration.Seconds()), script)
}

// summarizeLoad is the median of each figure over a load test's runs,
// with the error counts summed and the largest server memory.
func summarizeLoad(runs []*LoadStats) *LoadStats {
	var rates, p50s, p99s, scpu, ccpu []float64
	out := &LoadStats{}
	for _, l := range runs {
		rates = append(rates, l.Rate)
		p50s, p99s = append(p50s, float64(l.P50)), append(p99s, float64(l.P99))
		out.Requests += l.Requests
		out.Errors += l.Errors
		out.SockErrs += l.SockErrs
		out.ServerRSS = max(out.ServerRSS, l.ServerRSS)
		scpu, ccpu = append(scpu, l.ServerCPU), append(ccpu, l.ClientCPU)
	}
	out.Rate, out.P50, out.P99 = median(rates), time.Duration(median(p50s)), time.Duration(median(p99s))
	out.ServerCPU, out.ClientCPU = median(scpu), median(ccpu)
	return out
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if m := len(v) / 2; len(v)%2 == 1 {
		return v[m]
	} else {
		return (v[m-1] + v[m]) / 2
	}
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
