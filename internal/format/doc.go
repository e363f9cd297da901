// Package format reads and writes the files that contacts are imported from
// and exported to: CSV (our own columns, Google Contacts' and Outlook's
// exports, and any CSV whose header names a phone column), vCard 2.1, 3.0 and
// 4.0, JSON arrays and JSON Lines.
//
// Readers only read: a Record carries the text as the file had it, and the
// caller validates every record with the domain's rules, as `contacts add`
// does. Readers are streaming and bounded: a record, a line or a card larger
// than MaxRecordSize is a fatal error found without reading the rest of it
// into memory, so a 2 GB line costs 1 MiB, not 2 GB.
//
// Writers stream too: a million contacts are written in constant memory.
//
// # Choices
//
// Encoding. Every reader takes UTF-8 with or without a byte-order mark and
// UTF-16 with one (Windows programs write it) or without one (recognized by
// its zero bytes). Other text that is not UTF-8 is a fatal FileError naming
// the line and asking for UTF-8; Outlook's "ANSI" export is such a file. A
// vCard's CHARSET=ISO-8859-1 (or Windows-1252, ISO-8859-15) value is
// decoded, as Android's vCard 2.1 writes them.
//
// Empty files. A file with no content (or only white space, or only a
// byte-order mark) is the fatal ErrEmpty in every format. A CSV with only a
// header, "[]" in JSON, are zero records and no error: that is what an
// export of an empty book looks like.
//
// CSV. The header decides the dialect (see DialectOf): our own columns
// (the contact's field names, any order or subset) are read exactly, ids and
// timestamps included, nothing trimmed; a header with "Phone N - Value" is
// Google's; three or more of Outlook's column names, one of them a phone
// column, is Outlook's; anything else is mapped by column aliases, and
// must name a phone column. The delimiter is the header's most frequent of
// comma, semicolon and tab. A row of blank cells is skipped; a row of the
// wrong width is a RowError. Quoted fields may hold newlines; a record's
// Pos is its first line.
//
// Which number. Google: the number whose label starts with "*" (Google's
// primary mark), else the first that is not a fax or pager, else the first,
// in column order; the other values of a " ::: " cell and other columns are
// Unused. Outlook: Mobile, Primary, Business, Home, Other Phone, then the
// other phone columns, faxes last (Telex never). vCard: the preferred TEL
// (lowest PREF; TYPE=pref counts as PREF=1), else the first. The same
// number twice is not reported as unused.
//
// Names. Google: "Name", else the parts joined (given, middle, family),
// else "File As", else "Nickname" ("File As" is a sort key, "Jensen, Ann",
// so the parts read better). Outlook: First, Middle, Last Name. vCard: FN,
// else N's given, additional and family names. A card whose N is empty and
// whose FN repeats its ORG or its number (how Apple writes a company, and
// how our export writes a contact without a name) has no name.
//
// JSON. An array of objects, or top-level objects one after another (one,
// as `contacts show -o json` prints it). Detect calls a file that starts
// with '{' JSON Lines when its first line is a whole JSON value, and JSON
// otherwise; the JSON Lines reader itself is strict, one value per line,
// so a pretty-printed object given to it with --format jsonl is a RowError
// per line.
//
// vCard output. 4.0 by default, 3.0 on request; UID, FN, N (last word the
// family name), TEL, EMAIL, ORG, NOTE, REV and X-CONTACTS-CREATED, escaped
// and folded at 75 octets between characters. It reads back through this
// package's reader to the same fields, and through go-vcard.
package format
