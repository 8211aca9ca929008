-- +goose Up
-- What WhatsApp answered when an organization asked whether a number is on WhatsApp: one
-- row per organization and number (its match key, so every spelling of the number finds
-- it). In the database rather than in memory so that an answer survives a restart and is
-- shared by every process on this database: each live check risks the account, and one
-- already paid for is never asked again before it expires. Answers that were errors
-- ("unknown") are never stored.
CREATE TABLE wa_check_cache (
    org_id     text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    match_key  text NOT NULL,
    -- The number as asked, in E.164.
    phone      text NOT NULL,
    state      text NOT NULL CHECK (state IN ('on_whatsapp', 'not_on_whatsapp')),
    -- The account's JID (user@s.whatsapp.net) as WhatsApp confirmed it, and its @lid once a
    -- lookup told it; NULL when not on WhatsApp, or not known.
    jid        text,
    lid        text,
    checked_at timestamptz NOT NULL,
    -- After this the row is a miss, and the next check overwrites it.
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (org_id, match_key),
    CHECK ((state = 'on_whatsapp') = (jid IS NOT NULL))
);

-- Sweeping expired answers reads them by expiry.
CREATE INDEX wa_check_cache_expiry ON wa_check_cache (expires_at);

-- +goose Down
DROP TABLE wa_check_cache;
