-- +goose Up
-- The SQLite twin of postgres/00008_contact_filters.sql, which has a GIN index over the
-- query's equality filters. SQLite has no GIN: the one-column indexes of 00006 serve it, and
-- this index of the same name and columns stands in, as contacts_tags does (see 00006).
CREATE INDEX contacts_filters ON contacts (tags, category, source, last_call_status, status, campaign_id);

-- +goose Down
DROP INDEX contacts_filters;
