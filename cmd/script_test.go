package cmd_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/phoneinc/contacts/cmd"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain makes this test binary also the contacts binary: testscript puts
// a copy named "contacts" on PATH, and running it runs cmd.Main, the same
// code as cmd/contacts.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"contacts": func() { os.Exit(cmd.Main()) },
		"testcurl": func() { os.Exit(testCurl(os.Args[1:])) },
	})
}

func TestScript(t *testing.T) {
	testscript.Run(t, scriptParams("testdata/script", false))
}

// TestScriptClient runs the same scripts again in client mode: every
// script gets its own real `contacts serve` process, over a data directory
// of its own ($WORK/server, apart from $DATA: the CLI in client mode must
// not touch the local books), and CONTACTS_SERVER and CONTACTS_API_KEY
// point the CLI at it, with a key of the company "default". Lines that
// only make sense on a local book are marked [!client], with a comment
// that says why.
func TestScriptClient(t *testing.T) {
	p := scriptParams("testdata/script", true)
	setup := p.Setup
	p.Setup = func(env *testscript.Env) error {
		if err := setup(env); err != nil {
			return err
		}
		return startServer(env)
	}
	testscript.Run(t, p)
}

// scriptParams runs the scripts in dir. client is the condition [client]:
// the scripts run against a server (TestScriptClient).
func scriptParams(dir string, client bool) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		RequireUniqueNames:  true,
		RequireExplicitExec: false,
		Condition: func(cond string) (bool, error) {
			if cond == "client" {
				return client, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Setup: func(env *testscript.Env) error {
			home := filepath.Join(env.WorkDir, "home")
			env.Setenv("HOME", home)
			env.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
			env.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
			env.Setenv("DATA", filepath.Join(home, ".local", "share", "contacts"))
			for _, kv := range os.Environ() {
				if strings.HasPrefix(kv, "CONTACTS_") || strings.HasPrefix(kv, "NO_COLOR=") {
					env.Setenv(strings.SplitN(kv, "=", 2)[0], "")
				}
			}
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exit":       cmdExit,
			"json2env":   cmdJSON2Env,
			"perm":       cmdPerm,
			"parallel":   cmdParallel,
			"waitlisten": cmdWaitListen,
		},
	}
}

// exit N cmd args... runs a command and checks its exact exit status
// (testscript's ! only says "non-zero").
func cmdExit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exit STATUS command args...")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exit: bad status %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		got = ee.ExitCode()
	} else if err != nil {
		ts.Fatalf("exit: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// json2env NAME KEY sets $NAME to the string KEY of the JSON object on the
// last command's stdout (of the first object, when it is an array).
func cmdJSON2Env(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: json2env NAME KEY")
	}
	var obj map[string]any
	out := []byte(ts.ReadFile("stdout"))
	var arr []map[string]any
	if err := json.Unmarshal(out, &arr); err == nil && len(arr) > 0 {
		obj = arr[0]
	} else if err := json.Unmarshal(out, &obj); err != nil {
		ts.Fatalf("json2env: stdout is not a JSON object: %v", err)
	}
	v, ok := obj[args[1]].(string)
	if !ok {
		ts.Fatalf("json2env: no string %q in stdout", args[1])
	}
	ts.Setenv(args[0], v)
}

// perm MODE PATH checks a file's permission bits (octal).
func cmdPerm(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: perm MODE PATH")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil {
		ts.Fatalf("perm: bad mode %q", args[0])
	}
	fi, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	if got := uint64(fi.Mode().Perm()); (got == want) == neg {
		ts.Fatalf("%s has mode %o, want %s%o", args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// parallel N cmd args... starts N copies of a command at the same moment,
// each with {i} in its arguments replaced by its index, waits for all, and
// prints on stdout one line per exit status, "exit 0: 1" (sorted), and
// every stderr line on stderr.
func cmdParallel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: parallel N command args...")
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	path, err := exec.LookPath(args[1])
	ts.Check(err)
	env := os.Environ()
	for _, k := range []string{"HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "CONTACTS_COMPANY", "CONTACTS_DATA_DIR", "CONTACTS_REGION", "CONTACTS_OUTPUT",
		"CONTACTS_CONFIG", "CONTACTS_SERVER", "CONTACTS_API_KEY"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = map[int]int{}
		stderr strings.Builder
		start  = make(chan struct{})
	)
	for i := 0; i < n; i++ {
		cmdArgs := make([]string, len(args)-2)
		for j, a := range args[2:] {
			cmdArgs[j] = strings.ReplaceAll(a, "{i}", strconv.Itoa(i))
		}
		c := exec.Command(path, cmdArgs...)
		c.Env = env
		c.Dir = ts.MkAbs(".")
		var errBuf strings.Builder
		c.Stderr = &errBuf
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			err := c.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				code = -1
			}
			mu.Lock()
			counts[code]++
			stderr.WriteString(errBuf.String())
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	var codes []int
	for code := range counts {
		codes = append(codes, code)
	}
	sort.Ints(codes)
	var out strings.Builder
	for _, code := range codes {
		fmt.Fprintf(&out, "exit %d: %d\n", code, counts[code])
	}
	fmt.Fprint(ts.Stdout(), out.String())
	fmt.Fprint(ts.Stderr(), stderr.String())
}
