-- +goose Up
-- contacts_filters (00008) serves every equality filter of the query, tags included, alone or
-- together: the one-column indexes of 00006 on tags, category, source, last_call_status,
-- status and campaign_id add nothing a query plan needs (the planner reads the order's index
-- for a common value and contacts_filters for a rare one), and each costs every write. A
-- million-row import maintained 13 indexes per row; these six were a sixth of its time.
DROP INDEX contacts_tags;
DROP INDEX contacts_category;
DROP INDEX contacts_source;
DROP INDEX contacts_last_call_status;
DROP INDEX contacts_status;
DROP INDEX contacts_campaign;

-- +goose Down
CREATE INDEX contacts_tags ON contacts USING gin (tags);
CREATE INDEX contacts_category ON contacts (org_id, category);
CREATE INDEX contacts_source ON contacts (org_id, source);
CREATE INDEX contacts_last_call_status ON contacts (org_id, last_call_status);
CREATE INDEX contacts_status ON contacts (org_id, status);
CREATE INDEX contacts_campaign ON contacts (org_id, campaign_id);
