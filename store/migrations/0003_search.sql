-- Full-text search of contacts (contacts search): two FTS5 indexes, of the
-- words of the text fields and of the digits of the phone number.
--
-- Every write to contacts queues the contact's rowid, by the triggers
-- below, in plain SQL on a plain table, so that any SQLite (the sqlite3
-- shell too) can write the book; the store indexes the queue before it
-- commits each write (store/search.go, indexQueued): the indexes change in
-- the same transaction as the contacts. Writing the FTS5 tables from the
-- triggers themselves would be simpler, but FTS5 flushes its pending terms
-- at every statement savepoint, that is at every row of a bulk import: an
-- import of 100,000 contacts took 4.8 times as long. The queue makes it
-- one bulk insert, in rowid order, per transaction.
--
-- The indexes are contentless (they keep no text) with contentless_delete,
-- so that a queued contact is removed from them by rowid, whatever its
-- fields were. Search reads the contacts themselves.
--
-- contacts_search_source is the contacts as they are indexed. Text is
-- folded, in plain SQL, for the letters that the unicode61 tokenizer's
-- remove_diacritics does not take apart: ø æ œ ß đ ð ł þ ı (é, å, ü, ñ and
-- the other decomposable letters it folds itself). store/search.go folds
-- queries with the same table; the two must agree. A text that is all
-- ASCII (as many bytes as characters) skips the folding. The phone is
-- indexed without its "+", as digits only.
--
-- The indexes are keyed by the contacts' rowid. VACUUM keeps the rowids of
-- a table with gaps (checked with SQLite 3.54); if an index ever drifts,
-- queueing every contact (INSERT INTO contacts_search_queue SELECT rowid
-- FROM contacts) has the next write rebuild it.
--
-- Every statement may run again on a book that has them (IF NOT EXISTS,
-- and the indexes are emptied before they are filled).
CREATE VIEW IF NOT EXISTS contacts_search_source (rid, name, email, company_name, note, phone) AS
SELECT rowid,
    CASE WHEN length(name) = length(CAST(name AS BLOB)) THEN name ELSE
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        name, 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ß', 'ss'), 'ẞ', 'SS'),
        'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ł', 'l'), 'Ł', 'L'), 'þ', 'th'), 'Þ', 'TH'), 'ı', 'i') END,
    CASE WHEN length(email) = length(CAST(email AS BLOB)) THEN email ELSE
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        email, 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ß', 'ss'), 'ẞ', 'SS'),
        'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ł', 'l'), 'Ł', 'L'), 'þ', 'th'), 'Þ', 'TH'), 'ı', 'i') END,
    CASE WHEN length(company_name) = length(CAST(company_name AS BLOB)) THEN company_name ELSE
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        company_name, 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ß', 'ss'), 'ẞ', 'SS'),
        'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ł', 'l'), 'Ł', 'L'), 'þ', 'th'), 'Þ', 'TH'), 'ı', 'i') END,
    CASE WHEN length(note) = length(CAST(note AS BLOB)) THEN note ELSE
        replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(
        note, 'ø', 'o'), 'Ø', 'O'), 'æ', 'ae'), 'Æ', 'AE'), 'œ', 'oe'), 'Œ', 'OE'), 'ß', 'ss'), 'ẞ', 'SS'),
        'đ', 'd'), 'Đ', 'D'), 'ð', 'd'), 'Ð', 'D'), 'ł', 'l'), 'Ł', 'L'), 'þ', 'th'), 'Þ', 'TH'), 'ı', 'i') END,
    substr(phone, 2)
FROM contacts;

-- Words and word prefixes of the text fields, case- and accent-insensitive.
CREATE VIRTUAL TABLE IF NOT EXISTS contacts_fts USING fts5(
    name, email, company_name, note,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

-- Runs of digits anywhere in the phone number: trigrams of its digits.
CREATE VIRTUAL TABLE IF NOT EXISTS contacts_phone_fts USING fts5(
    phone,
    content = '', contentless_delete = 1,
    tokenize = 'trigram'
);

-- The rowids of the contacts written since the indexes were last brought
-- up to date: appended to, duplicates and all (no index, no conflict: the
-- cheapest write a trigger can make), and emptied by the store.
CREATE TABLE IF NOT EXISTS contacts_search_queue (
    rid INTEGER NOT NULL
);

CREATE TRIGGER IF NOT EXISTS contacts_search_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_search_queue (rid) VALUES (new.rowid);
END;

CREATE TRIGGER IF NOT EXISTS contacts_search_update AFTER UPDATE OF name, email, company_name, note, phone ON contacts BEGIN
    INSERT INTO contacts_search_queue (rid) VALUES (old.rowid);
END;

CREATE TRIGGER IF NOT EXISTS contacts_search_delete AFTER DELETE ON contacts BEGIN
    INSERT INTO contacts_search_queue (rid) VALUES (old.rowid);
END;

-- Index the contacts of a book made before this migration, in rowid order
-- (FTS5 flushes its pending terms whenever a rowid goes down).
INSERT INTO contacts_fts (contacts_fts) VALUES ('delete-all');
INSERT INTO contacts_phone_fts (contacts_phone_fts) VALUES ('delete-all');
INSERT INTO contacts_fts (rowid, name, email, company_name, note)
    SELECT rid, name, email, company_name, note FROM contacts_search_source ORDER BY rid;
INSERT INTO contacts_phone_fts (rowid, phone)
    SELECT rid, phone FROM contacts_search_source ORDER BY rid;
DELETE FROM contacts_search_queue;
