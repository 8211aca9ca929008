-- +goose Up
-- q's plan depends on how many contacts PostgreSQL expects the substring to match: few, and it
-- reads them through the trigram index and sorts them; many, and it walks the order's index
-- and stops at the page's end. It estimates from the histogram it keeps of contacts_search's
-- expression, 100 values by default: a surname on one contact in 24 hit none of them once in
-- the benchmark, was taken to match the floor of 0.01% (100 of 1,000,000 rows) when 41,579
-- did, and the plan read and sorted them all (160-260 ms, where the walk takes 3-7). A
-- thousand values resolve one contact in a thousand, below which reading and sorting the
-- matches is the cheap plan anyway.
--
-- The largest target of a table's columns sets the sample of its every ANALYZE: contacts'
-- grows from 30,000 rows to 300,000 (8 s at a million contacts, autovacuum's, after a tenth
-- of them changed). Where pg_trgm is missing (00006) contacts_search is a plain index no
-- search reads, and the target stays as it was.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_class i JOIN pg_am a ON a.oid = i.relam
               WHERE i.oid = to_regclass('contacts_search') AND a.amname = 'gin') THEN
        ALTER INDEX contacts_search ALTER COLUMN 1 SET STATISTICS 1000;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER INDEX contacts_search ALTER COLUMN 1 SET STATISTICS -1;
