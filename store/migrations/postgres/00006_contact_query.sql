-- +goose Up
-- The indexes of the contacts query (store/contactquery.go). Each filter's index leads with
-- org_id, as every query filters on it.

-- The three sorts, each ending in id: the keyset condition (column, id) > (…) starts the
-- scan at the position, and the scan reads the order, forwards or backwards. lastCallAt's
-- NULLs come last in both directions: the query reads them apart from the others (by
-- last_call_at IS NULL, an index condition too), so this one index serves both directions.
CREATE INDEX contacts_created_page ON contacts (org_id, created_at, id);
CREATE INDEX contacts_updated_page ON contacts (org_id, updated_at, id);
CREATE INDEX contacts_last_call_page ON contacts (org_id, last_call_at, id);

-- The equality filters. The list's already has the index of the phone's uniqueness within a
-- list (org_id, contact_list_id, match_key).
CREATE INDEX contacts_category ON contacts (org_id, category);
CREATE INDEX contacts_source ON contacts (org_id, source);
CREATE INDEX contacts_last_call_status ON contacts (org_id, last_call_status);
CREATE INDEX contacts_status ON contacts (org_id, status);
CREATE INDEX contacts_campaign ON contacts (org_id, campaign_id);

-- tags ?| array['lead', 'vip'] (any of the tags): jsonb_ops, the default class, serves ?|;
-- jsonb_path_ops serves only @>, which would take one test per tag.
CREATE INDEX contacts_tags ON contacts USING gin (tags);

-- q is a substring anywhere of the names, the email and the phone: a trigram index on the
-- expression store/contactquery.go searches (contactSearchPostgres, spelled the same). Where
-- pg_trgm cannot be created (see 00005) the search scans the organization's rows, and a small
-- expression index stands in under the same name, so that the schema is the same everywhere.
-- +goose StatementBegin
DO $$
DECLARE
    trgm text;
BEGIN
    BEGIN
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
    EXCEPTION WHEN OTHERS THEN
        RAISE NOTICE 'pg_trgm is not available (%): the contacts search scans instead', SQLERRM;
    END;
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF trgm IS NULL THEN
        CREATE INDEX contacts_search ON contacts ((lower(phone)));
    ELSE
        EXECUTE format($f$CREATE INDEX contacts_search ON contacts USING gin ((lower(coalesce(full_name, '') || E'\n' || coalesce(first_name, '') || E'\n' || coalesce(last_name, '') || E'\n' || coalesce(email, '') || E'\n' || phone)) %I.gin_trgm_ops)$f$, trgm);
    END IF;
END
$$;
-- +goose StatementEnd

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
