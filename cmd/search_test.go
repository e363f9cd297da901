package cmd

import "testing"

func TestNewCmdSearch(t *testing.T) {
	testNewCmd(t, newCmdSearch, nil, []flagTest[searchOptions]{
		{name: "one word", cli: "ann", want: searchOptions{Query: "ann", Limit: defaultSearchLimit}},
		{name: "words are one query", cli: `ann "acme aps" --limit 5`, want: searchOptions{Query: "ann acme aps", Limit: 5}},
		{name: "digits", cli: "2012 34", want: searchOptions{Query: "2012 34", Limit: defaultSearchLimit}},
		{name: "a query that starts with -", cli: "-- -x", want: searchOptions{Query: "-x", Limit: defaultSearchLimit}},
		{name: "limit 0", cli: "ann --limit 0", wantErr: "--limit: 0 is not a positive number"},
		{name: "negative limit", cli: "ann --limit -1", wantErr: "--limit: -1 is not a positive number"},
		{name: "no query", cli: "", wantErr: "search: what to search for is required (see 'contacts search --help')"},
	})
}
