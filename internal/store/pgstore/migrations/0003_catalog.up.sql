-- Data catalog schema: datasets, their artifacts with partitions and tags,
-- and reservations of tags. Text columns use the "C" collation, as in
-- migration 1.

CREATE TABLE datasets (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    uuid           text COLLATE "C" NOT NULL UNIQUE,
    project        text COLLATE "C" NOT NULL,
    domain         text COLLATE "C" NOT NULL,
    name           text COLLATE "C" NOT NULL,
    version        text COLLATE "C" NOT NULL,
    metadata       bytea       NOT NULL,
    partition_keys text        NOT NULL, -- JSON array of strings
    created_at     timestamptz NOT NULL,
    UNIQUE (project, domain, name, version)
);

CREATE INDEX datasets_created_at ON datasets (project, domain, created_at, uuid);

CREATE TABLE artifacts (
    id         text COLLATE "C" NOT NULL PRIMARY KEY,
    dataset_id bigint      NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    data       bytea       NOT NULL,
    size       bigint      NOT NULL,
    metadata   bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Lists (newest first) and eviction by age within a dataset.
CREATE INDEX artifacts_dataset_created_at ON artifacts (dataset_id, created_at, id);

CREATE TABLE partitions (
    artifact_id text COLLATE "C" NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
    key         text COLLATE "C" NOT NULL,
    value       text COLLATE "C" NOT NULL,
    PRIMARY KEY (artifact_id, key)
);

CREATE TABLE tags (
    dataset_id  bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    name        text COLLATE "C" NOT NULL,
    artifact_id text COLLATE "C" NOT NULL REFERENCES artifacts (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (dataset_id, name)
);

-- The tags of an artifact, read with it and deleted with it.
CREATE INDEX tags_artifact ON tags (artifact_id, name);

-- Keyed by the dataset's key rather than its row: a reservation is taken
-- before the first run of a task creates its dataset.
CREATE TABLE reservations (
    project               text COLLATE "C" NOT NULL,
    domain                text COLLATE "C" NOT NULL,
    name                  text COLLATE "C" NOT NULL,
    version               text COLLATE "C" NOT NULL,
    tag_name              text COLLATE "C" NOT NULL,
    owner_id              text COLLATE "C" NOT NULL,
    heartbeat_interval_ns bigint      NOT NULL,
    expires_at            timestamptz NOT NULL,
    PRIMARY KEY (project, domain, name, version, tag_name)
);
