-- +goose Up
-- The SQLite twin of postgres/00006_contact_query.sql; read that file for the why. SQLite has
-- no index for a tag inside the JSON text (the query reads it with json_each) nor for a
-- substring: those filters scan the organization's rows, which is correct, if not fast.
-- contacts_tags and contacts_search are stand-ins of PostgreSQL's GIN indexes, of the same
-- names and shapes, so that the two schemas stay comparable (TestMigrationsAgree); the
-- search's is on lower(phone), not on the searched expression, whose wagate_fold a database
-- opened without wagate could not evaluate.
CREATE INDEX contacts_created_page ON contacts (org_id, created_at, id);
CREATE INDEX contacts_updated_page ON contacts (org_id, updated_at, id);
CREATE INDEX contacts_last_call_page ON contacts (org_id, last_call_at, id);
CREATE INDEX contacts_tags ON contacts (tags);
CREATE INDEX contacts_search ON contacts (lower(phone));
CREATE INDEX contacts_category ON contacts (org_id, category);
CREATE INDEX contacts_source ON contacts (org_id, source);
CREATE INDEX contacts_last_call_status ON contacts (org_id, last_call_status);
CREATE INDEX contacts_status ON contacts (org_id, status);
CREATE INDEX contacts_campaign ON contacts (org_id, campaign_id);

-- +goose Down
DROP INDEX contacts_search;
DROP INDEX contacts_tags;
DROP INDEX contacts_campaign;
DROP INDEX contacts_status;
DROP INDEX contacts_last_call_status;
DROP INDEX contacts_source;
DROP INDEX contacts_category;
DROP INDEX contacts_last_call_page;
DROP INDEX contacts_updated_page;
DROP INDEX contacts_created_page;
