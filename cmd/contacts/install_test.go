package main

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"
)

const modulePath = "github.com/phoneinc/contacts"

// TestGoInstall proves that `go install github.com/phoneinc/contacts/cmd/contacts@latest`
// works, as it does for a user: the module (this work tree, zipped by the
// go command's own rules) is served from a file-based module proxy,
// its dependencies come from the local module cache (whose cache/download
// directory is itself a module proxy), so no network is needed, and the
// binary is installed into an empty GOBIN with an empty module cache. It
// fails if go.mod has a replace directive, if the module zip would be
// refused (a file too large, a bad name), or if the installed binary does
// not run.
func TestGoInstall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the whole module: not in -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	root := moduleRoot(t)
	files := workTreeFiles(t, root)
	gomodcache := strings.TrimSpace(string(run(t, "", nil, goBin, "env", "GOMODCACHE")))

	// A pseudo-version, as a proxy serves @latest of a repository
	// without release tags.
	const version = "v0.0.0-20260101000000-0123456789ab"
	tmp := t.TempDir()
	proxy := filepath.Join(tmp, "proxy")
	vdir := filepath.Join(proxy, filepath.FromSlash(modulePath), "@v")
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(vdir, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.Create(zf, module.Version{Path: modulePath, Version: version}, files); err != nil {
		t.Fatalf("the module zip: %v", err)
	}
	if err := zf.Close(); err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(map[string]any{"Version": version, "Time": time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	for name, data := range map[string][]byte{
		version + ".mod":  gomod,
		version + ".info": info,
		"list":            nil, // no release tags: @latest answers
		"../@latest":      info,
	} {
		if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	gobin := filepath.Join(tmp, "bin")
	env := goEnv(map[string]string{
		"GOPROXY":    "file://" + filepath.ToSlash(proxy) + ",file://" + filepath.ToSlash(filepath.Join(gomodcache, "cache", "download")),
		"GOMODCACHE": filepath.Join(tmp, "modcache"),
		"GOBIN":      gobin,
		// go install m@v checks what it downloads against the public
		// checksum database, which is not reachable offline (and does not
		// know this module): the test checks the dependencies against the
		// module's go.sum itself, below.
		"GOSUMDB":   "off",
		"GONOSUMDB": modulePath,
		"GOPRIVATE": "", "GONOPROXY": "", "GOINSECURE": "", "GOWORK": "off",
		// -modcacherw lets t.TempDir remove the module cache; -trimpath
		// and CGO_ENABLED=0 build as a release does, and let the build
		// cache serve the dependencies that make build compiled.
		"GOFLAGS":     "-modcacherw -trimpath",
		"CGO_ENABLED": "0",
	})
	run(t, tmp, env, goBin, "install", modulePath+"/cmd/contacts@latest")
	checkSums(t, filepath.Join(tmp, "modcache"), filepath.Join(root, "go.sum"))

	bin := filepath.Join(gobin, "contacts")
	home := filepath.Join(tmp, "home")
	runEnv := append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"CONTACTS_DATA_DIR="+filepath.Join(tmp, "data"), "CONTACTS_COMPANY=acme", "CONTACTS_SERVER=", "CONTACTS_REGION=",
		"CONTACTS_OUTPUT=", "CONTACTS_CONFIG=")
	if got := string(run(t, tmp, runEnv, bin, "--version")); !strings.Contains(got, version) {
		t.Errorf("contacts --version = %q, want the installed version %s", got, version)
	}
	run(t, tmp, runEnv, bin, "add", "--phone", "+45 20 12 34 56", "--name", "Niklas Stephenson")
	if got := string(run(t, tmp, runEnv, bin, "lookup", "004520123456")); !strings.Contains(got, "Niklas Stephenson") {
		t.Errorf("contacts lookup after add printed %q, want Niklas Stephenson", got)
	}
}

// moduleRoot is the directory of this module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module "+modulePath+"\n")) {
			return d
		}
		if filepath.Dir(d) == d {
			t.Fatalf("no go.mod of %s above %s", modulePath, wd)
		}
	}
}

// workTreeFiles are the files a commit of the work tree would hold: those
// git tracks or would add (not ignored ones such as bin/ or bench-data/),
// as they are on disk now.
func workTreeFiles(t *testing.T, root string) []modzip.File {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is needed to list the module's files")
	}
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("not a git work tree (%v): cannot list the module's files", err)
	}
	var files []modzip.File
	for _, p := range strings.Split(string(out), "\x00") {
		if p == "" {
			continue
		}
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(p)))
		if err != nil {
			continue // deleted in the work tree, not yet committed
		}
		files = append(files, diskFile{root: root, path: p, info: fi})
	}
	return files
}

// checkSums checks every module zip that the install downloaded into
// modcache against go.sum, as the checksum database would have: each must
// be listed there with the same hash.
func checkSums(t *testing.T, modcache, gosum string) {
	t.Helper()
	b, err := os.ReadFile(gosum)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		sums[line] = true
	}
	dl := filepath.Join(modcache, "cache", "download")
	n := 0
	err = filepath.WalkDir(dl, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".ziphash") {
			return err
		}
		rel, _ := filepath.Rel(dl, p)
		escPath, file, ok := strings.Cut(filepath.ToSlash(rel), "/@v/")
		if !ok {
			return nil
		}
		mod, err := module.UnescapePath(escPath)
		if err != nil {
			return err
		}
		version, err := module.UnescapeVersion(strings.TrimSuffix(file, ".ziphash"))
		if err != nil {
			return err
		}
		if mod == modulePath {
			return nil
		}
		hash, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if line := mod + " " + version + " " + strings.TrimSpace(string(hash)); !sums[line] {
			t.Errorf("go install downloaded %s %s with hash %s, which go.sum does not list", mod, version, bytes.TrimSpace(hash))
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("go install downloaded no dependency: nothing was checked against go.sum")
	}
}

type diskFile struct {
	root, path string
	info       os.FileInfo
}

func (f diskFile) Path() string                { return f.path }
func (f diskFile) Lstat() (os.FileInfo, error) { return f.info, nil }
func (f diskFile) Open() (io.ReadCloser, error) {
	return os.Open(filepath.Join(f.root, filepath.FromSlash(f.path)))
}

// goEnv is the environment with the given variables set, replacing any of
// the same name.
func goEnv(set map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !hasKey(set, k) {
			env = append(env, kv)
		}
	}
	for k, v := range set {
		env = append(env, k+"="+v)
	}
	return env
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// run runs a command and returns its stdout; it fails the test on a
// non-zero exit, with the command's stderr.
func run(t *testing.T, dir string, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.Bytes())
	}
	return out
}
