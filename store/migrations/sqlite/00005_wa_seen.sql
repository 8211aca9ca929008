-- +goose Up
-- The SQLite twin of postgres/00005_wa_seen.sql; read that file for the why. search is
-- lower-cased by wagate_fold (store/seenfold.go), SQLite's own lower() knowing only ASCII.
CREATE TABLE wa_seen_people (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        TEXT NOT NULL,
    session_id    TEXT NOT NULL REFERENCES wa_sessions (id) ON DELETE CASCADE,
    phone_jid     TEXT,
    lid           TEXT,
    phone         TEXT,
    match_key     TEXT,
    full_name     TEXT,
    first_name    TEXT,
    push_name     TEXT,
    business_name TEXT,
    direct_chat   BOOLEAN NOT NULL DEFAULT false,
    first_seen_at TIMESTAMP,
    last_seen_at  TIMESTAMP,
    search        TEXT NOT NULL,
    UNIQUE (session_id, phone_jid),
    UNIQUE (session_id, lid),
    CHECK (phone_jid IS NOT NULL OR lid IS NOT NULL),
    CHECK ((first_seen_at IS NULL) = (last_seen_at IS NULL))
);

CREATE INDEX wa_seen_people_page ON wa_seen_people (session_id, id);
CREATE INDEX wa_seen_people_dm ON wa_seen_people (session_id, id) WHERE direct_chat;
-- No index serves a substring search here: this one is PostgreSQL's trigram index's twin,
-- so that both engines keep one schema.
CREATE INDEX wa_seen_people_search ON wa_seen_people (search);

CREATE TABLE wa_seen_memberships (
    person_id INTEGER NOT NULL REFERENCES wa_seen_people (id) ON DELETE CASCADE,
    group_jid TEXT NOT NULL,
    PRIMARY KEY (person_id, group_jid)
);

CREATE INDEX wa_seen_memberships_group ON wa_seen_memberships (group_jid, person_id);

CREATE TABLE wa_seen_groups (
    session_id   TEXT NOT NULL REFERENCES wa_sessions (id) ON DELETE CASCADE,
    org_id       TEXT NOT NULL,
    jid          TEXT NOT NULL,
    name         TEXT,
    participants INTEGER NOT NULL CHECK (participants >= 0),
    refreshed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (session_id, jid)
);

-- +goose Down
DROP TABLE wa_seen_groups;
DROP TABLE wa_seen_memberships;
DROP TABLE wa_seen_people;
