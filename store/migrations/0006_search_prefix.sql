-- A prefix index of one letter for the text search: contacts_fts made again
-- with prefix = '1', and filled again from the contacts.
--
-- A search is typed one key at a time, and its first key is a one-letter
-- prefix ("s*"), which FTS5 answers without a prefix index by merging the
-- lists of every word that starts with the letter: 57 ms for "s" on a
-- million contacts, 69 ms for "hansen a". With the index it reads one
-- list: about 4 ms and 8 ms, and no prefix typed on the way to a name took
-- over 26 ms (BENCHMARKS.md, "Search as you type"). The index costs 58 MB per
-- million contacts (the text index grows from 96 to 154 MB, the book by
-- 4%); two letters (prefix = '1 2') would halve the slowest two-letter
-- queries for 128 MB more, and were not taken.
--
-- Filling it reads every contact: about 18 s per million contacts, once,
-- at the first open after the upgrade. The queue stays as it is: the
-- phone index still needs the contacts in it, and indexing a queued contact
-- again in this index gives the same index.
DROP TABLE IF EXISTS contacts_fts;

CREATE VIRTUAL TABLE contacts_fts USING fts5(
    name, email, company_name, note,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '1'
);

INSERT INTO contacts_fts (rowid, name, email, company_name, note)
    SELECT rid, name, email, company_name, note FROM contacts_search_source ORDER BY rid;
