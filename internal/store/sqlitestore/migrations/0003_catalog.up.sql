-- Data catalog schema: datasets, their artifacts with partitions and tags,
-- and reservations of tags. Times are INTEGER microseconds since the Unix
-- epoch, UTC.

CREATE TABLE datasets (
    id             INTEGER NOT NULL PRIMARY KEY,
    uuid           TEXT    NOT NULL UNIQUE,
    project        TEXT    NOT NULL,
    domain         TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    version        TEXT    NOT NULL,
    metadata       BLOB    NOT NULL,
    partition_keys TEXT    NOT NULL, -- JSON array of strings
    created_at     INTEGER NOT NULL,
    UNIQUE (project, domain, name, version)
) STRICT;

CREATE INDEX datasets_created_at ON datasets (project, domain, created_at, uuid);

-- A rowid table: artifact data can be large, and a WITHOUT ROWID table
-- would keep it in the primary key's b-tree.
CREATE TABLE artifacts (
    id         TEXT    NOT NULL PRIMARY KEY,
    dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    data       BLOB    NOT NULL,
    size       INTEGER NOT NULL,
    metadata   BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Lists (newest first) and eviction by age within a dataset.
CREATE INDEX artifacts_dataset_created_at ON artifacts (dataset_id, created_at, id);

CREATE TABLE partitions (
    artifact_id TEXT NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    value       TEXT NOT NULL,
    PRIMARY KEY (artifact_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE tags (
    dataset_id  INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    name        TEXT    NOT NULL,
    artifact_id TEXT    NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, name)
) STRICT, WITHOUT ROWID;

-- The tags of an artifact, read with it and deleted with it.
CREATE INDEX tags_artifact ON tags (artifact_id, name);

-- Keyed by the dataset's key rather than its row: a reservation is taken
-- before the first run of a task creates its dataset.
CREATE TABLE reservations (
    project               TEXT    NOT NULL,
    domain                TEXT    NOT NULL,
    name                  TEXT    NOT NULL,
    version               TEXT    NOT NULL,
    tag_name              TEXT    NOT NULL,
    owner_id              TEXT    NOT NULL,
    heartbeat_interval_ns INTEGER NOT NULL,
    expires_at            INTEGER NOT NULL,
    PRIMARY KEY (project, domain, name, version, tag_name)
) STRICT, WITHOUT ROWID;
