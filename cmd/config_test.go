package cmd_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// TestHostileConfigFile: a config file, named by --config, by
// CONTACTS_CONFIG or found at the default path, must be a regular file of
// at most 1 MiB; anything else is a usage error (exit 2) that names it, at
// once: a FIFO does not hang the command, /dev/zero does not fill the
// memory. The real binary runs, under a 2 GB address-space limit (so that
// a reader of /dev/zero fails instead of taking the machine's memory; not
// under the race detector, which needs more) and a deadline (so that a
// reader of a FIFO fails instead of hanging the test).
func TestHostileConfigFile(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("FIFOs, /dev/zero and ulimit -v")
	}
	bin := hardenBin(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "config.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cfgDir := filepath.Join(dir, "config", "contacts")
	os.MkdirAll(cfgDir, 0o700)
	pad := func(n int) string { // a valid config of exactly n bytes
		s := "company: acme\n"
		return s + "#" + strings.Repeat("x", n-len(s)-2) + "\n"
	}
	atCap := filepath.Join(dir, "cap.yaml")
	overCap := filepath.Join(dir, "over.yaml")
	os.WriteFile(atCap, []byte(pad(1<<20)), 0o600)
	os.WriteFile(overCap, []byte(pad(1<<20+1)), 0o600)

	for _, tc := range []struct {
		name string
		// setup makes the default config file, when the case needs one.
		setup func(t *testing.T)
		env   []string
		args  []string
		want  int
		// names is what the error must name, "" for a success.
		names string
	}{
		{name: "FIFO", args: []string{"--config", fifo}, want: 2, names: fifo},
		{name: "DevZero", args: []string{"--config", "/dev/zero"}, want: 2, names: "/dev/zero"},
		{name: "DevNull", args: []string{"--config", "/dev/null"}, want: 2, names: "/dev/null"},
		{name: "Directory", args: []string{"--config", dir}, want: 2, names: dir},
		{name: "OverCap", args: []string{"--config", overCap}, want: 2, names: overCap},
		{name: "AtCap", args: []string{"--config", atCap}, want: 0},
		{name: "EnvFIFO", env: []string{"CONTACTS_CONFIG=" + fifo}, want: 2, names: fifo},
		{name: "EnvDevZero", env: []string{"CONTACTS_CONFIG=/dev/zero"}, want: 2, names: "/dev/zero"},
		{name: "DefaultFIFO", setup: func(t *testing.T) {
			if err := syscall.Mkfifo(filepath.Join(cfgDir, "config.yaml"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: 2, names: filepath.Join(cfgDir, "config.yaml")},
		{name: "DefaultDirectory", setup: func(t *testing.T) {
			if err := os.Mkdir(filepath.Join(cfgDir, "config.yaml"), 0o700); err != nil {
				t.Fatal(err)
			}
		}, want: 2, names: filepath.Join(cfgDir, "config.yaml")},
		{name: "DefaultSymlinkToDevZero", setup: func(t *testing.T) {
			if err := os.Symlink("/dev/zero", filepath.Join(cfgDir, "config.yaml")); err != nil {
				t.Fatal(err)
			}
		}, want: 2, names: filepath.Join(cfgDir, "config.yaml")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.RemoveAll(filepath.Join(cfgDir, "config.yaml"))
			if tc.setup != nil {
				tc.setup(t)
				defer os.RemoveAll(filepath.Join(cfgDir, "config.yaml"))
			}
			limit := `ulimit -v 2000000 && `
			if raceEnabled {
				limit = "" // the race detector reserves terabytes of address space
			}
			args := append([]string{"-c", limit + `exec "$0" "$@"`, bin}, tc.args...)
			c := exec.Command("sh", append(args, "--server", "", "list")...)
			c.Env = processEnv(dir, tc.env...)
			var stderr bytes.Buffer
			c.Stderr = &stderr
			if err := c.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- c.Wait() }()
			got := exitStatus(t, c, done, "list with config "+tc.name)
			msg := stderr.String()
			if got != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", got, tc.want, msg)
			}
			if tc.names == "" {
				return
			}
			if strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "contacts: config file "+tc.names+" ") {
				t.Errorf("stderr %q, want one line naming config file %s", msg, tc.names)
			}
		})
	}
}

// TestConfigWrongTypes: a setting of the config file whose value is a
// list, a mapping or a date is refused (exit 2, naming the key, in the
// JSON error's field too), whichever the key; it was read as "" or as
// some other text than the one written. One value (text, a number, true or
// false) and null (not set) are accepted.
func TestConfigWrongTypes(t *testing.T) {
	dir := hardenDir(t)
	books := filepath.Join(dir, "books")
	path := filepath.Join(dir, "config.yaml")
	for _, key := range []string{"company", "data_dir", "region", "output", "server", "api_key"} {
		for _, tc := range []struct {
			value string
			want  string // what the error says, "" for no error
		}{
			{"[1]", "must be a single value, not a list"},
			{"[a, b]", "must be a single value, not a list"},
			{"\n  - a\n  - b", "must be a single value, not a list"},
			{"{a: b}", "must be a single value, not a mapping"},
			{"\n  a: b", "must be a single value, not a mapping"},
			{"{}", "must be a single value, not a mapping"},
			{"[]", "must be a single value, not a list"},
			{"2001-12-14", "is read as a date: quote the value to give it as text"},
			{"null", ""},
		} {
			os.WriteFile(path, []byte(key+": "+tc.value+"\n"), 0o600)
			code, _, stderr := runCLI(t, false, "", "--config", path, "--server", "", "--data-dir", books, "list", "-o", "json")
			if tc.want == "" {
				if key != "output" && code != 0 {
					t.Errorf("%s: %s: exit %d, want 0: %s", key, tc.value, code, stderr)
				}
				continue
			}
			want := `{"error":{"code":"usage","field":"` + key + `","message":"config file ` + path + ": " + key + " " + tc.want + "\"}}\n"
			if code != 2 || stderr != want {
				t.Errorf("%s: %q: exit %d, stderr:\n%s\nwant exit 2 and\n%s", key, tc.value, code, stderr, want)
			}
		}
	}
	// One value of any kind is the text it reads as.
	for _, cfg := range []string{"company: 42\n", "company: true\n", "company: \"2001-12-14\"\n", "region: DK\n", "data_dir: 1\n"} {
		os.WriteFile(path, []byte(cfg), 0o600)
		if code, _, stderr := runCLI(t, false, "", "--config", path, "--server", "", "--data-dir", books, "list"); code != 0 {
			t.Errorf("%q: exit %d: %s", cfg, code, stderr)
		}
	}
}
