package cmd

import (
	"testing"

	"github.com/phoneinc/contacts/internal/format"
)

func TestNewCmdExport(t *testing.T) {
	testNewCmd(t, newCmdExport, nil, []flagTest[exportOptions]{
		{name: "json by default", cli: "", want: exportOptions{Format: format.JSON, VCardVersion: "4.0"}},
		{name: "format", cli: "--format csv", want: exportOptions{Format: format.CSV, VCardVersion: "4.0"}},
		{name: "format from the file's extension", cli: "--output-file backup.VCF",
			want: exportOptions{Format: format.VCard, OutputFile: "backup.VCF", VCardVersion: "4.0"}},
		{name: "format wins over the extension", cli: "--output-file backup.vcf --format jsonl",
			want: exportOptions{Format: format.JSONL, OutputFile: "backup.vcf", VCardVersion: "4.0"}},
		{name: "vcard 3.0", cli: "--format vcard --vcard-version 3.0", want: exportOptions{Format: format.VCard, VCardVersion: "3.0"}},
		{name: "no format from the file", cli: "--output-file backup",
			wantErr: `--output-file: cannot tell the format from "backup"; give --format csv, vcard, json or jsonl`},
		{name: "unknown format", cli: "--format xml", wantErr: `--format: unknown format "xml": use csv, vcard, json or jsonl`},
		{name: "unknown vcard version", cli: "--vcard-version 2.1", wantErr: `--vcard-version: "2.1" is not 3.0 or 4.0`},
		{name: "force", cli: "--output-file export_test.go --format csv --force",
			want: exportOptions{Format: format.CSV, OutputFile: "export_test.go", VCardVersion: "4.0", Force: true}},
		{name: "an existing file on a terminal", cli: "--output-file export_test.go --format csv", tty: true,
			want: exportOptions{Format: format.CSV, OutputFile: "export_test.go", VCardVersion: "4.0"}},
		{name: "an existing file off a terminal", cli: "--output-file export_test.go --format csv",
			wantErr: "--output-file: export_test.go exists; export needs --force to replace it when not run on a terminal; nothing was written"},
		{name: "an argument", cli: "backup.json", wantErr: `unknown command "backup.json" for "contacts export" (see 'contacts export --help')`},
	})
}
