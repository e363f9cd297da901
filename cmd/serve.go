package cmd

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/httpapi"
	"github.com/phoneinc/contacts/internal/iostreams"
	"github.com/phoneinc/contacts/internal/output"
	"github.com/phoneinc/contacts/internal/web"
	"github.com/spf13/cobra"
)

// defaultAddr is where serve listens without --addr: loopback only, so
// that nothing is reachable from the network unless asked for.
const defaultAddr = "127.0.0.1:8080"

type serveOptions struct {
	IO           *iostreams.IOStreams
	Config       func() (*Config, error)
	RequireLocal func() error
	// Library opens the data directory's books, bounded to fit nofile
	// open files.
	Library func(nofile, books, connections int) (contacts.Library, serveLimits, error)
	// SetGrace gives the server longer to stop by itself after the first
	// signal: time for the requests in flight.
	SetGrace func(time.Duration)

	Addr      string // --addr
	AddrGiven bool   // --addr was given: only then may it be beyond loopback
	MaxBooks  int    // --max-books; 0 to choose
	MaxConns  int    // --max-connections; 0 to choose
}

func newCmdServe(f *Factory, runF func(*serveOptions) error) *cobra.Command {
	opts := &serveOptions{IO: f.IO, Config: f.Config, RequireLocal: f.requireLocal, Library: f.Library, SetGrace: f.signals.setGrace}
	cmd := &cobra.Command{
		Use:   "serve [--addr HOST:PORT]",
		Short: "Serve the address books over HTTP: the Phone.inc Contacts API and a web page with a screen pop",
		Long: `Serve the Phone.inc Contacts API over the books of the data directory, so
that the API's curl examples work against this machine (only the host
differs), a team can share one address book, and a phone system can put a
name on an incoming call.

Every company of the data directory is served. A request needs an API key in
the X-Api-Key header, made with 'contacts keys create --company NAME'; the key
decides the company, and reaches that company's book and no other (--company
is not used here). The server never creates a book: a company's first key
does. --region is the default region for numbers sent without a country code.

ROUTES (each also under /v1 instead of /api/v1)
  GET    /api/v1/contacts[?phone=NUMBER][&limit=N]   the contacts, newest first
  GET    /api/v1/contacts?q=QUERY[&limit=N]          search, as contacts search (20)
  POST   /api/v1/contacts                            create one (201)
  GET    /api/v1/contacts/{id}                       one contact
  PATCH  /api/v1/contacts/{id}                       change the keys sent; null clears
  DELETE /api/v1/contacts/{id}                       delete (204)
  GET    /api/v1/callerid?phone=NUMBER&key=KEY[&max=N]
                                                     the caller's name, as plain text
  GET    /healthz                                    "ok", without a key
  GET    /                                           the web page (sign in with a key)
  GET    /pop?number=NUMBER                          the web page's screen pop

  Errors are JSON, as -o json prints them: 400 bad request, 401 missing or
  wrong key, 403 a signed-in page's write without its CSRF token, 404 not
  found (also another company's contact), 405, 413 body too large, 422
  invalid input or a phone number that is taken.

WEB PAGE AND SCREEN POP
  A browser at / signs in with an API key (the key stays in the server; the
  browser gets a session cookie, for 12 hours or until the key is revoked or
  the server restarts), then searches as you type, shows a contact's card with
  its history and an undo, and adds, edits and deletes with the API's rules
  and messages. /pop?number=NUMBER opens the caller's card, or "Unknown caller
  — Denmark, fixed line or mobile" and a form to add the number: point a
  softphone's "open URL on incoming call" setting at
    http://127.0.0.1:8080/pop?number=NUMBER
  NUMBER in any form lookup takes, SIP URIs included. The page is embedded in
  the binary and needs no internet.

CALLER ID FOR PHONE SYSTEMS
  Asterisk's CURL() and FreeSWITCH's mod_cidlookup show the whole response body
  as the caller's name and cannot send headers, so /api/v1/callerid takes the
  key as ?key= and answers the name (else the company name) as text/plain, or
  an empty body when nobody has the number: never an error text. ?max=N cuts
  the name to N characters (US CNAM shows 15).

  Asterisk, in the dialplan before Dial:
    same => n,Set(CALLERID(name)=${CURL(http://127.0.0.1:8080/api/v1/callerid?key=ck_acme_…&max=15&phone=${URIENCODE(${CALLERID(num)})})})

  FreeSWITCH, in autoload_configs/cidlookup.conf.xml (& is &amp; in XML), and
  the dialplan action that uses it:
    <param name="url" value="http://127.0.0.1:8080/api/v1/callerid?key=ck_acme_…&amp;phone=${caller_id_number}"/>
    <action application="set" data="effective_caller_id_name=${cidlookup(${caller_id_number})}"/>

LIMITS
  The data directory must exist and be a directory (exit 2 otherwise).

  What the server holds open is bounded, so that it fits the process's limit on
  open files (ulimit -n) whatever clients send: at most --max-books books open
  at once (the least recently used one with no request in flight is closed to
  make room, and a book with no request for 5 minutes is closed), 4 SQLite
  connections per core to each (at most 16), and at most --max-connections
  client connections (more wait in the listen queue until one closes). By
  default half of the open-file limit goes to books (at most 64) and the rest
  to connections (at most 4096); the "bounds:" line says what was chosen.

  A request with a wrong API key opens no book and creates no file: it is
  refused from the hashes of the company's keys, held in memory, in the same
  time whether or not the company exists (the first one after a change to a
  book waits for its hashes to be read again).

OPERATION
  --addr is 127.0.0.1:8080 by default: loopback only. Listening beyond loopback
  takes an explicit --addr, and then keys and personal data cross the network
  in clear text: put a reverse proxy with TLS in front. The address, with the
  port chosen when it is 0, is printed on standard error, followed by one
  access-log line per request (never the key). SIGINT or SIGTERM stops taking
  connections, lets requests in flight finish (for up to 30 seconds) and exits 0;
  a second signal stops it at once (exit 130 for SIGINT, 143 for SIGTERM).`,
		Example: `  $ contacts keys create --company acme --name "front desk"
  $ contacts serve
  contacts: listening on http://127.0.0.1:8080
  $ contacts serve --addr 127.0.0.1:0          # any free port
  $ contacts serve --addr 0.0.0.0:8443         # every interface: put TLS in front

  # The API's curl examples, against this server:
  $ export PHONE_INC_API_KEY=$(contacts keys create --company acme)
  $ curl http://127.0.0.1:8080/api/v1/contacts \
      -H "X-Api-Key: $PHONE_INC_API_KEY"
  $ curl -X POST http://127.0.0.1:8080/api/v1/contacts \
      -H "X-Api-Key: $PHONE_INC_API_KEY" \
      -H "Content-Type: application/json" \
      -d '{
        "name": "Niklas Stephenson",
        "email": "niklas@stephenson.dk",
        "phone": "+4520123456",
        "company_name": "Stephenson ApS",
        "note": "Always asks for the engineering team."
      }'
  $ curl http://127.0.0.1:8080/api/v1/contacts/01JVWX3G8K9Q2M4N5P6R7S8T9V \
      -H "X-Api-Key: $PHONE_INC_API_KEY"
  $ curl -X PATCH http://127.0.0.1:8080/api/v1/contacts/01JVWX3G8K9Q2M4N5P6R7S8T9V \
      -H "X-Api-Key: $PHONE_INC_API_KEY" \
      -H "Content-Type: application/json" \
      -d '{"note": "Prefers email follow-ups."}'
  $ curl -X DELETE http://127.0.0.1:8080/api/v1/contacts/01JVWX3G8K9Q2M4N5P6R7S8T9V \
      -H "X-Api-Key: $PHONE_INC_API_KEY"

  # The web page, and a screen pop as a softphone opens it:
  $ xdg-open http://127.0.0.1:8080/
  $ xdg-open 'http://127.0.0.1:8080/pop?number=%2B4520123456'

  # Caller ID, as a phone system asks for it:
  $ curl "http://127.0.0.1:8080/api/v1/callerid?key=$PHONE_INC_API_KEY&phone=%2B4520123456"
  Niklas Stephenson

  # The CLI as a client of the server:
  $ export CONTACTS_SERVER=http://127.0.0.1:8080 CONTACTS_API_KEY=$PHONE_INC_API_KEY
  $ contacts lookup "+45 20 12 34 56"`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.AddrGiven = cmd.Flags().Changed("addr")
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", defaultAddr, "listen on `host:port` (port 0: any free port)")
	cmd.Flags().IntVar(&opts.MaxBooks, "max-books", 0, "keep at most `N` books open at once (default: from the open-file limit, at most 64)")
	cmd.Flags().IntVar(&opts.MaxConns, "max-connections", 0, "accept at most `N` client connections at once (default: from the open-file limit, at most 4096)")
	return cmd
}

// checkDataDir refuses to serve a data directory that is not there or is
// not a directory (/dev/null, a file): a server over it would answer 401
// to every request and say nothing of why.
func checkDataDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return usageErrorf("data directory %s does not exist: make a book and its first API key with 'contacts keys create --company NAME', or give --data-dir", output.Safe(dir, false))
	case err != nil:
		return usageErrorf("data directory %s: %v", output.Safe(dir, false), err)
	case !fi.IsDir():
		return usageErrorf("data directory %s is not a directory", output.Safe(dir, false))
	}
	return nil
}

