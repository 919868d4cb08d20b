-- Registration schema: projects, registered entities (one table per kind),
-- named-entity metadata and matchable attributes.
-- Text columns use the "C" collation so that sorting and range filters
-- compare bytes, exactly as the SQLite driver does.

CREATE TABLE projects (
    id          text COLLATE "C" NOT NULL PRIMARY KEY,
    name        text COLLATE "C" NOT NULL,
    description text COLLATE "C" NOT NULL DEFAULT '',
    labels      jsonb       NOT NULL DEFAULT '{}',
    state       integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE INDEX projects_created_at ON projects (created_at, id);
CREATE INDEX projects_name ON projects (name, id);

CREATE TABLE tasks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project    text COLLATE "C" NOT NULL,
    domain     text COLLATE "C" NOT NULL,
    name       text COLLATE "C" NOT NULL,
    version    text COLLATE "C" NOT NULL,
    digest     bytea       NOT NULL,
    body       bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT tasks_id_key UNIQUE (project, domain, name, version)
);

CREATE INDEX tasks_created_at ON tasks (project, domain, created_at, id);
CREATE INDEX tasks_name_created_at ON tasks (project, domain, name, created_at, id);

CREATE TABLE workflows (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project    text COLLATE "C" NOT NULL,
    domain     text COLLATE "C" NOT NULL,
    name       text COLLATE "C" NOT NULL,
    version    text COLLATE "C" NOT NULL,
    digest     bytea       NOT NULL,
    body       bytea       NOT NULL,
    created_at timestamptz NOT NULL,
    CONSTRAINT workflows_id_key UNIQUE (project, domain, name, version)
);

CREATE INDEX workflows_created_at ON workflows (project, domain, created_at, id);
CREATE INDEX workflows_name_created_at ON workflows (project, domain, name, created_at, id);

CREATE TABLE launch_plans (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project          text COLLATE "C" NOT NULL,
    domain           text COLLATE "C" NOT NULL,
    name             text COLLATE "C" NOT NULL,
    version          text COLLATE "C" NOT NULL,
    digest           bytea       NOT NULL,
    body             bytea       NOT NULL,
    created_at       timestamptz NOT NULL,
    workflow_name    text COLLATE "C" NOT NULL,
    workflow_version text COLLATE "C" NOT NULL,
    schedule         bytea,                     -- NULL when the launch plan has no schedule
    state            integer     NOT NULL DEFAULT 0, -- 0 inactive, 1 active
    updated_at       timestamptz NOT NULL,
    CONSTRAINT launch_plans_id_key UNIQUE (project, domain, name, version)
);

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
    kind        integer     NOT NULL, -- 1 task, 2 workflow, 3 launch plan
    project     text COLLATE "C" NOT NULL,
    domain      text COLLATE "C" NOT NULL,
    name        text COLLATE "C" NOT NULL,
    description text COLLATE "C" NOT NULL DEFAULT '',
    state       integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    PRIMARY KEY (kind, project, domain, name)
);

CREATE TABLE attributes (
    resource_type integer     NOT NULL,
    project       text COLLATE "C" NOT NULL DEFAULT '',
    domain        text COLLATE "C" NOT NULL DEFAULT '',
    workflow      text COLLATE "C" NOT NULL DEFAULT '',
    launch_plan   text COLLATE "C" NOT NULL DEFAULT '',
    body          bytea       NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    PRIMARY KEY (resource_type, project, domain, workflow, launch_plan)
);
