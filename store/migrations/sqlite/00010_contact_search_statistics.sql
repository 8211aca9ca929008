-- +goose Up
-- The SQLite twin of postgres/00010_contact_search_statistics.sql, which tells PostgreSQL's
-- planner more about the trigram index's expression. SQLite's planner keeps no such
-- histogram, and this version changes nothing here.
SELECT 1;

-- +goose Down
SELECT 1;
