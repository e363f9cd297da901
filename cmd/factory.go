package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/phoneinc/contacts/store"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Factory gives commands their dependencies, lazily: --help and --version
// build the command tree without reading a config file or opening a book.
type Factory struct {
	IO *iostreams.IOStreams

	global  globalFlags
	cfg     *Config
	cfgErr  error
	cfgDone bool
	book    contacts.Service

	jsonFilter *jsonFilter // --jq/--json, when given
	// cmdPath is the command being run ("contacts keys create"), for
	// messages that name it.
	cmdPath string
	// signals stops the command on SIGINT or SIGTERM; nil when Run is
	// called in-process.
	signals *signalHandler
}

// globalFlags are the persistent flags of the root command.
type globalFlags struct {
	fs                                       *pflag.FlagSet
	jq, jsonFields                           string
	config, company, dataDir, region, output string
	server, apiKey                           string
}

// Config is the resolved configuration: flag > CONTACTS_* environment >
// config file > default.
type Config struct {
	Company string
	DataDir string
	Region  string // upper case, "" for none
	Output  string // "table" or "json"
	File    string // the config file read, "" when none
	// Server is the URL of a server of the Phone.inc Contacts API to use
	// instead of the local book (client mode), "" for none. In client mode
	// the API key decides the company: Company and DataDir are not used.
	Server string
	// APIKey is the key sent to Server. It is never printed.
	APIKey string
	// HistoryRetention is how long the books keep their history: 0 for
	// the store's default (90 days), negative for ever.
	HistoryRetention time.Duration
}

// JSON reports whether output (and errors) are JSON.
func (c *Config) JSON() bool { return c.Output == "json" }

// setting is one configuration key, with its flag and environment variable.
type setting struct{ key, flag, env string }

var settings = []setting{
	{"company", "company", "CONTACTS_COMPANY"},
	{"data_dir", "data-dir", "CONTACTS_DATA_DIR"},
	{"region", "region", "CONTACTS_REGION"},
	{"output", "output", "CONTACTS_OUTPUT"},
	{"server", "server", "CONTACTS_SERVER"},
	{"api_key", "api-key", "CONTACTS_API_KEY"},
	{"history_days", "", "CONTACTS_HISTORY_DAYS"},
}

// Config loads the configuration once.
func (f *Factory) Config() (*Config, error) {
	if !f.cfgDone {
		f.cfgDone = true
		f.cfg, f.cfgErr = f.loadConfig()
	}
	return f.cfg, f.cfgErr
}

