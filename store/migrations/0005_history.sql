-- The book's history (contacts history, undo, restore): every change to a
-- contact, recorded by the store's one writer (store/write.go) in the
-- transaction of the change, so that no write can skip it.
--
-- An operation is one write of the book (an add, an edit, an import of a
-- million rows, a sync, an undo): one transaction. Its changes are the rows
-- of history_changes with its seq, which are consecutive, since writes
-- take turns.
CREATE TABLE IF NOT EXISTS history_operations (
    seq      INTEGER PRIMARY KEY,
    id       TEXT NOT NULL UNIQUE,      -- a ULID, as people and the API name it
    kind     TEXT NOT NULL,             -- add, edit, rm, import, sync, undo, restore, POST /v1/contacts, …
    summary  TEXT NOT NULL DEFAULT '',
    via      TEXT NOT NULL DEFAULT '',  -- cli or server
    user     TEXT NOT NULL DEFAULT '',  -- the OS user of the CLI
    key_id   TEXT NOT NULL DEFAULT '',  -- the API key of the server's request (never its secret)
    key_name TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL,             -- contacts.TimeFormat
    undoes   TEXT NOT NULL DEFAULT '',  -- the id of the operation this one reverted
    changes  INTEGER NOT NULL DEFAULT 0 -- how many changes it made
);

-- One change to one contact: kind c (created), u (updated) or d (deleted),
-- and the contact as it was before (NULL columns for a created one). What
-- it was after is the next change's "before", or the contact as it is now.
CREATE TABLE IF NOT EXISTS history_changes (
    seq             INTEGER PRIMARY KEY,
    op              INTEGER NOT NULL,   -- history_operations.seq
    contact_id      TEXT NOT NULL,
    kind            TEXT NOT NULL,
    name            TEXT,
    email           TEXT,
    phone           TEXT,
    phone_formatted TEXT,
    company_name    TEXT,
    note            TEXT,
    created_at      TEXT,
    updated_at      TEXT
);
-- A contact's changes, in order; and the later changes that stop an undo.
CREATE INDEX IF NOT EXISTS history_changes_contact ON history_changes (contact_id, seq);
-- A deleted contact is found by the number it had.
CREATE INDEX IF NOT EXISTS history_changes_phone ON history_changes (phone) WHERE phone IS NOT NULL;
-- An operation's changes.
CREATE INDEX IF NOT EXISTS history_changes_op ON history_changes (op);
