package format

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/phoneinc/contacts"
)

// The column names of the two CSV exports we read, as their exports spell
// them. They were taken from public copies of the files' headers:
//
// Google Contacts, older export ("Google CSV" before 2023):
//
//	Name,Given Name,Additional Name,Family Name,Yomi Name,...,Nickname,...,
//	Notes,Group Membership,E-mail 1 - Type,E-mail 1 - Value,...,
//	Phone 1 - Type,Phone 1 - Value,...,Organization 1 - Type,
//	Organization 1 - Name,...
//
// Google Contacts, newer export:
//
//	First Name,Middle Name,Last Name,Phonetic First Name,...,Nickname,
//	File As,Organization Name,Organization Title,...,Notes,Photo,Labels,
//	E-mail 1 - Label,E-mail 1 - Value,...,Phone 1 - Label,Phone 1 - Value,...
//
// In both, a cell can hold several values separated by " ::: ", and a label
// (type) starting with "* " marks the primary value ("* Mobile").
//
// Outlook ("Comma Separated Values" export; the field list of Outlook's
// import/export map):
//
//	"Title","First Name","Middle Name","Last Name","Suffix","Company",...,
//	"Assistant's Phone","Business Fax","Business Phone","Business Phone 2",
//	"Callback","Car Phone","Company Main Phone","Home Fax","Home Phone",
//	"Home Phone 2","ISDN","Mobile Phone","Other Fax","Other Phone","Pager",
//	"Primary Phone","Radio Phone","TTY/TDD Phone","Telex",...,
//	"E-mail Address","E-mail Type","E-mail Display Name","E-mail 2 Address",
//	...,"Notes",...
//
// Headers are matched case-insensitively, ignoring surrounding spaces.

// outlookPhones are Outlook's phone columns in the order we prefer them: a
// mobile number is the one most likely to call, then the one the person
// marked primary, then work, home and the rest. Faxes come last: a number
// that only receives faxes rarely calls, but it is better than none.
// Telex is not a phone number and is left out.
var outlookPhones = []string{
	"mobile phone", "primary phone", "business phone", "home phone", "other phone",
	"business phone 2", "home phone 2", "company main phone", "car phone", "radio phone",
	"callback", "assistant's phone", "isdn", "tty/tdd phone", "pager",
	"business fax", "home fax", "other fax",
}

// outlookMarkers are columns only Outlook's export has; three of them make
// a header Outlook's. (One is not enough: "Name,Mobile Phone" is a plain
// CSV whose name column Outlook's mapping would not read.)
var outlookMarkers = []string{
	"title", "first name", "middle name", "last name", "suffix", "company", "department", "job title",
	"business phone", "home phone", "mobile phone", "primary phone", "other phone",
	"e-mail address", "e-mail type", "e-mail display name", "e-mail 2 address",
}

// Plain CSV column aliases, compared after plainKey: lower case, with
// '_', '-' and '.' read as spaces.
var (
	plainName    = []string{"name", "full name", "fullname", "display name", "displayname", "contact name"}
	plainFirst   = []string{"first name", "firstname", "first", "given name", "givenname", "forename"}
	plainMiddle  = []string{"middle name", "middlename", "middle", "additional name"}
	plainLast    = []string{"last name", "lastname", "last", "family name", "familyname", "surname"}
	plainPhone   = []string{"phone", "phone number", "phonenumber", "phone no", "telephone", "telephone number", "tel", "mobile", "mobile phone", "mobile number", "cell", "cell phone", "cellphone", "number", "msisdn"}
	plainEmail   = []string{"email", "e mail", "email address", "e mail address", "mail"}
	plainCompany = []string{"company", "company name", "companyname", "organization", "organisation", "organization name", "organisation name", "org"}
	plainNote    = []string{"note", "notes", "comment", "comments"}
)

