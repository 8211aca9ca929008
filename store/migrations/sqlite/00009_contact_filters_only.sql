-- +goose Up
-- The SQLite twin of postgres/00009_contact_filters_only.sql, which drops the one-column
-- filter indexes that PostgreSQL's GIN index (00008) makes useless. SQLite has no GIN: its
-- one-column indexes are what serve a rare filter value, so they stay, and this version
-- changes nothing here. TestMigrationsAgree names them as SQLite's own.
SELECT 1;

-- +goose Down
SELECT 1;
