package cmd

import "testing"

const someID = "01JVWX3G8K9Q2M4N5P6R7S8T9V"

func TestNewCmdHistory(t *testing.T) {
	testNewCmd(t, newCmdHistory, nil, []flagTest[historyOptions]{
		{name: "operations", cli: "", want: historyOptions{}},
		{name: "a contact", cli: someID, want: historyOptions{Ref: someID}},
		{name: "a number", cli: `"+45 20 12 34 56" --limit 3 --since 7d`, want: historyOptions{Ref: "+45 20 12 34 56", Limit: 3, Since: "7d"}},
		{name: "since a time", cli: "--since 2026-12-01", want: historyOptions{Since: "2026-12-01"}},
		{name: "stats", cli: "--stats", want: historyOptions{Stats: true}},
		{name: "two refs", cli: someID + " x", wantErr: "history: 2 arguments given; it takes a contact id or phone number (see 'contacts history --help')"},
		{name: "limit 0", cli: "--limit 0", wantErr: "--limit: 0 is not a positive number"},
		{name: "bad since", cli: "--since soon", wantErr: `--since: "soon" is neither a duration (24h, 7d) nor a time (2026-12-01, 2026-12-01T10:00:00Z)`},
		{name: "stats of a contact", cli: someID + " --stats", wantErr: "--stats takes no REF"},
	})
}

func TestNewCmdUndo(t *testing.T) {
	testNewCmd(t, newCmdUndo, nil, []flagTest[undoOptions]{
		{name: "the last", cli: "", want: undoOptions{}},
		{name: "one", cli: someID, want: undoOptions{Operation: someID}},
		{name: "forced", cli: someID + " --force", want: undoOptions{Operation: someID, Force: true}},
		{name: "two", cli: someID + " " + someID, wantErr: "undo: 2 arguments given; it takes an operation id (see 'contacts undo --help')"},
	})
}

func TestNewCmdRestore(t *testing.T) {
	testNewCmd(t, newCmdRestore, nil, []flagTest[restoreOptions]{
		{name: "one", cli: someID, want: restoreOptions{ID: someID}},
		{name: "none", cli: "", wantErr: "restore: the id of a deleted contact is required (see 'contacts restore --help')"},
	})
}

func TestNewCmdBackup(t *testing.T) {
	testNewCmd(t, newCmdBackup, nil, []flagTest[backupOptions]{
		{name: "default file", cli: "", want: backupOptions{}},
		{name: "a file", cli: "b.db --force", want: backupOptions{File: "b.db", Force: true}},
		{name: "all", cli: "--all dir", want: backupOptions{File: "dir", All: true}},
		{name: "restore", cli: "--restore b.db", want: backupOptions{File: "b.db", Restore: true}},
		{name: "restore forced", cli: "--restore b.db --force", want: backupOptions{File: "b.db", Restore: true, Force: true}},
		{name: "restore and a file", cli: "--restore b.db c.db", wantErr: "--restore takes the backup to restore; give no other FILE"},
		{name: "restore all", cli: "--restore b.db --all", wantErr: "--restore restores one book: --all cannot go with it"},
		{name: "restore nothing", cli: "--restore ''", wantErr: "--restore needs the backup FILE"},
		{name: "two files", cli: "a.db b.db", wantErr: "backup: 2 arguments given; it takes a backup file (see 'contacts backup --help')"},
	})
}

func TestNewCmdBooks(t *testing.T) {
	testNewCmd(t, newCmdBooks, nil, []flagTest[booksOptions]{
		{name: "all", cli: "", want: booksOptions{}},
		{name: "an argument", cli: "acme", wantErr: "unknown command \"acme\" for \"contacts books\" (see 'contacts books --help')"},
	})
}