// csvMap turns a row of one header's CSV into a Record. Column lists are
// in preference order; -1 is a missing column.
type csvMap struct {
	dialect CSVDialect

	id, created, updated int

	name     []int // full-name columns: the first non-empty one wins
	parts    []int // given, middle, family: joined when there is no full name
	lastName []int // further fallbacks (Google's File As, Nickname)

	phones []phoneCol
	emails []phoneCol // same shape: a value and a label
	orgs   []int
	notes  []int

	multi bool // cells may hold several values separated by " ::: " (Google)
}

// phoneCol is a column of numbers (or e-mail addresses) with the column of
// its label, -1 when none, and its rank: lower is preferred.
type phoneCol struct {
	value, label int
	rank         int
	skipLabel    string // a label value that disqualifies the cell (Outlook's "EX" e-mail type)
}

// mapHeader recognizes the dialect of a header and maps its columns. A
// header without any phone column is a fatal error naming the columns it
// has.
func mapHeader(header []string) (*csvMap, error) {
	keys := make([]string, len(header))
	idx := map[string]int{}
	for i, h := range header {
		keys[i] = strings.ToLower(strings.TrimSpace(h))
		if _, ok := idx[keys[i]]; !ok {
			idx[keys[i]] = i
		}
	}
	col := func(names ...string) []int {
		var out []int
		for _, n := range names {
			if i, ok := idx[n]; ok {
				out = append(out, i)
			}
		}
		return out
	}
	m := &csvMap{id: -1, created: -1, updated: -1}

	switch {
	case isOurs(keys):
		m.dialect = DialectContacts
		m.id, m.created, m.updated = first(col("id")), first(col("created_at")), first(col("updated_at"))
		m.name, m.orgs, m.notes = col("name"), col("company_name"), col("note")
		m.emails = cols(col("email"))
		m.phones = cols(col("phone"))
	case googleColumns(keys, "phone") != nil || googleColumns(keys, "e-mail") != nil:
		m.dialect = DialectGoogle
		m.multi = true
		// A name from its parts reads better than File As, which is a sort
		// key ("Jensen, Ann") and empty unless someone set it.
		m.name = col("name")
		m.parts = col("given name", "first name", "additional name", "middle name", "family name", "last name")
		m.lastName = col("file as", "nickname")
		m.orgs = col("organization 1 - name", "organization name")
		m.notes = col("notes")
		m.phones = googleColumns(keys, "phone")
		m.emails = googleColumns(keys, "e-mail")
	case isOutlook(idx):
		m.dialect = DialectOutlook
		m.parts = col("first name", "middle name", "last name")
		m.orgs = col("company")
		m.notes = col("notes")
		for rank, name := range outlookPhones {
			if i, ok := idx[name]; ok {
				m.phones = append(m.phones, phoneCol{value: i, label: -1, rank: rank})
			}
		}
		// Outlook fills "E-mail Address" with an X.500 path, not an
		// address, for Exchange contacts (type "EX"); skip those.
		for _, e := range [][2]string{{"e-mail address", "e-mail type"}, {"e-mail 2 address", "e-mail 2 type"}, {"e-mail 3 address", "e-mail 3 type"}} {
			if i, ok := idx[e[0]]; ok {
				l, ok := idx[e[1]]
				if !ok {
					l = -1
				}
				m.emails = append(m.emails, phoneCol{value: i, label: l, skipLabel: "ex"})
			}
		}
	default:
		m.dialect = DialectPlain
		pk := make(map[string]int, len(keys))
		for i, k := range keys {
			if _, ok := pk[plainKey(k)]; !ok {
				pk[plainKey(k)] = i
			}
		}
		// Columns are taken in the file's order, so that of "phone" and
		// "mobile" the one further left wins, as a person reading the
		// file would expect.
		inOrder := func(aliases []string) []int {
			var out []int
			for i, k := range keys {
				for _, a := range aliases {
					if plainKey(k) == a && pk[a] == i {
						out = append(out, i)
						break
					}
				}
			}
			return out
		}
		m.name = inOrder(plainName)
		for _, aliases := range [][]string{plainFirst, plainMiddle, plainLast} {
			m.parts = append(m.parts, inOrder(aliases)...)
		}
		m.phones = cols(inOrder(plainPhone))
		m.emails = cols(inOrder(plainEmail))
		m.orgs = inOrder(plainCompany)
		m.notes = inOrder(plainNote)
	}
	if len(m.phones) == 0 {
		return nil, &FileError{Pos: "line 1", Kind: ErrNoPhoneColumn, Msg: noPhoneMessage(header)}
	}
	return m, nil
}

