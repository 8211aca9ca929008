-- +goose Up
-- One row per contact import (store/imports.go): its settings, its progress as each chunk
-- commits, and its outcome. The list is kept by id and name without a foreign key: the record
-- is the history of what was imported, and outlives the list.
CREATE TABLE contact_imports (
    org_id              text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id                  text NOT NULL,
    status              text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    contact_list_id     bigint NOT NULL,
    contact_list_name   text NOT NULL,
    list_created        boolean NOT NULL,
    format              text NOT NULL CHECK (format IN ('csv', 'ndjson', 'json')),
    on_conflict         text NOT NULL CHECK (on_conflict IN ('update', 'skip', 'fail')),
    atomic              boolean NOT NULL,
    rows_read           bigint NOT NULL DEFAULT 0,
    created             bigint NOT NULL DEFAULT 0,
    updated             bigint NOT NULL DEFAULT 0,
    unchanged           bigint NOT NULL DEFAULT 0,
    skipped             bigint NOT NULL DEFAULT 0,
    failed              bigint NOT NULL DEFAULT 0,
    -- The first failed rows (store.MaxFailedRows), as a JSON array of {row, line, field, reason}.
    failed_rows         jsonb NOT NULL DEFAULT '[]',
    failed_rows_omitted bigint NOT NULL DEFAULT 0,
    error               text,
    started_at          timestamptz NOT NULL,
    finished_at         timestamptz,
    -- The listing pages newest first by id (a ULID: creation order) within the organization.
    PRIMARY KEY (org_id, id)
);

-- +goose Down
DROP TABLE contact_imports;
