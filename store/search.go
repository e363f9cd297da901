package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/phoneinc/contacts"
)

// minPhoneDigits is the shortest run of digits looked for in phone
// numbers: the phone index is of trigrams. A shorter run is a word.
const minPhoneDigits = 3

// shortTerm is the length from which a term is not short: see
// textCanMatch.
const shortTerm = 3

// SearchContacts calls fn with the contacts that match query, best first,
// at most limit of them (all when limit <= 0), streaming. An error from fn
// stops the search and is returned.
//
// The query is made of words: runs of letters, digits and marks. Words of
// digits only that follow each other, whatever is between them ("+45 20
// 12", "(415) 555-2671", "tel:+45-20-12"), make one run of digits, a term
// that matches anywhere in the phone number when it has 3 digits or more,
// and also matches the text as a phrase. Other words joined by punctuation
// ("o'brien", "ann@acme.dk") make a phrase: the words in that order. A
// term matches any word, or start of a word, of the name, email, company
// name or note (a phrase: its last word may be a start), case- and
// accent-insensitively. A contact must match every term. Whatever the user
// types is plain text: the query never reaches FTS5's syntax, so no input
// is a syntax error. A query with no letter or digit is EUSAGE.
//
// Best first means, in this order:
//
//  0. contacts whose phone number holds the query's runs of digits (and
//     whose text matches its other terms);
//  1. contacts that match every term in their name;
//  2. contacts that match every term in their name, company name or email;
//  3. the others, which need their note to match;
//
// within tiers 1 to 3, contacts that match every term as a whole word
// before those that need a prefix ("ann": Ann before Anna); and then the
// latest added first (the highest rowid), as list shows the newest first.
//
// That is seven steps: the phone matches, then for each of tiers 1 to 3
// the whole-word matches and the prefix matches (a column filter of FTS5
// each), a contact counting in the first step that finds it. Each step is
// an FTS5 query read in rowid order, newest first, which FTS5 streams: the
// search stops reading as soon as it has limit contacts, so its cost
// follows the limit, not the number of matches. It
// is not BM25: its column weights cannot keep a name match above a note
// match (a weight scales the term frequency, which saturates), and it
// must rank every match: on a million contacts bm25() alone costs 45 ms for
// the 16,000 contacts that "stephen" finds.
func (db *DB) SearchContacts(ctx context.Context, query string, limit int, fn func(*contacts.Contact) error) (err error) {
	defer db.explain(&err)
	q, err := parseSearch(query)
	if err != nil {
		return err
	}
	// One read transaction: every step sees the same book.
	tx, err := db.streams.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if pending, err := searchPending(ctx, tx); err != nil {
		return err
	} else if pending && !db.readOnly {
		// Another program wrote contacts (this one indexes its writes
		// as it commits them): index them first.
		tx.Rollback()
		if err := db.IndexSearch(ctx); err != nil {
			return err
		}
		if tx, err = db.streams.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}); err != nil {
			return err
		}
		defer tx.Rollback()
	}
	phone, text := q.steps()
	if ok, err := q.textCanMatch(ctx, tx); err != nil {
		return err
	} else if !ok {
		text = nil
	}
	seen := map[int64]bool{}
	for _, st := range append(phone, text...) {
		if err := searchStep(ctx, tx, st, limit, seen, fn); err != nil {
			return err
		}
		if limit > 0 && len(seen) >= limit {
			break
		}
	}
	return tx.Commit()
}