// checkAddr refuses to listen beyond loopback unless the address was
// given explicitly, and returns a warning for an explicit one that is.
func checkAddr(addr string, explicit bool) (warning string, err error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return "", usageErrorf("--addr: %q is not a host:port address (e.g. 127.0.0.1:8080)", addr)
	}
	if httpapi.IsLoopback(addr) {
		return "", nil
	}
	if !explicit {
		return "", usageErrorf("refusing to listen on %s, beyond loopback, without an explicit --addr", addr)
	}
	return fmt.Sprintf("warning: %s is reachable beyond this machine, and API keys and contacts cross the network in clear text: put a reverse proxy with TLS in front", addr), nil
}

// serveRun serves until ctx is cancelled. Its checks stay here, after the
// one for client mode, rather than in RunE: a server set is the error to
// report first.
func serveRun(ctx context.Context, opts *serveOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if err := opts.RequireLocal(); err != nil {
		return err
	}
	warning, err := checkAddr(opts.Addr, opts.AddrGiven)
	if err != nil {
		return err
	}
	if err := checkDataDir(cfg.DataDir); err != nil {
		return err
	}
	if opts.MaxBooks < 0 || opts.MaxConns < 0 {
		return usageErrorf("--max-books and --max-connections take a positive number")
	}
	nofile := openFileLimit()
	library, limits, err := opts.Library(nofile, opts.MaxBooks, opts.MaxConns)
	if err != nil {
		return err
	}
	errOut := opts.IO.ErrOut
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return err
	}
	if os.Getenv("GOGC") == "" {
		// A request allocates a few kilobytes and keeps none of them, and
		// the live heap is small: collecting at 4× it rather than 2× halves
		// the collector's share of the CPU for a few megabytes more.
		debug.SetGCPercent(400)
	}
	// The web page, at / beside the API: its sessions are the API's too.
	sessions := &web.Sessions{}
	page := web.New(web.Config{Books: library, Sessions: sessions, Region: cfg.Region})
	s := httpapi.NewServer(httpapi.Config{Books: library, Log: errOut, Sessions: sessions, Web: page.Handler()})
	defer s.Close()
	ln = httpapi.LimitListener(ln, limits.Connections)

	books := "serving the books in " + cfg.DataDir
	if cfg.Region != "" {
		books += " (default region " + cfg.Region + ")"
	}
	fmt.Fprintf(errOut, "contacts: %s\n", books)
	fmt.Fprintf(errOut, "contacts: bounds: %d open books (%d SQLite connections each), %d client connections, %d open files\n",
		limits.Books, limits.ConnsPerBook, limits.Connections, nofile)
	if warning != "" {
		fmt.Fprintf(errOut, "contacts: %s\n", warning)
	}
	// The line tests and scripts wait for: with --addr HOST:0 it tells
	// the port.
	fmt.Fprintf(errOut, "contacts: listening on http://%s\n", ln.Addr())

	srv := &http.Server{
		Handler:  s.Handler(),
		ErrorLog: log.New(errOut, "contacts: ", 0),
	}
	// A shutdown lets requests in flight finish: the first signal does not
	// stop the process before that has had its time (a second one does).
	opts.SetGrace(httpapi.ShutdownTimeout + 10*time.Second)
	// Serve returns nil once a shutdown (the context cancelled by SIGINT
	// or SIGTERM) has let every request in flight finish: a stop on
	// request is a success, exit 0, not an interruption.
	if err := httpapi.Serve(ctx, srv, ln); err != nil {
		return err
	}
	fmt.Fprintln(errOut, "contacts: shut down")
	return nil
}
