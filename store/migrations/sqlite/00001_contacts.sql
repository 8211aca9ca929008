-- +goose Up
-- The SQLite twin of postgres/00001_contacts.sql; read that file for the why of each table.
-- Timestamps are TIMESTAMP columns holding fixed-width UTC text (see store.go), so comparing
-- and MAX() on the text is comparing times. JSON is TEXT. AUTOINCREMENT keeps ids from being
-- reused after a delete, as PostgreSQL identities are never reused.
CREATE TABLE organizations (
    id             TEXT PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE,
    default_region TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);

CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  BLOB NOT NULL UNIQUE,
    capabilities TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP,
    revoked_at   TIMESTAMP,
    last_used_at TIMESTAMP
);
CREATE INDEX api_keys_org_page ON api_keys (org_id, id);

CREATE TABLE contact_lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    UNIQUE (org_id, name),
    UNIQUE (id, org_id)
);

CREATE INDEX contact_lists_org_page ON contact_lists (org_id, id);

CREATE TABLE contacts (
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
    FOREIGN KEY (contact_list_id, org_id) REFERENCES contact_lists (id, org_id) ON DELETE CASCADE,
    UNIQUE (contact_list_id, match_key)
);
CREATE INDEX contacts_lookup ON contacts (org_id, match_key, updated_at DESC, id DESC);

CREATE TABLE inbound_activity (
    org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    match_key       TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    phone           TEXT NOT NULL,
    last_message_at TIMESTAMP NOT NULL,
    last_direct_at  TIMESTAMP,
    PRIMARY KEY (org_id, match_key, session_id)
);

CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

-- +goose Down
DROP TABLE server_secrets;
DROP TABLE inbound_activity;
DROP TABLE contacts;
DROP TABLE contact_lists;
DROP TABLE api_keys;
DROP TABLE organizations;
