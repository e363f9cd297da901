package cmd

import (
	"testing"

	"github.com/phoneinc/contacts"
)

func TestNewCmdEdit(t *testing.T) {
	s := func(v string) *string { return &v }
	const id = "01JVWX3G8K9Q2M4N5P6R7S8T9V"
	needs := "edit needs at least one of --name, --email, --phone, --company-name, --note, --note-file, or a terminal to edit the contact in $EDITOR"
	testNewCmd(t, newCmdEdit, nil, []flagTest[editOptions]{
		{name: "name", cli: id + " --name Ann", want: editOptions{Ref: id, Update: contacts.ContactUpdate{Name: s("Ann")}}},
		{name: "every field", cli: `+4520123456 --name "Ann B" --email a@b.dk --phone "+45 20 12 34 57" --company-name Acme --note "n"`,
			want: editOptions{Ref: "+4520123456", Update: contacts.ContactUpdate{Name: s("Ann B"), Email: s("a@b.dk"),
				Phone: s("+45 20 12 34 57"), CompanyName: s("Acme"), Note: s("n")}}},
		{name: "empty values clear", cli: id + " --email '' --company-name '' --note ''",
			want: editOptions{Ref: id, Update: contacts.ContactUpdate{Email: s(""), CompanyName: s(""), Note: s("")}}},
		{name: "note file", cli: id + " --note-file note.txt", want: editOptions{Ref: id, NoteFile: "note.txt"}},
		{name: "note from stdin", cli: id + " --note-file - --name x", want: editOptions{Ref: id, NoteFile: "-", Update: contacts.ContactUpdate{Name: s("x")}}},
		{name: "no field on a terminal: the editor", cli: id, tty: true, want: editOptions{Ref: id}},
		{name: "no field off a terminal", cli: id, wantErr: needs},
		{name: "note and note file", cli: id + " --note a --note-file b", wantErr: "--note and --note-file cannot be used together"},
		{name: "note file without a name", cli: id + " --note-file ''", wantErr: "--note-file needs a file name (- for standard input)"},
		{name: "note file without a name, on a terminal", cli: id + " --note-file ''", tty: true, wantErr: "--note-file needs a file name (- for standard input)"},
		{name: "no ref", cli: "--name Ann", wantErr: "edit: a contact id or phone number is required (see 'contacts edit --help')"},
		{name: "two refs", cli: "a b --name Ann", wantErr: "edit: 2 arguments given; it takes a contact id or phone number (see 'contacts edit --help')"},
	})
}
