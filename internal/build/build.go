// Package build holds the version stamped into the binary.
package build

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// Set by the linker: -ldflags "-X github.com/phoneinc/contacts/internal/build.Version=1.2.3".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// String is the version line that --version prints: the version, then the
// commit, the date, the Go version and the platform, each once.
func String() string {
	v, commit, date := Version, Commit, Date
	if info, ok := debug.ReadBuildInfo(); ok {
		if v == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			v = info.Main.Version // go install module@version
		}
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision" && commit == "":
				commit = s.Value
			case s.Key == "vcs.time" && date == "":
				date = s.Value
			}
		}
	}
	return format(v, commit, date, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
}

func format(v, commit, date, goVersion, platform string) string {
	// A build with no tag is versioned by its commit (git describe
	// --always): the commit is shown once, after "dev".
	if base := strings.TrimSuffix(v, "-dirty"); commit != "" && base != "" && strings.HasPrefix(commit, base) {
		v = "dev" + strings.TrimPrefix(v, base)
	}
	if v == "" {
		v = "dev"
	}
	if len(commit) > 12 {
		commit = commit[:12]
	}
	var parts []string
	if commit != "" {
		parts = append(parts, "commit "+commit)
	}
	if date != "" {
		parts = append(parts, "built "+date)
	}
	parts = append(parts, goVersion, platform)
	return v + " (" + strings.Join(parts, ", ") + ")"
}