// textCanMatch reports, for a query with a short term, whether each of its
// other terms matches some contact's text, which every text step needs.
// A short prefix (an*) matches thousands of words, which each text step
// expands again: when another term matches nothing, this spares the steps
// that work. (Looking for a longer term alone is cheap, but not free: it is
// not done when no term is short.)
func (q *searchQuery) textCanMatch(ctx context.Context, tx *sql.Tx) (bool, error) {
	short := func(t searchTerm) bool { return utf8.RuneCountInString(strings.Join(t.words, "")) < shortTerm }
	if len(q.terms) < 2 || !slices.ContainsFunc(q.terms, short) {
		return true, nil
	}
	for _, t := range q.terms {
		if short(t) {
			continue
		}
		var found int
		err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM contacts_fts WHERE contacts_fts MATCH ? LIMIT 1)`,
			t.match(true)).Scan(&found)
		if err != nil || found == 0 {
			return false, err
		}
	}
	return true, nil
}

// searchStep runs one step of a search, passing to fn the contacts it
// finds that an earlier step did not, until there are limit in all.
func searchStep(ctx context.Context, tx *sql.Tx, st searchStatement, limit int, seen map[int64]bool, fn func(*contacts.Contact) error) error {
	rows, err := tx.QueryContext(ctx, st.sql, st.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		r     row
		rowid int64
	)
	dest := append([]any{&rowid}, r.dest()...)
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if seen[rowid] {
			continue
		}
		seen[rowid] = true
		c, err := r.contact()
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		if limit > 0 && len(seen) >= limit {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// indexQueued brings the search indexes up to date, in the transaction of
// a write, with the contacts that the triggers of migration 0003 queued:
// every write to contacts calls it before it commits. A contact is taken
// out of the indexes by rowid (contentless_delete) and put back as it now
// is, unless it was deleted; in rowid order, so that FTS5 can write its
// terms in one go (it flushes them whenever a rowid goes down).
//
// The queue is taken in slices of its own rows, so that what SQLite holds
// in memory for a statement (the set of rowids it matches) stays small
// even after an import of a million contacts. A contact queued twice may
// be taken out and put back twice: the same result.
func indexQueued(ctx context.Context, tx execer) error {
	var lo, hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(rowid), max(rowid) FROM contacts_search_queue`).Scan(&lo, &hi); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	if !lo.Valid {
		return nil
	}
	// A queue as long as the book (the undo of an import that made most of
	// it, an import into a new book): the indexes are emptied and filled
	// again from the contacts. Taking a contact out of FTS5 writes a
	// tombstone that its merges must carry and rewrite, which made the
	// undo of a million-row import 2.4 times the import with the one-letter
	// prefix index; filling it again costs what the contacts left cost.
	if hi.Int64-lo.Int64+1 >= rebuildMin {
		var queued, total int64
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM contacts_search_queue), (SELECT count(*) FROM contacts)`).Scan(&queued, &total); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
		if queued >= total {
			return rebuildSearch(ctx, tx)
		}
	}
	const queued = `(SELECT rid FROM contacts_search_queue WHERE rowid BETWEEN ?1 AND ?2)`
	for from := lo.Int64; from <= hi.Int64; from += indexSlice {
		to := from + indexSlice - 1
		for _, stmt := range []string{
			`DELETE FROM contacts_fts WHERE rowid IN ` + queued,
			`DELETE FROM contacts_phone_fts WHERE rowid IN ` + queued,
			`INSERT INTO contacts_fts (rowid, name, email, company_name, note)
				SELECT rid, name, email, company_name, note
				FROM contacts_search_source WHERE rid IN ` + queued + ` ORDER BY rid`,
			`INSERT INTO contacts_phone_fts (rowid, phone)
				SELECT rid, phone FROM contacts_search_source WHERE rid IN ` + queued + ` ORDER BY rid`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, from, to); err != nil {
				return fmt.Errorf("search index: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM contacts_search_queue`); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// indexSlice is how many queued rows indexQueued takes at a time, and
// how many contacts rebuildSearch indexes at a time.
var indexSlice int64 = 10_000

// rebuildMin is the shortest queue that may be worth a rebuild.
var rebuildMin int64 = 1_000

// rebuildSearch empties both search indexes and fills them from the
// contacts, indexSlice rowids at a time (what FTS5 holds in memory for a
// statement stays small), and empties the queue.
func rebuildSearch(ctx context.Context, tx execer) error {
	for _, stmt := range []string{
		`INSERT INTO contacts_fts (contacts_fts) VALUES ('delete-all')`,
		`INSERT INTO contacts_phone_fts (contacts_phone_fts) VALUES ('delete-all')`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	var lo, hi sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(rowid), max(rowid) FROM contacts`).Scan(&lo, &hi); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	for from := lo.Int64; lo.Valid && from <= hi.Int64; from += indexSlice {
		for _, stmt := range []string{
			`INSERT INTO contacts_fts (rowid, name, email, company_name, note)
				SELECT rid, name, email, company_name, note
				FROM contacts_search_source WHERE rid BETWEEN ?1 AND ?2 ORDER BY rid`,
			`INSERT INTO contacts_phone_fts (rowid, phone)
				SELECT rid, phone FROM contacts_search_source WHERE rid BETWEEN ?1 AND ?2 ORDER BY rid`,
		} {
			if _, err := tx.ExecContext(ctx, stmt, from, from+indexSlice-1); err != nil {
				return fmt.Errorf("search index: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM contacts_search_queue`); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	return nil
}

// searchPending reports whether contacts wait to be indexed.
func searchPending(ctx context.Context, q queryer) (bool, error) {
	var pending bool
	err := q.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts_search_queue)`).Scan(&pending)
	return pending, err
}

// IndexSearch indexes the queued contacts in a transaction of its own:
// those that another SQLite program (the sqlite3 shell) wrote, since every
// write of the store indexes its own before it commits. A search does it
// first when it finds the queue not empty.
func (db *DB) IndexSearch(ctx context.Context) error {
	return db.write(ctx, "index", func(*writer) error { return nil }) // write indexes what is queued
}

// ValidateSearch checks a query as SearchContacts does, without a book:
// EUSAGE when it has no word or digit to look for.
func ValidateSearch(query string) error {
	_, err := parseSearch(query)
	return err
}

// searchTerm is one term of a query: its words (folded), and for a run of
// digits, the digits.
type searchTerm struct {
	words  []string
	digits string // "" unless every word is ASCII digits
}

// phone reports whether the term is looked for in phone numbers.
func (t searchTerm) phone() bool { return len(t.digits) >= minPhoneDigits }

// match is the term as an FTS5 text query: a phrase, whose last word may
// be a prefix when prefix is true. The words hold only letters, digits and
// marks, but quotes are doubled anyway, as FTS5 wants them.
func (t searchTerm) match(prefix bool) string {
	m := `"` + strings.ReplaceAll(strings.Join(t.words, " "), `"`, `""`) + `"`
	if prefix {
		m += "*"
	}
	return m
}

