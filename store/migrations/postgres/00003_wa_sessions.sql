-- +goose Up
-- A WhatsApp session of an organization: one linked device, its state as the session manager
-- last recorded it, and the device's JID once paired (its keys live in whatsmeow's own
-- whatsmeow_* tables, in this database, under their own version table).
CREATE TABLE wa_sessions (
    id                text PRIMARY KEY,
    org_id            text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name              text NOT NULL,
    status            text NOT NULL CHECK (status IN ('disconnected', 'connecting', 'pairing', 'connected', 'logged_out', 'banned')),
    -- Why the status is what it is, in words for a person ("no route to WhatsApp; retrying").
    reason            text NOT NULL,
    status_changed_at timestamptz NOT NULL,
    -- The AD-JID (user:device@s.whatsapp.net) of the paired device: one session per device,
    -- whatever the organization.
    device_jid        text UNIQUE,
    phone             text,
    push_name         text,
    -- While reconnecting: how many attempts have failed, and when the next one runs.
    reconnect_attempt integer NOT NULL DEFAULT 0,
    next_retry_at     timestamptz,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    UNIQUE (org_id, name)
);

-- The listing pages through an organization's sessions by id.
CREATE INDEX wa_sessions_org_page ON wa_sessions (org_id, id);

-- +goose Down
DROP TABLE wa_sessions;
