-- API keys of this company's book, for `contacts serve`. A key belongs to
-- the company whose file holds it. Only the SHA-256 hash of the secret is
-- kept: the secret is shown once, when the key is made, and a copy of this
-- file does not give anyone the keys. Lookups are by hash, hence UNIQUE
-- (which also indexes it). Timestamps are TEXT in contacts.TimeFormat.
CREATE TABLE api_keys (
    id           TEXT NOT NULL PRIMARY KEY,
    name         TEXT NOT NULL DEFAULT '',
    hash         BLOB NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT
);
