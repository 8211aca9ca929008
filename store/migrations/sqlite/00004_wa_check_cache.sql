-- +goose Up
-- The SQLite twin of postgres/00004_wa_check_cache.sql; read that file for the why.
CREATE TABLE wa_check_cache (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    match_key  TEXT NOT NULL,
    phone      TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('on_whatsapp', 'not_on_whatsapp')),
    jid        TEXT,
    lid        TEXT,
    checked_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (org_id, match_key),
    CHECK ((state = 'on_whatsapp') = (jid IS NOT NULL))
);

CREATE INDEX wa_check_cache_expiry ON wa_check_cache (expires_at);

-- +goose Down
DROP TABLE wa_check_cache;