func (f *Factory) loadConfig() (*Config, error) {
	v := viper.New()
	path, explicit := f.global.config, f.global.fs.Changed("config")
	if !explicit {
		if env := os.Getenv("CONTACTS_CONFIG"); env != "" {
			path, explicit = env, true
		}
	}
	if path == "" {
		path = defaultConfigFile()
	}
	cfg := &Config{}
	if path != "" {
		b, err := readConfigFile(path)
		var pe *fs.PathError
		switch {
		case errors.Is(err, fs.ErrNotExist) && explicit:
			return nil, usageErrorf("--config: %s does not exist", path)
		case errors.Is(err, fs.ErrNotExist):
		case errors.As(err, &pe):
			return nil, fmt.Errorf("config file %s: %v", path, pe.Err)
		case err != nil:
			return nil, err
		default:
			v.SetConfigType("yaml")
			if err := v.ReadConfig(bytes.NewReader(b)); err != nil {
				return nil, fmt.Errorf("config file %s does not parse: %s", path, oneLine(err.Error()))
			}
			if err := checkConfigTypes(v, path); err != nil {
				return nil, err
			}
			cfg.File = path
		}
	}
	v.SetDefault("company", contacts.DefaultCompany)
	v.SetDefault("output", "table")
	for _, s := range settings {
		_ = v.BindEnv(s.key, s.env)
		if fl := f.global.fs.Lookup(s.flag); fl != nil {
			_ = v.BindPFlag(s.key, fl)
		}
	}
	if cfg.File != "" {
		var unknown []string
		for _, k := range v.AllKeys() {
			if !knownKey(k) {
				unknown = append(unknown, k)
			}
		}
		if len(unknown) > 0 {
			sort.Strings(unknown)
			known := make([]string, len(settings))
			for i, s := range settings {
				known[i] = s.key
			}
			fmt.Fprintf(f.IO.ErrOut, "contacts: warning: %s: unknown keys ignored: %s (known: %s)\n",
				output.Safe(cfg.File, false), output.Safe(strings.Join(unknown, ", "), false), strings.Join(known, ", "))
		}
	}

	cfg.Output = strings.ToLower(strings.TrimSpace(v.GetString("output")))
	if cfg.Output != "table" && cfg.Output != "json" {
		out := cfg.Output
		cfg.Output = "table"
		switch out {
		case "csv", "vcard", "vcf", "jsonl":
			// A file format: export takes it, as --format.
			return cfg, usageErrorf("--output: %q is not an output format (use table or json); for a %s file, export --format %s", out, out, strings.Replace(out, "vcf", "vcard", 1))
		}
		return cfg, usageErrorf("--output: %q is not an output format (use table or json)", out)
	}
	cfg.Company = strings.TrimSpace(v.GetString("company"))
	if err := contacts.ValidateCompany(cfg.Company); err != nil {
		return cfg, err
	}
	region, err := contacts.NormalizeRegion(v.GetString("region"))
	if err != nil {
		return cfg, err
	}
	cfg.Region = region
	cfg.Server = strings.TrimSpace(v.GetString("server"))
	cfg.APIKey = strings.TrimSpace(v.GetString("api_key"))
	cfg.DataDir = expandHome(v.GetString("data_dir"))
	if cfg.DataDir != "" && !filepath.IsAbs(cfg.DataDir) && cfg.File != "" && f.fromFile("data-dir", "CONTACTS_DATA_DIR") {
		// A relative path in a config file means relative to that file,
		// not to wherever the command happens to run.
		cfg.DataDir = filepath.Join(filepath.Dir(cfg.File), cfg.DataDir)
	}
	if cfg.DataDir == "" {
		if cfg.DataDir, err = defaultDataDir(); err != nil {
			return cfg, err
		}
	}
	if v.IsSet("history_days") {
		days, err := strconv.Atoi(strings.TrimSpace(v.GetString("history_days")))
		if err != nil || days < 0 {
			return cfg, &contacts.Error{Code: contacts.EUSAGE, Field: "history_days",
				Message: fmt.Sprintf("history_days: %s is not a number of days (0 keeps history for ever)", contacts.Excerpt(v.GetString("history_days")))}
		}
		cfg.HistoryRetention = time.Duration(days) * 24 * time.Hour
		if days == 0 {
			cfg.HistoryRetention = -1
		}
	}
	return cfg, nil
}

// fromFile reports whether a setting's value came from the config file:
// neither its flag nor its environment variable gave one.
func (f *Factory) fromFile(flag, env string) bool {
	return !f.global.fs.Changed(flag) && os.Getenv(env) == ""
}

func knownKey(k string) bool {
	if strings.HasPrefix(k, "sync.") {
		return true // the companies' CardDAV accounts: see syncconfig.go
	}
	for _, s := range settings {
		if s.key == k {
			return true
		}
	}
	return false
}

// The one rule for where contacts keeps its files, the same on every
// platform (macOS and Windows too, whose own conventions are not used):
// the XDG base directories. The config file is
// $XDG_CONFIG_HOME/contacts/config.yaml, else ~/.config/contacts/config.yaml;
// the books are in $XDG_DATA_HOME/contacts, else ~/.local/share/contacts.
// A relative XDG_* value is ignored, as the XDG specification says.

// defaultConfigFile is the config file by that rule; "" when it cannot be
// known (no home directory).
func defaultConfigFile() string {
	dir, err := xdgDir(os.Getenv, os.UserHomeDir, "XDG_CONFIG_HOME", ".config")
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "contacts", "config.yaml")
}

// defaultDataDir is the data directory by that rule.
func defaultDataDir() (string, error) {
	dir, err := xdgDir(os.Getenv, os.UserHomeDir, "XDG_DATA_HOME", ".local", "share")
	if err != nil {
		return "", fmt.Errorf("no data directory: set --data-dir or CONTACTS_DATA_DIR (%v)", err)
	}
	return filepath.Join(dir, "contacts"), nil
}

