-- Registration schema: projects, registered entities (one table per kind),
-- named-entity metadata and matchable attributes.
-- Times are INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE projects (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    labels      TEXT    NOT NULL DEFAULT '{}', -- JSON object
    state       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX projects_created_at ON projects (created_at, id);
CREATE INDEX projects_name ON projects (name, id);

CREATE TABLE tasks (
    id         INTEGER NOT NULL PRIMARY KEY,
    project    TEXT    NOT NULL,
    domain     TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    digest     BLOB    NOT NULL,
    body       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (project, domain, name, version)
) STRICT;

CREATE INDEX tasks_created_at ON tasks (project, domain, created_at, id);
CREATE INDEX tasks_name_created_at ON tasks (project, domain, name, created_at, id);

CREATE TABLE workflows (
    id         INTEGER NOT NULL PRIMARY KEY,
    project    TEXT    NOT NULL,
    domain     TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    version    TEXT    NOT NULL,
    digest     BLOB    NOT NULL,
    body       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (project, domain, name, version)
) STRICT;

CREATE INDEX workflows_created_at ON workflows (project, domain, created_at, id);
CREATE INDEX workflows_name_created_at ON workflows (project, domain, name, created_at, id);

CREATE TABLE launch_plans (
    id               INTEGER NOT NULL PRIMARY KEY,
    project          TEXT    NOT NULL,
    domain           TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    version          TEXT    NOT NULL,
    digest           BLOB    NOT NULL,
    body             BLOB    NOT NULL,
    created_at       INTEGER NOT NULL,
    workflow_name    TEXT    NOT NULL,
    workflow_version TEXT    NOT NULL,
    schedule         BLOB,   -- NULL when the launch plan has no schedule
    state            INTEGER NOT NULL DEFAULT 0, -- 0 inactive, 1 active
    updated_at       INTEGER NOT NULL,
    UNIQUE (project, domain, name, version)
) STRICT;

CREATE INDEX launch_plans_created_at ON launch_plans (project, domain, created_at, id);
CREATE INDEX launch_plans_name_created_at ON launch_plans (project, domain, name, created_at, id);
CREATE INDEX launch_plans_workflow ON launch_plans (project, domain, workflow_name, workflow_version);
-- At most one active version per name, enforced by the database.
CREATE UNIQUE INDEX launch_plans_one_active ON launch_plans (project, domain, name) WHERE state = 1;
-- Listing active launch plans, in a project and domain or everywhere (the
-- scheduler), reads only active rows.
CREATE INDEX launch_plans_active_created_at ON launch_plans (created_at, id) WHERE state = 1;
CREATE INDEX launch_plans_active_scope ON launch_plans (project, domain, created_at, id) WHERE state = 1;

CREATE TABLE named_entity_metadata (
    kind        INTEGER NOT NULL, -- 1 task, 2 workflow, 3 launch plan
    project     TEXT    NOT NULL,
    domain      TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    state       INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (kind, project, domain, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE attributes (
    resource_type INTEGER NOT NULL,
    project       TEXT    NOT NULL DEFAULT '',
    domain        TEXT    NOT NULL DEFAULT '',
    workflow      TEXT    NOT NULL DEFAULT '',
    launch_plan   TEXT    NOT NULL DEFAULT '',
    body          BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (resource_type, project, domain, workflow, launch_plan)
) STRICT, WITHOUT ROWID;