func cols(idx []int) []phoneCol {
	out := make([]phoneCol, len(idx))
	for i, c := range idx {
		out[i] = phoneCol{value: c, label: -1}
	}
	return out
}

// isOurs reports whether a header is our own export's: only the contact's
// field names (any order, any subset, so that a column deleted in a
// spreadsheet does not change how the rest is read), phone among them.
// Only then are id, created_at and updated_at read: an "id" column of
// another CSV holds someone else's ids.
func isOurs(keys []string) bool {
	hasPhone := false
	for _, k := range keys {
		found := false
		for _, f := range contacts.Fields {
			if k == f {
				found = true
			}
		}
		if !found {
			return false
		}
		hasPhone = hasPhone || k == "phone"
	}
	return hasPhone
}

func isOutlook(idx map[string]int) bool {
	n, phone := 0, false
	for _, k := range outlookMarkers {
		if _, ok := idx[k]; ok {
			n++
		}
	}
	for _, k := range outlookPhones {
		if _, ok := idx[k]; ok {
			phone = true
		}
	}
	return n >= 3 && phone
}

// googleColumns finds Google's numbered columns "<kind> N - Value" with
// their "<kind> N - Type" (old) or "<kind> N - Label" (new), in N order.
func googleColumns(keys []string, kind string) []phoneCol {
	type pair struct{ value, label int }
	byN := map[int]*pair{}
	prefix := kind + " "
	for i, k := range keys {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		num, what, ok := strings.Cut(k[len(prefix):], " - ")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(num)
		if err != nil {
			continue
		}
		p := byN[n]
		if p == nil {
			p = &pair{-1, -1}
			byN[n] = p
		}
		switch what {
		case "value":
			p.value = i
		case "type", "label":
			p.label = i
		}
	}
	var ns []int
	for n, p := range byN {
		if p.value >= 0 {
			ns = append(ns, n)
		}
	}
	sort.Ints(ns)
	var out []phoneCol
	for _, n := range ns {
		out = append(out, phoneCol{value: byN[n].value, label: byN[n].label})
	}
	return out
}

// plainKey reads a header name loosely: "Phone_Number", "phone-number" and
// "Phone Number" are one name.
func plainKey(k string) string {
	k = strings.Map(func(r rune) rune {
		switch r {
		case '_', '-', '.':
			return ' '
		}
		return r
	}, strings.ToLower(k))
	return strings.Join(strings.Fields(k), " ")
}

func noPhoneMessage(header []string) string {
	const show = 15
	names := make([]string, 0, show)
	for i, h := range header {
		if i == show {
			break
		}
		names = append(names, strconv.Quote(strings.TrimSpace(h)))
	}
	found := strings.Join(names, ", ")
	if len(header) > show {
		found += fmt.Sprintf(" and %d more", len(header)-show)
	}
	return "no phone column in the header (found " + found + "): name the column of phone numbers \"phone\""
}

// cell returns a row's cell, "" for a missing column, with CRLF line ends
// as LF (as the domain stores text, and as the CSV reader gives them
// anyway at the end of a line).
func cell(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	v := rec[i]
	if strings.IndexByte(v, '\r') >= 0 {
		v = strings.ReplaceAll(v, "\r\n", "\n")
	}
	return v
}

// first returns the first non-blank cell of cols; with split, only the
// first of the values in a Google cell ("Acme ::: Other Co").
func (m *csvMap) first(rec []string, cols []int, split bool) string {
	for _, c := range cols {
		v := cell(rec, c)
		if strings.TrimSpace(v) != "" {
			if split && m.multi {
				v, _, _ = strings.Cut(v, ":::")
				v = strings.TrimSpace(v)
			}
			return v
		}
	}
	return ""
}