type searchQuery struct{ terms []searchTerm }

// A query is what a person types into a search box: these bound what one
// can cost, whoever sends it (the CLI, the API's ?q=, the web page).
const (
	maxSearchBytes = 1000 // characters of UTF-8
	maxSearchWords = 32   // words and runs of digits
)

// parseSearch splits a query into terms (see SearchContacts). EUSAGE for
// one with nothing to look for, or longer than a search box holds.
func parseSearch(query string) (*searchQuery, error) {
	if len(query) > maxSearchBytes {
		return nil, contacts.Errorf(contacts.EUSAGE, "search: the query is %d bytes long; a search takes at most %d", len(query), maxSearchBytes)
	}
	q := &searchQuery{}
	digitRun := false // the last term is a run of digits that may go on
	// The letters unicode61's remove_diacritics leaves as they are are
	// folded as the index's source folds them.
	for _, chunk := range strings.FieldsFunc(contacts.FoldLetters(query), unicode.IsSpace) {
		// A number pasted from a vCard or a link: tel:+45-20-12-34-56.
		if len(chunk) > 4 && strings.EqualFold(chunk[:4], "tel:") {
			chunk = chunk[4:]
		}
		phrase := false // the last term is a phrase of this chunk
		for _, w := range strings.FieldsFunc(chunk, func(r rune) bool { return !isWordRune(r) }) {
			if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) < 0 {
				continue // marks only (a lone combining accent): no word
			}
			if strings.Trim(w, "0123456789") == "" {
				if digitRun {
					last := &q.terms[len(q.terms)-1]
					last.words = append(last.words, w)
					last.digits += w
				} else {
					q.terms = append(q.terms, searchTerm{words: []string{w}, digits: w})
				}
				digitRun, phrase = true, false
				continue
			}
			if phrase {
				last := &q.terms[len(q.terms)-1]
				last.words = append(last.words, w)
			} else {
				q.terms = append(q.terms, searchTerm{words: []string{w}})
			}
			digitRun, phrase = false, true
		}
	}
	if len(q.terms) == 0 {
		return nil, contacts.Errorf(contacts.EUSAGE, "search: the query %q has no word or digit to look for", query)
	}
	words := 0
	for _, t := range q.terms {
		words += len(t.words)
	}
	if words > maxSearchWords {
		return nil, contacts.Errorf(contacts.EUSAGE, "search: the query has %d words; a search takes at most %d", words, maxSearchWords)
	}
	return q, nil
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// searchStatement is one step of a search.
type searchStatement struct {
	sql  string
	args []any
}

// Columns of the text index, for FTS5's column filters.
const (
	nameColumns    = `{name}`
	primaryColumns = `{name email company_name}`
)

// steps returns the statements of a search, in the order of its tiers:
// the phone step, if the query has a run of digits to look for in phone
// numbers, and the text steps, of which the last is the whole text match.
func (q *searchQuery) steps() (phoneSteps, textSteps []searchStatement) {
	var prefix, exact, words, phone []string
	for _, t := range q.terms {
		prefix = append(prefix, t.match(true))
		exact = append(exact, t.match(false))
		if t.phone() {
			phone = append(phone, `"`+t.digits+`"`)
		} else {
			words = append(words, t.match(true))
		}
	}
	if len(phone) > 0 {
		// The other terms, as text, filter the phone matches: the IN list
		// is built once (+rowid: it must not drive a lookup of the phone
		// index for each contact that the words match).
		st := searchStatement{sql: `SELECT p.rowid, ` + prefixed("c.", contactColumns) + `
			FROM contacts_phone_fts p JOIN contacts c ON c.rowid = p.rowid
			WHERE contacts_phone_fts MATCH ?`, args: []any{strings.Join(phone, " ")}}
		if len(words) > 0 {
			st.sql += ` AND +p.rowid IN (SELECT rowid FROM contacts_fts WHERE contacts_fts MATCH ?)`
			st.args = append(st.args, strings.Join(words, " "))
		}
		st.sql += ` ORDER BY p.rowid DESC`
		phoneSteps = append(phoneSteps, st)
	}
	for _, columns := range []string{nameColumns, primaryColumns, ""} {
		for _, terms := range [][]string{exact, prefix} {
			match := strings.Join(terms, " ")
			if columns != "" {
				match = columns + " : (" + match + ")"
			}
			textSteps = append(textSteps, searchStatement{sql: `SELECT f.rowid, ` + prefixed("c.", contactColumns) + `
				FROM contacts_fts f JOIN contacts c ON c.rowid = f.rowid
				WHERE contacts_fts MATCH ? ORDER BY f.rowid DESC`, args: []any{match}})
		}
	}
	return phoneSteps, textSteps
}

// prefixed qualifies each of a list of columns.
func prefixed(p, cols string) string {
	parts := strings.Split(cols, ", ")
	for i := range parts {
		parts[i] = p + parts[i]
	}
	return strings.Join(parts, ", ")
}
