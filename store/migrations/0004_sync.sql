-- Two-way CardDAV sync (contacts sync): what the book remembers of each
-- address book it syncs with, so that the next sync moves only what
-- changed on either side since. Every statement may run again on a book
-- that has them (IF NOT EXISTS).
--
-- sync_books: one row per address book, by its URL as the server names it
-- (url); given_url is the URL the user configured, when it is not the
-- address book itself (a server or an account whose address book was
-- discovered), so that discovery runs once. token is the server's
-- sync-token (RFC 6578) after the last sync, '' when the server offers
-- none (ETags are compared instead).
CREATE TABLE IF NOT EXISTS sync_books (
    url       TEXT NOT NULL PRIMARY KEY,
    given_url TEXT NOT NULL DEFAULT '',
    token     TEXT NOT NULL DEFAULT '',
    synced_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sync_books_given ON sync_books (given_url);

-- sync_cards: one row per card of an address book, by its href (its path
-- on the server). etag and text are the card as the server last had it:
-- the text is kept byte for byte, so that a local change rewrites only the
-- properties contacts owns and leaves every other line as it was.
-- contact_id is the contact it is synced with ('' when none: a card that
-- was left alone, as invalid or as holding a number another contact has),
-- and hash the hash of that contact as last synced, to notice a local
-- change. pending is 1 when the text is a server version that was not
-- applied to the book (left alone): every sync looks at it again.
-- contact_id is not a foreign key: the card of a contact deleted locally
-- must stay known until the sync deletes it on the server. book is the
-- sync_books row; the store deletes a book's cards with it.
CREATE TABLE IF NOT EXISTS sync_cards (
    book       TEXT NOT NULL,
    href       TEXT NOT NULL,
    etag       TEXT NOT NULL,
    text       TEXT NOT NULL,
    contact_id TEXT NOT NULL DEFAULT '',
    hash       TEXT NOT NULL DEFAULT '',
    pending    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (book, href)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sync_cards_contact ON sync_cards (contact_id);