// candidate is one number a row carries.
type candidate struct {
	value string
	rank  int
}

// values lists the non-empty values of cols with their rank: a column's
// own rank, or for Google, by label: primary ("* ...") first, then
// anything but a fax or pager, then those.
func (m *csvMap) values(rec []string, cols []phoneCol, dst []candidate) []candidate {
	for _, c := range cols {
		v := strings.TrimSpace(cell(rec, c.value))
		if v == "" {
			continue
		}
		label := strings.ToLower(strings.TrimSpace(cell(rec, c.label)))
		if c.skipLabel != "" && label == c.skipLabel {
			continue
		}
		rank := c.rank
		if m.dialect == DialectGoogle {
			switch {
			case strings.HasPrefix(label, "*"):
				rank = 0
			case strings.Contains(label, "fax"), strings.Contains(label, "pager"):
				rank = 2
			default:
				rank = 1
			}
		}
		if !m.multi {
			dst = append(dst, candidate{v, rank})
			continue
		}
		for i, part := range strings.Split(v, ":::") {
			if part = strings.TrimSpace(part); part != "" {
				r := rank
				if i > 0 && r == 0 {
					r = 1 // the primary mark is the cell's first value's
				}
				dst = append(dst, candidate{part, r})
			}
		}
	}
	return dst
}

// pick returns the preferred candidate (lowest rank, then first) and the
// others, without repeats of it or of each other: Outlook often has the
// same number as Primary Phone and as Mobile Phone.
func pick(cs []candidate) (string, []string) {
	if len(cs) == 0 {
		return "", nil
	}
	best := 0
	for i, c := range cs {
		if c.rank < cs[best].rank {
			best = i
		}
	}
	chosen := cs[best].value
	var rest []string
	seen := map[string]bool{digits(chosen): true}
	for i, c := range cs {
		if i == best || seen[digits(c.value)] {
			continue
		}
		seen[digits(c.value)] = true
		rest = append(rest, c.value)
	}
	return chosen, rest
}

// digits keeps the digits of a phone number, and a leading +, so that
// "+45 20 12 34 56" and "+4520123456" are one number.
func digits(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= '0' && r <= '9' || r == '+' && i == 0 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return s
	}
	return b.String()
}

// fill sets r from a row.
func (m *csvMap) fill(rec []string, r *Record) {
	if m.dialect == DialectContacts {
		// Our own export reads back exactly: no trimming, no splitting.
		r.ID = cell(rec, m.id)
		r.CreatedAt = cell(rec, m.created)
		r.UpdatedAt = cell(rec, m.updated)
		r.Name = cell(rec, first(m.name))
		r.Email = cell(rec, firstCol(m.emails))
		r.Phone = cell(rec, firstCol(m.phones))
		r.CompanyName = cell(rec, first(m.orgs))
		r.Note = cell(rec, first(m.notes))
		return
	}
	r.Name = m.first(rec, m.name, false)
	if strings.TrimSpace(r.Name) == "" {
		var parts []string
		for _, c := range m.parts {
			if p := strings.TrimSpace(cell(rec, c)); p != "" {
				parts = append(parts, p)
			}
		}
		r.Name = strings.Join(parts, " ")
	}
	if r.Name == "" {
		r.Name = m.first(rec, m.lastName, false)
	}
	var buf [8]candidate
	r.Phone, r.Unused = pick(m.values(rec, m.phones, buf[:0]))
	r.Email, _ = pick(m.values(rec, m.emails, buf[:0]))
	r.CompanyName = m.first(rec, m.orgs, true)
	r.Note = m.first(rec, m.notes, false)
}

func first(cols []int) int {
	if len(cols) == 0 {
		return -1
	}
	return cols[0]
}

func firstCol(cols []phoneCol) int {
	if len(cols) == 0 {
		return -1
	}
	return cols[0].value
}
