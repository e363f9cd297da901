package cmd

import "testing"

func TestNewCmdSync(t *testing.T) {
	const url = "https://dav.example.com/ann/contacts/"
	ask := "--conflict ask needs a terminal to ask on: use local, remote or newest"
	listOnly := "--list-books only lists: --dry-run, --yes and --conflict do not apply"
	testNewCmd(t, newCmdSync, nil, []flagTest[syncOptions]{
		{name: "from the config file", cli: "", want: syncOptions{Conflict: "newest"}},
		{name: "url argument", cli: url + " --username ann", want: syncOptions{URL: url, Username: "ann", Conflict: "newest"}},
		{name: "url flag", cli: "--url " + url, want: syncOptions{URL: url, Conflict: "newest"}},
		{name: "url twice, the same", cli: url + " --url ' " + url + "'", want: syncOptions{URL: url, Conflict: "newest"}},
		{name: "url twice, different", cli: url + " --url https://other.example.com/", wantErr: "give the URL once: as an argument or with --url"},
		{name: "policies", cli: "--conflict local --dry-run --yes", want: syncOptions{Conflict: "local", DryRun: true, Yes: true}},
		{name: "remote", cli: "--conflict remote", want: syncOptions{Conflict: "remote"}},
		{name: "unknown policy", cli: "--conflict nope", wantErr: `--conflict: "nope" is not one of local, remote, newest, ask`},
		{name: "ask on a terminal", cli: "--conflict ask", tty: true, want: syncOptions{Conflict: "ask"}},
		{name: "ask off a terminal", cli: "--conflict ask", wantErr: ask},
		{name: "ask off a terminal, dry run", cli: "--conflict ask --dry-run", want: syncOptions{Conflict: "ask", DryRun: true}},
		{name: "list books", cli: "--list-books " + url, want: syncOptions{URL: url, Conflict: "newest", ListBooks: true}},
		{name: "list books with dry run", cli: "--list-books --dry-run", wantErr: listOnly},
		{name: "list books with yes", cli: "--list-books --yes", wantErr: listOnly},
		{name: "list books with the default policy given", cli: "--list-books --conflict newest", wantErr: listOnly},
		{name: "two urls", cli: "a b", wantErr: "sync: 2 arguments given; it takes a CardDAV address book URL (see 'contacts sync --help')"},
	})
}
