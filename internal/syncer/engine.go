package syncer

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/phoneinc/contacts"
	"github.com/phoneinc/contacts/internal/format"
)

// Policy decides a conflict: a contact changed on both sides since the
// last sync, with different values.
type Policy string

// The policies. Newest, the default, keeps the side changed last (the
// card's REV against the contact's updated_at); the report keeps both
// sides' values either way.
const (
	PolicyLocal  Policy = "local"
	PolicyRemote Policy = "remote"
	PolicyNewest Policy = "newest"
	PolicyAsk    Policy = "ask"
)

// Policies lists the policies, for help and errors.
var Policies = []Policy{PolicyLocal, PolicyRemote, PolicyNewest, PolicyAsk}

// Sides of a sync.
const (
	SideLocal  = "local"
	SideServer = "server"
)

// Options control a sync.
type Options struct {
	// GivenURL is the URL the address book was found from, when it is
	// not the address book's own.
	GivenURL string
	// Region reads the cards' national numbers, as import does.
	Region   string
	Conflict Policy
	DryRun   bool
	// Yes lets a sync delete more than the mass-delete guard allows.
	Yes bool
	// Ask decides a conflict under PolicyAsk: SideLocal or SideServer.
	Ask func(Entry) (string, error)
	// Confirm asks whether to go past the mass-delete guard; nil when
	// nobody can be asked (then the sync stops).
	Confirm func(msg string) (bool, error)
	// Progress is called for each card looked at and each upload.
	Progress func()
	// Report is called with each report entry as it is made.
	Report func(Entry)
	// Now is the clock; nil for time.Now.
	Now func() time.Time
}

// Values are a contact's synced values, for the report of a conflict.
type Values struct {
	Name        *string `json:"name"`
	Email       *string `json:"email"`
	Phone       string  `json:"phone"`
	CompanyName *string `json:"company_name"`
	Note        *string `json:"note"`
	UpdatedAt   string  `json:"updated_at,omitempty"`
}

func valuesOf(c *contacts.Contact, at string) *Values {
	return &Values{Name: c.Name, Email: c.Email, Phone: c.Phone, CompanyName: c.CompanyName, Note: c.Note, UpdatedAt: at}
}

// Entry is one line of a sync's report.
type Entry struct {
	// Kind is "matched" (a card and a contact found to be the same on a
	// first sync), "conflict", "skipped" (a card left alone on both
	// sides), or "change" (a dry run's planned change).
	Kind      string  `json:"kind"`
	Side      string  `json:"side,omitempty"` // a change's side: local or server
	Op        string  `json:"op,omitempty"`   // a change's operation
	Href      string  `json:"href,omitempty"`
	ContactID string  `json:"contact_id,omitempty"`
	Phone     string  `json:"phone,omitempty"`
	Name      string  `json:"name,omitempty"`
	Code      string  `json:"code,omitempty"`
	Field     string  `json:"field,omitempty"`
	Message   string  `json:"message,omitempty"`
	Local     *Values `json:"local,omitempty"`  // a conflict's local values (null: deleted)
	Server    *Values `json:"server,omitempty"` // a conflict's server values (null: deleted)
	Kept      string  `json:"kept,omitempty"`   // a conflict's winner: local or server
}

// Counts count one side's changes.
type Counts struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
	Deleted int `json:"deleted"`
}

func (c *Counts) add(op Op, n int) {
	switch op {
	case Create:
		c.Created += n
	case Update:
		c.Updated += n
	case Delete:
		c.Deleted += n
	}
}

// Result is what a sync did (or, dry, would do).
type Result struct {
	URL     string `json:"url"`
	DryRun  bool   `json:"dry_run"`
	Written bool   `json:"written"`
	// Pulled counts the changes of the local book, Pushed the server's.
	Pulled    Counts  `json:"pulled"`
	Pushed    Counts  `json:"pushed"`
	Matched   int     `json:"matched"`
	Conflicts int     `json:"conflicts"`
	Skipped   int     `json:"skipped"`
	Unchanged int     `json:"unchanged"`
	Entries   []Entry `json:"report"`
	// Guard says, for a dry run, that the sync would stop at the
	// mass-delete guard without --yes.
	Guard string `json:"guard,omitempty"`
}

