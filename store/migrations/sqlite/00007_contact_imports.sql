-- +goose Up
-- The SQLite twin of postgres/00007_contact_imports.sql; read that file for the why.
CREATE TABLE contact_imports (
    org_id              TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                  TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    contact_list_id     INTEGER NOT NULL,
    contact_list_name   TEXT NOT NULL,
    list_created        BOOLEAN NOT NULL,
    format              TEXT NOT NULL CHECK (format IN ('csv', 'ndjson', 'json')),
    on_conflict         TEXT NOT NULL CHECK (on_conflict IN ('update', 'skip', 'fail')),
    atomic              BOOLEAN NOT NULL,
    rows_read           INTEGER NOT NULL DEFAULT 0,
    created             INTEGER NOT NULL DEFAULT 0,
    updated             INTEGER NOT NULL DEFAULT 0,
    unchanged           INTEGER NOT NULL DEFAULT 0,
    skipped             INTEGER NOT NULL DEFAULT 0,
    failed              INTEGER NOT NULL DEFAULT 0,
    failed_rows         TEXT NOT NULL DEFAULT '[]',
    failed_rows_omitted INTEGER NOT NULL DEFAULT 0,
    error               TEXT,
    started_at          TIMESTAMP NOT NULL,
    finished_at         TIMESTAMP,
    PRIMARY KEY (org_id, id)
);

-- +goose Down
DROP TABLE contact_imports;
