package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
	"go.yaml.in/yaml/v3"
)

// syncAccount is one company's CardDAV account, from the config file's
// sync section and the flags:
//
//	sync:
//	  acme:
//	    url: https://dav.example.com/
//	    username: ann
//	    password_command: pass show dav/acme   # or password_env: ACME_DAV_PASSWORD
//
// The password is never a key of the file: it comes from a command (a
// keyring tool) or an environment variable.
type syncAccount struct {
	URL             string `yaml:"url"`
	Username        string `yaml:"username"`
	PasswordEnv     string `yaml:"password_env"`
	PasswordCommand string `yaml:"password_command"`
}

// syncKeys are the keys of a company's sync section.
var syncKeys = []string{"url", "username", "password_env", "password_command"}

// syncPasswordEnv is the variable the password is read from when the
// config file names neither a variable nor a command.
const syncPasswordEnv = "CONTACTS_SYNC_PASSWORD"

// loadSyncAccount reads company's sync section of the config file (none:
// an empty account). A section that is not what it should be is a usage
// error (exit 2) naming the key.
func loadSyncAccount(file, company string) (*syncAccount, error) {
	acct := &syncAccount{}
	if file == "" {
		return acct, nil
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return acct, nil
	} else if err != nil {
		return nil, err
	}
	var doc struct {
		Sync yaml.Node `yaml:"sync"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, usageErrorf("config file %s does not parse: %s", file, oneLine(err.Error()))
	}
	if doc.Sync.Kind == 0 {
		return acct, nil
	}
	if doc.Sync.Kind != yaml.MappingNode {
		return nil, usageErrorf("config file %s: sync: must map company names to their CardDAV accounts", file)
	}
	for i := 0; i+1 < len(doc.Sync.Content); i += 2 {
		if doc.Sync.Content[i].Value != company {
			continue
		}
		sec := doc.Sync.Content[i+1]
		where := fmt.Sprintf("config file %s: sync.%s", file, company)
		if sec.Kind != yaml.MappingNode {
			return nil, usageErrorf("%s: must be a map with the keys %s", where, strings.Join(syncKeys, ", "))
		}
		for j := 0; j+1 < len(sec.Content); j += 2 {
			k, v := sec.Content[j].Value, sec.Content[j+1]
			switch {
			case k == "password":
				return nil, usageErrorf("%s.password: a password is not kept in the config file: use password_command (a keyring tool) or password_env", where)
			case !contains(syncKeys, k):
				return nil, usageErrorf("%s.%s: unknown key (known: %s)", where, k, strings.Join(syncKeys, ", "))
			case v.Kind != yaml.ScalarNode:
				return nil, usageErrorf("%s.%s: must be a string", where, k)
			}
		}
		if err := sec.Decode(acct); err != nil {
			return nil, usageErrorf("%s: %s", where, oneLine(err.Error()))
		}
		acct.URL = strings.TrimSpace(acct.URL)
		return acct, nil
	}
	return acct, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// password returns the account's password: the output of
// password_command, else the variable password_env names, else
// CONTACTS_SYNC_PASSWORD ("" when unset: no authentication).
func (a *syncAccount) password(ctx context.Context, company string) (string, error) {
	where := "sync." + company
	switch {
	case a.PasswordCommand != "":
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		c := exec.CommandContext(ctx, "sh", "-c", a.PasswordCommand)
		var stdout, stderr bytes.Buffer
		c.Stdout, c.Stderr = &stdout, &stderr
		c.Stdin = os.Stdin // a keyring tool may ask for its passphrase
		if err := c.Run(); err != nil {
			msg := strings.TrimSpace(stderr.String())
			if i := strings.IndexByte(msg, '\n'); i >= 0 {
				msg = msg[:i]
			}
			if msg != "" {
				msg = ": " + msg
			}
			return "", usageErrorf("%s.password_command: %v%s", where, err, msg)
		}
		pw, _, _ := strings.Cut(stdout.String(), "\n")
		return strings.TrimRight(pw, "\r"), nil
	case a.PasswordEnv != "":
		pw, ok := os.LookupEnv(a.PasswordEnv)
		if !ok {
			return "", usageErrorf("%s.password_env: the environment variable %s is not set", where, a.PasswordEnv)
		}
		return pw, nil
	}
	return os.Getenv(syncPasswordEnv), nil
}

// syncCompanies lists the companies of the config file's sync section,
// for help on a missing URL.
func syncCompanies(file string) []string {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	var doc struct {
		Sync map[string]any `yaml:"sync"`
	}
	if yaml.Unmarshal(b, &doc) != nil {
		return nil
	}
	var out []string
	for k := range doc.Sync {
		if contacts.ValidateCompany(k) == nil {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