// xdgDir is the directory that the environment variable env names, when
// it is an absolute path, else home joined with under.
func xdgDir(getenv func(string) string, home func() (string, error), env string, under ...string) (string, error) {
	if d := getenv(env); d != "" && filepath.IsAbs(d) {
		return d, nil
	}
	h, err := home()
	if err != nil {
		return "", err
	}
	return filepath.Join(append([]string{h}, under...)...), nil
}

func expandHome(p string) string {
	p = strings.TrimSpace(p)
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

// Book opens the configured company's address book. For every command but
// those that create (add), a company with no file is an empty book; with
// create it gets a new book, which the store puts in place at its first
// write (store.Options.Create).
//
// With a server set (client mode) the book is the server's, reached over
// HTTP: the book of the company the API key belongs to, whatever
// --company says. Nothing local is read or made.
func (f *Factory) Book(ctx context.Context, create bool) (contacts.Service, error) {
	if f.book != nil {
		return f.book, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	if cfg.Server != "" {
		c := httpapi.NewClient(cfg.Server, cfg.APIKey, nil)
		c.Region = cfg.Region
		f.book = c
		return c, nil
	}
	path, err := store.Path(cfg.DataDir, cfg.Company)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, path, store.Options{Region: cfg.Region, Create: create, HistoryRetention: cfg.HistoryRetention,
		Created: f.bookCreated(cfg.Company)})
	if errors.Is(err, store.ErrNoBook) {
		return emptyBook{company: cfg.Company}, nil
	} else if err != nil {
		return nil, err
	}
	f.book = db
	return db, nil
}

// bookCreated returns what tells, on standard error, that a write has
// made company's book: --company names a book, so a new one by a typo, or
// by taking --company for the employer, would otherwise go unseen. Not
// with -o json, whose standard error is JSON errors only.
func (f *Factory) bookCreated(company string) func(path string) {
	return func(path string) {
		if f.wantsJSON() {
			// With -o json, standard error carries only JSON errors.
			return
		}
		msg := fmt.Sprintf("created the book '%s' in %s", company, filepath.Dir(path))
		if company != contacts.DefaultCompany && (strings.HasSuffix(f.cmdPath, " add") || strings.HasSuffix(f.cmdPath, " import")) {
			msg += "; the employer is --company-name"
		}
		fmt.Fprintln(f.IO.ErrOut, output.Safe(msg, false))
	}
}

// Inventory describes the books of the data directory (none when it does
// not exist); it creates nothing.
func (f *Factory) Inventory(ctx context.Context) ([]contacts.BookInfo, error) {
	if err := f.requireLocal(); err != nil {
		return nil, err
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return store.Inventory(ctx, cfg.DataDir)
}

// BookOf opens the book of company in the data directory, as Book opens
// the configured one (without create, a missing book is an empty one).
func (f *Factory) BookOf(ctx context.Context, company string, create bool) (contacts.Service, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	path, err := store.Path(cfg.DataDir, company)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, path, store.Options{Region: cfg.Region, Create: create, HistoryRetention: cfg.HistoryRetention,
		Created: f.bookCreated(company)})
	if errors.Is(err, store.ErrNoBook) {
		return emptyBook{company: company}, nil
	}
	return db, err
}

// serveLimits are what a server holds open: the books, the SQLite
// connections of each, the client connections.
type serveLimits struct {
	Books, ConnsPerBook, Connections int
}

// Library opens the data directory's books for a server, bounded so that
// the server fits nofile open files: books and connections left 0 are
// chosen (EUSAGE when those given do not fit).
func (f *Factory) Library(nofile, books, connections int) (contacts.Library, serveLimits, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, serveLimits{}, err
	}
	l, err := store.LimitsFor(nofile, runtime.GOMAXPROCS(0), books, connections)
	if err != nil {
		return nil, serveLimits{}, usageErrorf("%v", err)
	}
	lib := store.NewBooks(cfg.DataDir, store.BooksOptions{Region: cfg.Region, MaxOpen: l.Books, ConnsPerBook: l.ConnsPerBook, HistoryRetention: cfg.HistoryRetention})
	return lib, serveLimits{l.Books, l.ConnsPerBook, l.Connections}, nil
}

// LocalBook opens the configured company's book for the commands that
// work on the local books only (import, keys, sync): a usage error with a
// server set. Without create, a company with no file is an empty book.
func (f *Factory) LocalBook(ctx context.Context, create bool) (contacts.Service, error) {
	if err := f.requireLocal(); err != nil {
		return nil, err
	}
	return f.Book(ctx, create)
}

