// Command vulndb builds a Go vulnerability database, in the v1 layout that
// govulncheck reads with -db file:///DIR, from the OSV files of the
// golang.org/x/vulndb module (its data/osv directory), so that `make vuln`
// checks the code offline, from the Go module proxy alone, where
// vuln.go.dev cannot be reached:
//
//	go run ./internal/tools/vulndb -osv $(go mod download -json golang.org/x/vulndb@VERSION | jq -r .Dir)/data/osv -out DIR
//
// The layout (https://go.dev/security/vuln/database#api) is
// index/db.json, index/modules.json, index/vulns.json and ID/<id>.json,
// each entry copied as it is. modules.json leaves out each vulnerability's
// "fixed" version, which the format makes optional: govulncheck then reads
// every entry of a module it finds and decides from the entry's own
// ranges, which is slower by milliseconds and never misses one.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"
)

// entry is what the index needs of an OSV entry.
type entry struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
}

type module struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type vuln struct {
	ID       string   `json:"id"`
	Modified string   `json:"modified"`
	Aliases  []string `json:"aliases,omitempty"`
}

var validID = regexp.MustCompile(`^GO-\d{4}-\d{4,}$`)

// pseudoTime is the commit time in a pseudo-version
// (v0.0.0-20261105234957-e22db6528018), zero when there is none.
func pseudoTime(version string) time.Time {
	m := regexp.MustCompile(`-(\d{14})-[0-9a-f]{12}$`).FindStringSubmatch(version)
	if m == nil {
		return time.Time{}
	}
	t, _ := time.Parse("20060102150405", m[1])
	return t
}

func main() {
	osvDir := flag.String("osv", "", "`directory` of OSV files <ID>.json (golang.org/x/vulndb's data/osv)")
	out := flag.String("out", "", "`directory` to write the database to")
	version := flag.String("version", "", "the golang.org/x/vulndb `version` read, whose commit time dates the database when the entries carry none")
	flag.Parse()
	if *osvDir == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: vulndb -osv DIR -out DIR [-version V]")
		os.Exit(2)
	}
	if err := build(*osvDir, *out, pseudoTime(*version)); err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

func build(osvDir, out string, dated time.Time) error {
	files, err := filepath.Glob(filepath.Join(osvDir, "*.json"))
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no OSV files in %s", osvDir)
	}
	for _, d := range []string{"index", "ID"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			return err
		}
	}
	modules := map[string]*module{}
	var vulns []vuln
	modified := dated
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
		if !validID.MatchString(e.ID) || filepath.Base(file) != e.ID+".json" {
			return fmt.Errorf("%s: the entry's id is %q", file, e.ID)
		}
		if len(e.Affected) == 0 {
			return fmt.Errorf("%s: no affected module", file)
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), b, 0o644); err != nil {
			return err
		}
		mod := e.Modified.UTC().Format(time.RFC3339)
		vulns = append(vulns, vuln{ID: e.ID, Modified: mod, Aliases: e.Aliases})
		seen := map[string]bool{}
		for _, a := range e.Affected {
			path := a.Package.Name
			if path == "" {
				return fmt.Errorf("%s: an affected package without a name", file)
			}
			if seen[path] {
				continue
			}
			seen[path] = true
			if modules[path] == nil {
				modules[path] = &module{Path: path}
			}
			modules[path].Vulns = append(modules[path].Vulns, moduleVuln{ID: e.ID, Modified: mod})
		}
		if e.Modified.After(modified) {
			modified = e.Modified
		}
	}
	if modified.IsZero() {
		return fmt.Errorf("cannot date the database: the entries carry no time, and -version is not a pseudo-version")
	}
	paths := make([]string, 0, len(modules))
	for p := range modules {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	mods := make([]*module, len(paths))
	for i, p := range paths {
		mods[i] = modules[p]
		sort.Slice(mods[i].Vulns, func(a, b int) bool { return mods[i].Vulns[a].ID < mods[i].Vulns[b].ID })
	}
	sort.Slice(vulns, func(a, b int) bool { return vulns[a].ID < vulns[b].ID })
	for name, v := range map[string]any{
		"db.json":      map[string]string{"modified": modified.UTC().Format(time.RFC3339)},
		"modules.json": mods,
		"vulns.json":   vulns,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "index", name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "vulndb: %d entries, %d modules, dated %s\n", len(vulns), len(mods), modified.UTC().Format(time.RFC3339))
	return nil
}
