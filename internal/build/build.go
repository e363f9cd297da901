// Package build holds the version stamped into the binary.
package build

import "runtime/debug"

// Set by the linker: -ldflags "-X github.com/phoneinc/contacts/internal/build.Version=1.2.3".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// String is the version line that --version prints.
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
	if v == "" {
		v = "dev"
	}
	out := v
	if len(commit) > 12 {
		commit = commit[:12]
	}
	if commit != "" && date != "" {
		out += " (" + commit + ", " + date + ")"
	} else if commit != "" {
		out += " (" + commit + ")"
	}
	return out
}