// requireLocal refuses client mode, for the commands that only work on a
// local book (keys, serve, import): run where the books are, they would
// otherwise quietly use a local book while the user means the server's.
func (f *Factory) requireLocal() error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if cfg.Server == "" {
		return nil
	}
	name := strings.TrimSpace(strings.TrimPrefix(f.cmdPath, "contacts"))
	if name == "" {
		name = "this command"
	}
	return usageErrorf("%s works on the local books only, and a server is set (--server, CONTACTS_SERVER or the config file's server): run it where the books are, with --server \"\"", name)
}

// Close releases what the factory opened.
func (f *Factory) Close() error {
	if f.book != nil {
		return f.book.Close()
	}
	return nil
}

// wantsJSON reports whether an error should be printed as JSON: -o json
// was read, from the resolved configuration or, when that failed or did
// not happen, from the flag or the environment.
func (f *Factory) wantsJSON() bool {
	if f.cfg != nil {
		return f.cfg.JSON()
	}
	if f.global.fs != nil && f.global.fs.Changed("output") {
		return strings.EqualFold(f.global.output, "json")
	}
	return strings.EqualFold(os.Getenv("CONTACTS_OUTPUT"), "json")
}

// emptyBook is the book of a company that has no file yet: it holds
// nothing, and reading it creates nothing.
type emptyBook struct{ company string }

var (
	_ contacts.Service    = emptyBook{}
	_ contacts.Searcher   = emptyBook{}
	_ contacts.KeyService = emptyBook{}
	_ contacts.History    = emptyBook{}
)

func (emptyBook) FindContactByID(_ context.Context, id string) (*contacts.Contact, error) {
	return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", id)
}

func (emptyBook) FindContactByPhone(_ context.Context, phone string) (*contacts.Contact, error) {
	return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with phone %s", phone)
}

func (emptyBook) ListContacts(context.Context, contacts.ContactFilter, func(*contacts.Contact) error) error {
	return nil
}

// SearchContacts finds nothing, after checking the query as a book does.
func (emptyBook) SearchContacts(_ context.Context, query string, _ int, _ func(*contacts.Contact) error) error {
	return store.ValidateSearch(query)
}

func (emptyBook) CreateContact(context.Context, contacts.NewContact) (*contacts.Contact, error) {
	return nil, errors.New("the address book does not exist")
}

func (emptyBook) UpdateContact(_ context.Context, id string, _ contacts.ContactUpdate) (*contacts.Contact, error) {
	return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", id)
}

func (emptyBook) DeleteContacts(_ context.Context, ids []string) error {
	return contacts.Errorf(contacts.ENOTFOUND, "no contact with id %s", ids[0])
}

func (emptyBook) CreateKey(context.Context, string) (*contacts.APIKey, string, error) {
	return nil, "", errors.New("the address book does not exist")
}

func (emptyBook) ListKeys(context.Context) ([]*contacts.APIKey, error) { return nil, nil }

func (b emptyBook) RevokeKey(_ context.Context, id string) error {
	ref := strconv.Quote(id)
	if canon, ok := contacts.ParseID(id); ok {
		ref = canon
	}
	return contacts.Errorf(contacts.ENOTFOUND, "no API key with id %s: company %s has no book", ref, b.company)
}

func (b emptyBook) Operations(context.Context, contacts.OperationFilter, func(*contacts.Operation) error) error {
	return nil
}

func (b emptyBook) ContactHistory(_ context.Context, ref string) ([]*contacts.Revision, error) {
	return nil, contacts.Errorf(contacts.ENOTFOUND, "no contact matches %s: company %s has no book", contacts.Excerpt(ref), b.company)
}

func (b emptyBook) Undo(context.Context, string, bool) (*contacts.Operation, error) {
	return nil, contacts.Errorf(contacts.ENOTFOUND, "nothing to undo: company %s has no book", b.company)
}

func (b emptyBook) Restore(_ context.Context, id string) (*contacts.Contact, error) {
	return nil, contacts.Errorf(contacts.ENOTFOUND, "no deleted contact with id %s: company %s has no book", contacts.Excerpt(id), b.company)
}

func (emptyBook) HistoryStats(context.Context) (contacts.HistoryStats, error) {
	return contacts.HistoryStats{}, nil
}

func (emptyBook) Close() error { return nil }
