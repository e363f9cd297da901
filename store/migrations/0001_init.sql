-- The address book of one company: the Phone.inc Contacts API's contact model.
-- Timestamps are TEXT in contacts.TimeFormat, fixed width, so they sort.
-- phone_formatted is derived from phone but stored, so that a listing of a
-- million contacts does not format a million numbers.
CREATE TABLE contacts (
    id              TEXT NOT NULL PRIMARY KEY,
    name            TEXT,
    email           TEXT,
    phone           TEXT NOT NULL,
    phone_formatted TEXT NOT NULL,
    company_name    TEXT,
    note            TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CONSTRAINT contacts_phone_unique UNIQUE (phone)
);

-- Newest first, ties by id: the order of every listing.
CREATE INDEX contacts_newest ON contacts (created_at DESC, id DESC);
