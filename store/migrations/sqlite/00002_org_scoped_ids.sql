-- +goose Up
-- The SQLite twin of postgres/00002_org_scoped_ids.sql; read that file for the why.
CREATE TABLE id_counters (
    org_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind    TEXT NOT NULL,
    last_id INTEGER NOT NULL,
    PRIMARY KEY (org_id, kind)
) WITHOUT ROWID;

INSERT INTO id_counters (org_id, kind, last_id)
SELECT org_id, 'contact_list', MAX(id) FROM contact_lists GROUP BY org_id
UNION ALL
SELECT org_id, 'contact', MAX(id) FROM contacts GROUP BY org_id;

-- SQLite cannot change a primary key in place: both tables are rebuilt the way
-- https://www.sqlite.org/lang_altertable.html#otheralter describes (create new_X, copy, drop X,
-- rename new_X to X, recreate the indexes), inside goose's transaction, so that a failure leaves
-- version 1 whole. Foreign keys stay on, which that page's general procedure turns off because
-- dropping a table other tables still reference would run their ON DELETE actions. Here nothing
-- references a table when it is dropped: the new contacts refer to the new lists, the old
-- contacts go before the old lists, and renaming the new lists rewrites the new contacts'
-- reference (SQLite >= 3.26 without legacy_alter_table). With foreign keys on, the copy itself
-- is checked: a contact whose list is not its organization's would fail the migration.
CREATE TABLE contact_lists_new (
    id          INTEGER NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id),
    UNIQUE (org_id, name)
);
INSERT INTO contact_lists_new (id, org_id, name, description, created_at, updated_at)
SELECT id, org_id, name, description, created_at, updated_at FROM contact_lists;

CREATE TABLE contacts_new (
    id                 INTEGER NOT NULL,
    org_id             TEXT NOT NULL,
    contact_list_id    INTEGER NOT NULL,
    phone              TEXT NOT NULL,
    country_code       TEXT NOT NULL,
    match_key          TEXT NOT NULL,
    full_name          TEXT,
    first_name         TEXT,
    last_name          TEXT,
    email              TEXT,
    source             TEXT,
    tags               TEXT NOT NULL DEFAULT '[]',
    category           TEXT,
    status             TEXT,
    campaign_id        TEXT,
    last_call_status   TEXT,
    last_call_at       TIMESTAMP,
    last_call_duration INTEGER,
    last_call_feedback TEXT,
    notes              TEXT,
    metadata           TEXT NOT NULL DEFAULT '{}',
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, id),
    FOREIGN KEY (org_id, contact_list_id) REFERENCES contact_lists_new (org_id, id) ON DELETE CASCADE,
    UNIQUE (org_id, contact_list_id, match_key)
);
INSERT INTO contacts_new (id, org_id, contact_list_id, phone, country_code, match_key,
    full_name, first_name, last_name, email, source, tags, category, status, campaign_id,
    last_call_status, last_call_at, last_call_duration, last_call_feedback, notes, metadata,
    created_at, updated_at)
SELECT id, org_id, contact_list_id, phone, country_code, match_key,
    full_name, first_name, last_name, email, source, tags, category, status, campaign_id,
    last_call_status, last_call_at, last_call_duration, last_call_feedback, notes, metadata,
    created_at, updated_at
FROM contacts;

DROP TABLE contacts;
DROP TABLE contact_lists;
ALTER TABLE contact_lists_new RENAME TO contact_lists;
ALTER TABLE contacts_new RENAME TO contacts;
CREATE INDEX contacts_lookup ON contacts (org_id, match_key, updated_at DESC, id DESC);

-- +goose Down
-- Back to global ids, the same way round. This works only while no two organizations share an
-- id; once they do, the copy into the single-column primary keys fails and nothing changes.
CREATE TABLE contact_lists_old (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (org_id, name),
    UNIQUE (id, org_id)
);
INSERT INTO contact_lists_old (id, org_id, name, description, created_at, updated_at)
SELECT id, org_id, name, description, created_at, updated_at FROM contact_lists;

CREATE TABLE contacts_old (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id             TEXT NOT NULL,
    contact_list_id    INTEGER NOT NULL,
    phone              TEXT NOT NULL,
    country_code       TEXT NOT NULL,
    match_key          TEXT NOT NULL,
    full_name          TEXT,
    first_name         TEXT,
    last_name          TEXT,
    email              TEXT,
    source             TEXT,
    tags               TEXT NOT NULL DEFAULT '[]',
    category           TEXT,
    status             TEXT,
    campaign_id        TEXT,
    last_call_status   TEXT,
    last_call_at       TIMESTAMP,
    last_call_duration INTEGER,
    last_call_feedback TEXT,
    notes              TEXT,
    metadata           TEXT NOT NULL DEFAULT '{}',
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    FOREIGN KEY (contact_list_id, org_id) REFERENCES contact_lists_old (id, org_id) ON DELETE CASCADE,
    UNIQUE (contact_list_id, match_key)
);
INSERT INTO contacts_old (id, org_id, contact_list_id, phone, country_code, match_key,
    full_name, first_name, last_name, email, source, tags, category, status, campaign_id,
    last_call_status, last_call_at, last_call_duration, last_call_feedback, notes, metadata,
    created_at, updated_at)
SELECT id, org_id, contact_list_id, phone, country_code, match_key,
    full_name, first_name, last_name, email, source, tags, category, status, campaign_id,
    last_call_status, last_call_at, last_call_duration, last_call_feedback, notes, metadata,
    created_at, updated_at
FROM contacts;

DROP TABLE contacts;
DROP TABLE contact_lists;
ALTER TABLE contact_lists_old RENAME TO contact_lists;
ALTER TABLE contacts_old RENAME TO contacts;
CREATE INDEX contact_lists_org_page ON contact_lists (org_id, id);
CREATE INDEX contacts_lookup ON contacts (org_id, match_key, updated_at DESC, id DESC);
DROP TABLE id_counters;
