-- +goose Up
-- The SQLite twin of postgres/00003_wa_sessions.sql; read that file for the why.
CREATE TABLE wa_sessions (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('disconnected', 'connecting', 'pairing', 'connected', 'logged_out', 'banned')),
    reason            TEXT NOT NULL,
    status_changed_at TIMESTAMP NOT NULL,
    device_jid        TEXT UNIQUE,
    phone             TEXT,
    push_name         TEXT,
    reconnect_attempt INTEGER NOT NULL DEFAULT 0,
    next_retry_at     TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    UNIQUE (org_id, name)
);

CREATE INDEX wa_sessions_org_page ON wa_sessions (org_id, id);

-- +goose Down
DROP TABLE wa_sessions;