// GuardError stops a sync that would delete too much (see guard).
type GuardError struct{ Msg string }

func (e *GuardError) Error() string { return e.Msg }

// MaxDeletes and MaxDeleteShare are the mass-delete guard: a sync that
// would delete more than MaxDeletes contacts or cards, or more than
// MaxDeleteShare of either side, stops unless told to go on.
const (
	MaxDeletes     = 50
	MaxDeleteShare = 0.10
)

// engine is one sync's working state.
type engine struct {
	ctx    context.Context
	opts   Options
	local  Local
	remote Remote
	now    time.Time

	st       *State
	byID     map[string]*contacts.Contact
	byPhone  map[string]*contacts.Contact
	total    int               // contacts in the book
	linkedTo map[string]string // contact id -> href
	taken    map[string]string // phone -> href of a card creating it

	res     *Result
	changes []Change
	cards   []*CardState
	removed []string
	pushes  []*push
}

// push is one planned change on the server.
type push struct {
	op      Op
	href    string
	contact *contacts.Contact // the local contact (create, update)
	card    *CardState        // the card as the book knows it (update, delete)
	tries   int
}

// Run syncs the local book with the remote address book.
func Run(ctx context.Context, local Local, remote Remote, opts Options) (*Result, error) {
	if opts.Conflict == "" {
		opts.Conflict = PolicyNewest
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	e := &engine{ctx: ctx, opts: opts, local: local, remote: remote, now: now().UTC().Truncate(time.Second),
		byID: map[string]*contacts.Contact{}, byPhone: map[string]*contacts.Contact{},
		linkedTo: map[string]string{}, taken: map[string]string{},
		res: &Result{URL: remote.URL(), DryRun: opts.DryRun}}
	if err := e.run(); err != nil {
		return e.res, err
	}
	return e.res, nil
}

func (e *engine) run() error {
	st, err := e.local.LoadSync(e.ctx, e.remote.URL())
	if err != nil {
		return err
	}
	if st == nil {
		st = &State{URL: e.remote.URL()}
	}
	if st.Cards == nil {
		st.Cards = map[string]*CardState{}
	}
	e.st = st
	for _, cs := range st.Cards {
		if cs.ContactID != "" {
			e.linkedTo[cs.ContactID] = cs.Href
		}
	}
	if err := e.local.ListContacts(e.ctx, contacts.ContactFilter{}, func(c *contacts.Contact) error {
		e.byID[c.ID] = c
		e.byPhone[c.Phone] = c
		e.total++
		return nil
	}); err != nil {
		return err
	}

	// What changed on the server.
	useToken := st.Token != "" || len(st.Cards) == 0
	token := st.Token
	listing, err := e.remote.List(e.ctx, token, useToken)
	if err != nil {
		return err
	}
	remoteDeleted := map[string]bool{}
	changed := map[string]RemoteCard{}
	var fetch []string
	listed := map[string]bool{}
	for _, rc := range listing.Cards {
		listed[rc.Href] = true
		cs := st.Cards[rc.Href]
		if cs != nil && rc.ETag != "" && cs.ETag == rc.ETag {
			continue // as the book knows it (or our own upload)
		}
		if rc.Text != nil {
			changed[rc.Href] = rc
		} else {
			fetch = append(fetch, rc.Href)
		}
	}
	for _, href := range listing.Deleted {
		if st.Cards[href] != nil && !listed[href] {
			remoteDeleted[href] = true
		}
	}
	if listing.Full {
		for href := range st.Cards {
			if !listed[href] {
				remoteDeleted[href] = true
			}
		}
	}
	if len(fetch) > 0 {
		sort.Strings(fetch)
		got, err := e.remote.Fetch(e.ctx, fetch)
		if err != nil {
			return err
		}
		for _, rc := range got {
			changed[rc.Href] = rc
		}
	}
	// Cards left alone last time are looked at again, from their text.
	for href, cs := range st.Cards {
		if _, ok := changed[href]; cs.Pending && !ok && !remoteDeleted[href] {
			changed[href] = RemoteCard{Href: href, ETag: cs.ETag, Text: cs.Text}
		}
	}
	serverTotal := len(st.Cards)
	if listing.Full {
		serverTotal = len(listing.Cards)
	}

	// Decide, card by card, in href order.
	hrefs := make([]string, 0, len(changed))
	for href := range changed {
		hrefs = append(hrefs, href)
	}
	sort.Strings(hrefs)
	handled := map[string]bool{}
	for _, href := range hrefs {
		if err := e.pulled(changed[href]); err != nil {
			return err
		}
		handled[href] = true
		e.progress()
	}
	deleted := make([]string, 0, len(remoteDeleted))
	for href := range remoteDeleted {
		deleted = append(deleted, href)
	}
	sort.Strings(deleted)
	for _, href := range deleted {
		if err := e.goneOnServer(st.Cards[href]); err != nil {
			return err
		}
		handled[href] = true
	}
	// Local changes of cards the server did not change.
	known := make([]string, 0, len(st.Cards))
	for href := range st.Cards {
		known = append(known, href)
	}
	sort.Strings(known)
	for _, href := range known {
		cs := st.Cards[href]
		if handled[href] || cs.ContactID == "" {
			continue
		}
		c := e.byID[cs.ContactID]
		switch {
		case c == nil:
			e.pushes = append(e.pushes, &push{op: Delete, href: href, card: cs})
		case ContactHash(c) != cs.Hash:
			e.pushes = append(e.pushes, &push{op: Update, href: href, contact: c, card: cs})
		default:
			e.res.Unchanged++
		}
	}
	// Contacts no card has: new on the server.
	var fresh []*contacts.Contact
	for id, c := range e.byID {
		if _, ok := e.linkedTo[id]; !ok {
			fresh = append(fresh, c)
		}
	}
	sort.Slice(fresh, func(i, j int) bool { return fresh[i].ID < fresh[j].ID })
	for _, c := range fresh {
		e.pushes = append(e.pushes, &push{op: Create, href: e.remote.NewHref(c.ID), contact: c})
	}

	if err := e.guard(serverTotal); err != nil {
		return err
	}
	if e.opts.DryRun {
		e.dryRun()
		return nil
	}

	// The server first: a sync that fails here has written nothing
	// locally, and the next one finds what the server already has.
	for i := 0; i < len(e.pushes); i++ {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		if err := e.upload(e.pushes[i]); err != nil {
			return err
		}
		e.progress()
	}

	commit := Commit{URL: e.remote.URL(), Token: listing.Token, Cards: e.cards, Removed: e.removed}
	if e.opts.GivenURL != "" && e.opts.GivenURL != commit.URL {
		commit.GivenURL = e.opts.GivenURL
	} else {
		commit.GivenURL = st.GivenURL
	}
	problems, err := e.local.ApplySync(e.ctx, e.changes, commit)
	if err != nil {
		return err
	}
	e.res.Written = true
	for _, p := range problems {
		ch := e.changes[p.Index]
		e.res.Pulled.add(ch.Op, -1)
		e.res.Skipped++
		e.report(Entry{Kind: "skipped", Href: ch.Href, ContactID: ch.Contact.ID, Phone: ch.Contact.Phone,
			Name: ch.Contact.DisplayName(), Code: p.Code, Field: p.Field, Message: p.Message})
	}
	return nil
}

func (e *engine) progress() {
	if e.opts.Progress != nil {
		e.opts.Progress()
	}
}

func (e *engine) report(en Entry) {
	e.res.Entries = append(e.res.Entries, en)
	if e.opts.Report != nil {
		e.opts.Report(en)
	}
}

// card is a server card read with the import's mapping.
type card struct {
	rc      RemoteCard
	rec     *format.Record
	contact *contacts.Contact // its values, validated; nil when invalid
	err     error             // why it is invalid
	rev     time.Time         // its REV, zero when none
}

func (e *engine) read(rc RemoteCard) *card {
	cd := &card{rc: rc}
	cd.rec, cd.err = format.ReadCard(rc.Text, rc.Href)
	if cd.err != nil {
		var re *format.RowError
		if errors.As(cd.err, &re) {
			cd.err = &contacts.Error{Code: contacts.EINVALID, Field: re.Field, Message: strings.TrimPrefix(re.Error(), rc.Href+": ")}
		}
		return cd
	}
	r := cd.rec
	cd.contact, cd.err = contacts.Prepare(nil, contacts.NewContact{Name: r.Name, Email: r.Email, Phone: r.Phone, CompanyName: r.CompanyName, Note: r.Note}.Update(), e.opts.Region)
	if r.UpdatedAt != "" {
		cd.rev, _ = contacts.ParseTime(r.UpdatedAt)
	}
	return cd
}

// pulled decides what to do with a card that is new or changed on the
// server.
func (e *engine) pulled(rc RemoteCard) error {
	cd := e.read(rc)
	cs := e.st.Cards[rc.Href]
	if cd.err != nil {
		e.skip(cd, cs, cd.err)
		return nil
	}
	if cs != nil && cs.ContactID != "" {
		c := e.byID[cs.ContactID]
		switch {
		case c == nil:
			// Changed on the server, deleted here.
			side, err := e.conflict(cd, nil, "changed on the server and deleted here")
			if err != nil {
				return err
			}
			if side == SideLocal {
				e.pushes = append(e.pushes, &push{op: Delete, href: rc.Href, card: &CardState{Href: rc.Href, ETag: rc.ETag, Text: rc.Text, ContactID: cs.ContactID}})
				return nil
			}
			e.pullCreate(cd, cs.ContactID)
		case ContactHash(c) != cs.Hash && !sameValues(c, cd.contact):
			side, err := e.conflict(cd, c, "changed on both sides")
			if err != nil {
				return err
			}
			if side == SideLocal {
				e.pushes = append(e.pushes, &push{op: Update, href: rc.Href, contact: c, card: &CardState{Href: rc.Href, ETag: rc.ETag, Text: rc.Text, ContactID: c.ID}})
				return nil
			}
			e.pullUpdate(cd, c)
		default:
			e.pullUpdate(cd, c)
		}
		return nil
	}

	// A card the book does not know (or left alone): the same as one of
	// the book's contacts (by UID, then by number), or a new contact.
	var match *contacts.Contact
	how := ""
	if id, ok := contacts.ParseID(cd.rec.ID); ok {
		if c := e.byID[id]; c != nil && e.linkedTo[id] == "" {
			match, how = c, "by UID"
		}
	}
	if match == nil {
		if c := e.byPhone[cd.contact.Phone]; c != nil && e.linkedTo[c.ID] == "" {
			match, how = c, "by phone number"
		}
	}
	if match != nil {
		e.linkedTo[match.ID] = rc.Href
		e.res.Matched++
		e.report(Entry{Kind: "matched", Href: rc.Href, ContactID: match.ID, Phone: match.Phone, Name: match.DisplayName(),
			Message: fmt.Sprintf("card %s is contact %s (%s), matched %s", rc.Href, match.ID, match.Phone, how)})
		if sameValues(match, cd.contact) {
			e.cards = append(e.cards, e.state(cd, match))
			return nil
		}
		side, err := e.conflict(cd, match, "matched with different values")
		if err != nil {
			return err
		}
		if side == SideLocal {
			e.pushes = append(e.pushes, &push{op: Update, href: rc.Href, contact: match, card: &CardState{Href: rc.Href, ETag: rc.ETag, Text: rc.Text, ContactID: match.ID}})
			return nil
		}
		e.pullUpdate(cd, match)
		return nil
	}
	if holder := e.byPhone[cd.contact.Phone]; holder != nil {
		e.skip(cd, cs, &contacts.Error{Code: contacts.ECONFLICT, Field: "phone", ContactID: holder.ID,
			Message: fmt.Sprintf("phone: %s already belongs to contact %s, which another card is synced with", cd.contact.Phone, holder.ID)})
		return nil
	}
	if other, ok := e.taken[cd.contact.Phone]; ok {
		e.skip(cd, cs, &contacts.Error{Code: contacts.ECONFLICT, Field: "phone",
			Message: fmt.Sprintf("phone: %s is also on card %s", cd.contact.Phone, other)})
		return nil
	}
	id := ""
	if uid, ok := contacts.ParseID(cd.rec.ID); ok && e.byID[uid] == nil {
		id = uid
	}
	e.pullCreate(cd, id)
	return nil
}

// skip leaves a card alone on both sides and reports it.
func (e *engine) skip(cd *card, cs *CardState, err error) {
	en := Entry{Kind: "skipped", Href: cd.rc.Href, Message: err.Error(), Code: contacts.ErrorCode(err), Field: contacts.ErrorField(err)}
	var de *contacts.Error
	if errors.As(err, &de) && de.Code == contacts.ECONFLICT {
		en.ContactID = de.ContactID
	}
	if cd.contact != nil {
		en.Phone, en.Name = cd.contact.Phone, cd.contact.DisplayName()
	}
	e.res.Skipped++
	e.report(en)
	left := &CardState{Href: cd.rc.Href, ETag: cd.rc.ETag, Text: cd.rc.Text, Pending: true}
	if cs != nil {
		left.ContactID, left.Hash = cs.ContactID, cs.Hash
	}
	e.cards = append(e.cards, left)
}

// state is a card's state once it and the contact c agree.
func (e *engine) state(cd *card, c *contacts.Contact) *CardState {
	return &CardState{Href: cd.rc.Href, ETag: cd.rc.ETag, Text: cd.rc.Text, ContactID: c.ID, Hash: ContactHash(c)}
}

// pullCreate makes a contact of a card, with id when not "".
func (e *engine) pullCreate(cd *card, id string) {
	c := *cd.contact
	if id == "" {
		id = contacts.NewID()
	}
	c.ID = id
	c.CreatedAt, c.UpdatedAt = e.now, e.now
	if t, err := contacts.ParseTime(cd.rec.CreatedAt); cd.rec.CreatedAt != "" && err == nil && t.Before(e.now) {
		c.CreatedAt = t
	}
	e.byID[c.ID] = &c
	e.linkedTo[c.ID] = cd.rc.Href
	e.taken[c.Phone] = cd.rc.Href
	skipped := &CardState{Href: cd.rc.Href, ETag: cd.rc.ETag, Text: cd.rc.Text, Pending: true}
	if cs := e.st.Cards[cd.rc.Href]; cs != nil {
		skipped.ContactID, skipped.Hash = cs.ContactID, cs.Hash
	}
	e.changes = append(e.changes, Change{Op: Create, Contact: &c, Href: cd.rc.Href, Card: e.state(cd, &c), Skipped: skipped})
	e.res.Pulled.Created++
}

// pullUpdate gives the contact c the card's values.
func (e *engine) pullUpdate(cd *card, c *contacts.Contact) {
	if sameValues(c, cd.contact) {
		e.cards = append(e.cards, e.state(cd, c))
		return
	}
	n := *c
	v := cd.contact
	n.Name, n.Email, n.Phone, n.PhoneFormatted, n.CompanyName, n.Note = v.Name, v.Email, v.Phone, v.PhoneFormatted, v.CompanyName, v.Note
	n.UpdatedAt = e.now
	if !n.UpdatedAt.After(c.UpdatedAt) {
		n.UpdatedAt = c.UpdatedAt.Add(time.Second)
	}
	skipped := &CardState{Href: cd.rc.Href, ETag: cd.rc.ETag, Text: cd.rc.Text, ContactID: c.ID, Hash: ContactHash(c), Pending: true}
	if cs := e.st.Cards[cd.rc.Href]; cs != nil && cs.ContactID == c.ID {
		skipped.Hash = cs.Hash
	}
	e.changes = append(e.changes, Change{Op: Update, Contact: &n, Base: c, Href: cd.rc.Href, Card: e.state(cd, &n), Skipped: skipped})
	e.res.Pulled.Updated++
}

// goneOnServer decides what to do with a card deleted on the server.
func (e *engine) goneOnServer(cs *CardState) error {
	c := e.byID[cs.ContactID]
	if cs.ContactID == "" || c == nil {
		e.removed = append(e.removed, cs.Href)
		return nil
	}
	if ContactHash(c) != cs.Hash {
		// Deleted on the server, changed here.
		side, err := e.conflict(&card{rc: RemoteCard{Href: cs.Href}}, c, "deleted on the server and changed here")
		if err != nil {
			return err
		}
		if side == SideLocal {
			e.removed = append(e.removed, cs.Href)
			delete(e.linkedTo, c.ID) // uploaded again, as a new card
			return nil
		}
	}
	e.changes = append(e.changes, Change{Op: Delete, Contact: c, Base: c, Href: cs.Href})
	e.res.Pulled.Deleted++
	return nil
}

// conflict reports a conflict between the card cd (no contact: deleted on
// the server) and the local contact c (nil: deleted here), and returns the
// side to keep.
func (e *engine) conflict(cd *card, c *contacts.Contact, what string) (string, error) {
	en := Entry{Kind: "conflict", Href: cd.rc.Href}
	if c != nil {
		en.ContactID, en.Phone, en.Name = c.ID, c.Phone, c.DisplayName()
		en.Local = valuesOf(c, c.UpdatedAt.Format(contacts.TimeFormat))
	}
	if cd.contact != nil {
		rev := ""
		if !cd.rev.IsZero() {
			rev = cd.rev.Format(contacts.TimeFormat)
		}
		en.Server = valuesOf(cd.contact, rev)
		if c == nil {
			en.Phone, en.Name = cd.contact.Phone, cd.contact.DisplayName()
			if cs := e.st.Cards[cd.rc.Href]; cs != nil {
				en.ContactID = cs.ContactID
			}
		}
	}
	var side string
	switch {
	case e.opts.Conflict == PolicyLocal:
		side = SideLocal
	case e.opts.Conflict == PolicyRemote:
		side = SideServer
	case e.opts.Conflict == PolicyAsk && e.opts.Ask != nil && !e.opts.DryRun:
		en.Message = what
		var err error
		if side, err = e.opts.Ask(en); err != nil {
			return "", err
		}
	case c == nil:
		side = SideServer // newest: an edit wins over a deletion; nothing is lost
	case cd.contact == nil:
		side = SideLocal
	case !cd.rev.IsZero() && !cd.rev.After(c.UpdatedAt):
		side = SideLocal
	default:
		side = SideServer // newer, or not dated: it changed since the last sync
	}
	en.Kept = side
	en.Message = fmt.Sprintf("%s; kept the %s version", what, map[string]string{SideLocal: "local", SideServer: "server's"}[side])
	e.res.Conflicts++
	e.report(en)
	return side, nil
}

// guard stops a sync that would delete more than MaxDeletes, or more than
// MaxDeleteShare of either side, unless told to go on.
func (e *engine) guard(serverTotal int) error {
	local, server := 0, 0
	for _, ch := range e.changes {
		if ch.Op == Delete {
			local++
		}
	}
	for _, p := range e.pushes {
		if p.op == Delete {
			server++
		}
	}
	over := func(n, total int) bool {
		return n > MaxDeletes || n > 0 && float64(n) > MaxDeleteShare*float64(total)
	}
	var parts []string
	if over(local, e.total) {
		parts = append(parts, fmt.Sprintf("%d of the %d contacts of the local book", local, e.total))
	}
	if over(server, serverTotal) {
		parts = append(parts, fmt.Sprintf("%d of the %d cards on the server", server, serverTotal))
	}
	if len(parts) == 0 || e.opts.Yes {
		return nil
	}
	msg := fmt.Sprintf("this sync would delete %s: more than %d, or more than %.0f%% of a side", strings.Join(parts, " and "), MaxDeletes, MaxDeleteShare*100)
	if e.opts.DryRun {
		e.res.Guard = msg + "; it would stop without --yes"
		return nil
	}
	if e.opts.Confirm != nil {
		ok, err := e.opts.Confirm(msg)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		return &GuardError{Msg: msg + "; nothing was changed"}
	}
	return &GuardError{Msg: msg + "; nothing was changed (--yes lets it go on; --dry-run shows every change)"}
}

// dryRun reports every planned change, on each side.
func (e *engine) dryRun() {
	for _, ch := range e.changes {
		e.report(Entry{Kind: "change", Side: SideLocal, Op: string(ch.Op), Href: ch.Href, ContactID: ch.Contact.ID,
			Phone: ch.Contact.Phone, Name: ch.Contact.DisplayName()})
	}
	for _, p := range e.pushes {
		en := Entry{Kind: "change", Side: SideServer, Op: string(p.op), Href: p.href}
		c := p.contact
		if c == nil && p.card != nil {
			c = e.byID[p.card.ContactID]
			en.ContactID = p.card.ContactID
		}
		if c != nil {
			en.ContactID, en.Phone, en.Name = c.ID, c.Phone, c.DisplayName()
		}
		e.report(en)
		e.res.Pushed.add(p.op, 1)
	}
}

// maxTries bounds how often one card is uploaded again after the server
// answered that it changed meanwhile.
const maxTries = 3

// upload makes one change on the server. A card that changed on the
// server meanwhile (412) is fetched again and decided as a conflict:
// never overwritten blindly.
func (e *engine) upload(p *push) error {
	for {
		err := e.tryUpload(p)
		if !errors.Is(err, errPrecondition) {
			return err
		}
		p.tries++
		if p.tries >= maxTries {
			return fmt.Errorf("%s: the card keeps changing on the server; run the sync again", e.remote.URL()+strings.TrimPrefix(p.href, "/"))
		}
		got, err := e.remote.Fetch(e.ctx, []string{p.href})
		if err != nil {
			return err
		}
		if len(got) == 0 {
			// Gone meanwhile.
			switch p.op {
			case Delete:
				e.removed = append(e.removed, p.href)
				e.res.Pushed.Deleted++
				return nil
			case Update:
				p.op, p.card = Create, nil // changed here: uploaded again
			}
			continue
		}
		rc := got[0]
		cd := e.read(rc)
		if cd.err != nil {
			e.skip(cd, e.st.Cards[p.href], cd.err)
			return nil
		}
		switch p.op {
		case Create:
			// The href is taken: by this contact's own card, uploaded by
			// a sync that did not finish, or by another.
			if sameValues(p.contact, cd.contact) {
				e.cards = append(e.cards, e.state(cd, p.contact))
				return nil
			}
			side, err := e.conflict(cd, p.contact, "changed on both sides")
			if err != nil {
				return err
			}
			if side == SideServer {
				e.pullUpdate(cd, p.contact)
				return nil
			}
			p.op, p.card = Update, &CardState{Href: rc.Href, ETag: rc.ETag, Text: rc.Text, ContactID: p.contact.ID}
		case Update:
			if sameValues(p.contact, cd.contact) {
				e.cards = append(e.cards, e.state(cd, p.contact))
				return nil
			}
			side, err := e.conflict(cd, p.contact, "changed on the server during the sync, and here")
			if err != nil {
				return err
			}
			if side == SideServer {
				e.pullUpdate(cd, p.contact)
				return nil
			}
			p.card = &CardState{Href: rc.Href, ETag: rc.ETag, Text: rc.Text, ContactID: p.contact.ID}
		case Delete:
			side, err := e.conflict(cd, nil, "changed on the server during the sync, and deleted here")
			if err != nil {
				return err
			}
			if side == SideServer {
				e.pullCreate(cd, p.card.ContactID)
				return nil
			}
			p.card = &CardState{Href: rc.Href, ETag: rc.ETag, Text: rc.Text, ContactID: p.card.ContactID}
		}
	}
}

func (e *engine) tryUpload(p *push) error {
	switch p.op {
	case Delete:
		if err := e.remote.Delete(e.ctx, p.href, p.card.ETag); err != nil {
			return err
		}
		e.removed = append(e.removed, p.href)
		e.res.Pushed.Deleted++
	case Update:
		text, changed, err := format.PatchCard(p.card.Text, p.contact, e.opts.Region)
		if err != nil {
			// The card the book knows cannot be read: upload the contact
			// as the export writes it.
			if text, err = format.CardText(p.contact, "3.0"); err != nil {
				return err
			}
			changed = true
		}
		etag := p.card.ETag
		if changed {
			if etag, err = e.remote.Put(e.ctx, p.href, text, p.card.ETag); err != nil {
				return err
			}
			e.res.Pushed.Updated++
		}
		e.cards = append(e.cards, &CardState{Href: p.href, ETag: etag, Text: text, ContactID: p.contact.ID, Hash: ContactHash(p.contact)})
	case Create:
		text, err := format.CardText(p.contact, "3.0")
		if err != nil {
			return err
		}
		etag, err := e.remote.Put(e.ctx, p.href, text, "")
		if err != nil {
			return err
		}
		e.res.Pushed.Created++
		e.cards = append(e.cards, &CardState{Href: p.href, ETag: etag, Text: text, ContactID: p.contact.ID, Hash: ContactHash(p.contact)})
	}
	return nil
}
