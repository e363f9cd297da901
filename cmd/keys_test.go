package cmd

import "testing"

func TestNewCmdKeysCreate(t *testing.T) {
	testNewCmd(t, newCmdKeysCreate, []string{"keys"}, []flagTest[keysCreateOptions]{
		{name: "no label", cli: ""},
		{name: "label", cli: `--name "front desk"`, want: keysCreateOptions{Name: "front desk"}},
		{name: "an argument", cli: "laptop", wantErr: `unknown command "laptop" for "contacts keys create" (see 'contacts keys create --help')`},
	})
}

func TestNewCmdKeysList(t *testing.T) {
	testNewCmd(t, newCmdKeysList, []string{"keys"}, []flagTest[keysListOptions]{
		{name: "no arguments", cli: ""},
		{name: "an argument", cli: "acme", wantErr: `unknown command "acme" for "contacts keys list" (see 'contacts keys list --help')`},
		{name: "unknown flag", cli: "--name x", wantErr: "unknown flag: --name (see 'contacts keys list --help')"},
	})
}

func TestNewCmdKeysRevoke(t *testing.T) {
	const id = "01jvwx3g8k9q2m4n5p6r7s8t9v"
	testNewCmd(t, newCmdKeysRevoke, []string{"keys"}, []flagTest[keysRevokeOptions]{
		{name: "id on a terminal", cli: id, tty: true, want: keysRevokeOptions{ID: id}},
		{name: "id with --yes", cli: "--yes " + id, want: keysRevokeOptions{ID: id, Yes: true}},
		{name: "-y", cli: "-y " + id, want: keysRevokeOptions{ID: id, Yes: true}},
		{name: "off a terminal without --yes", cli: id, wantErr: "keys revoke needs --yes when not run on a terminal; nothing was revoked"},
		{name: "no id", cli: "", wantErr: "keys revoke: the id of a key is required (see 'contacts keys revoke --help')"},
		{name: "two ids", cli: "a b", wantErr: "keys revoke: 2 arguments given; it takes the id of a key (see 'contacts keys revoke --help')"},
	})
}
