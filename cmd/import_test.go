package cmd

import (
	"testing"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/format"
)

func TestNewCmdImport(t *testing.T) {
	fail := contacts.ImportOptions{OnConflict: contacts.ConflictFail}
	testNewCmd(t, newCmdImport, nil, []flagTest[importOptions]{
		{name: "file", cli: "google-contacts.csv", want: importOptions{File: "google-contacts.csv", Import: fail}},
		{name: "standard input with a format", cli: "- --format jsonl", want: importOptions{File: "-", Format: format.JSONL, Import: fail}},
		{name: "format in any case, and its other names", cli: "x --format VCF", want: importOptions{File: "x", Format: format.VCard, Import: fail}},
		{name: "empty format: from the file", cli: "x.csv --format ''", want: importOptions{File: "x.csv", Import: fail}},
		{name: "every flag", cli: "crm.csv --on-conflict update --skip-invalid --dry-run", want: importOptions{File: "crm.csv",
			Import: contacts.ImportOptions{OnConflict: contacts.ConflictUpdate, SkipInvalid: true, DryRun: true}}},
		{name: "skip", cli: "x --on-conflict skip", want: importOptions{File: "x", Import: contacts.ImportOptions{OnConflict: contacts.ConflictSkip}}},
		{name: "replace", cli: "x --on-conflict=replace", want: importOptions{File: "x", Import: contacts.ImportOptions{OnConflict: contacts.ConflictReplace}}},
		{name: "unknown policy", cli: "x --on-conflict nope", wantErr: `--on-conflict: "nope" is not one of fail, skip, update, replace`},
		{name: "policy before format", cli: "x --on-conflict '' --format yaml", wantErr: `--on-conflict: "" is not one of fail, skip, update, replace`},
		{name: "unknown format", cli: "x --format yaml", wantErr: `--format: unknown format "yaml": use csv, vcard, json or jsonl`},
		{name: "no file", cli: "", wantErr: "import: a file to import (or - for standard input) is required (see 'contacts import --help')"},
		{name: "two files", cli: "a b", wantErr: "import: 2 arguments given; it takes a file to import (or - for standard input) (see 'contacts import --help')"},
	})
}
