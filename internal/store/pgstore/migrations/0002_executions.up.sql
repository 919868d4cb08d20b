-- Execution schema: executions with their engine lease, node executions,
-- task attempts, the per-execution event log and gate signals.
-- Text columns use the "C" collation, as in migration 1.

CREATE TABLE executions (
    id                    bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project               text COLLATE "C" NOT NULL,
    domain                text COLLATE "C" NOT NULL,
    name                  text COLLATE "C" NOT NULL,
    lp_project            text COLLATE "C" NOT NULL,
    lp_domain             text COLLATE "C" NOT NULL,
    lp_name               text COLLATE "C" NOT NULL,
    lp_version            text COLLATE "C" NOT NULL,
    wf_project            text COLLATE "C" NOT NULL,
    wf_domain             text COLLATE "C" NOT NULL,
    wf_name               text COLLATE "C" NOT NULL,
    wf_version            text COLLATE "C" NOT NULL,
    mode                  integer NOT NULL,
    principal             text COLLATE "C" NOT NULL,
    parent_node_execution text COLLATE "C" NOT NULL,
    ref_project           text COLLATE "C",   -- NULL when the execution references none
    ref_domain            text COLLATE "C",
    ref_name              text COLLATE "C",
    phase                 integer NOT NULL,
    state                 integer NOT NULL,
    spec                  bytea   NOT NULL,
    closure               bytea   NOT NULL,
    inputs_uri            text COLLATE "C" NOT NULL,
    engine_state          bytea   NOT NULL,
    abort_requested       boolean NOT NULL DEFAULT false,
    abort_cause           text COLLATE "C" NOT NULL DEFAULT '',
    abort_principal       text COLLATE "C" NOT NULL DEFAULT '',
    version               bigint NOT NULL DEFAULT 0,
    lease_owner           text COLLATE "C" NOT NULL DEFAULT '',
    lease_expires_at      timestamptz, -- NULL when no lease was ever taken
    wake_at               timestamptz, -- NULL while nothing is due
    event_seq             bigint NOT NULL DEFAULT 0, -- last event seq assigned
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    started_at            timestamptz,
    ended_at              timestamptz,
    UNIQUE (project, domain, name)
);

-- Due executions, as ExecutionClaim scans them (phases 4, 6, 7, 8 are terminal).
CREATE INDEX executions_due ON executions (wake_at) WHERE wake_at IS NOT NULL AND phase NOT IN (4, 6, 7, 8);
CREATE INDEX executions_created_at ON executions (project, domain, created_at, id);
CREATE INDEX executions_updated_at ON executions (project, domain, updated_at, id);
CREATE INDEX executions_phase ON executions (project, domain, phase, created_at, id);
CREATE INDEX executions_workflow ON executions (project, domain, wf_name, created_at, id);
CREATE INDEX executions_launch_plan ON executions (project, domain, lp_name, created_at, id);

CREATE TABLE node_executions (
    execution_id    bigint NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    node_id         text COLLATE "C" NOT NULL,
    parent_node_id  text COLLATE "C" NOT NULL,
    spec_node_id    text COLLATE "C" NOT NULL,
    phase           integer NOT NULL,
    attempts        integer NOT NULL,
    system_failures integer NOT NULL,
    closure         bytea   NOT NULL,
    engine_state    bytea   NOT NULL,
    input_uri       text COLLATE "C" NOT NULL,
    output_uri      text COLLATE "C" NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    started_at      timestamptz,
    ended_at        timestamptz,
    PRIMARY KEY (execution_id, node_id)
);

CREATE INDEX node_executions_parent ON node_executions (execution_id, parent_node_id, node_id);

CREATE TABLE task_executions (
    execution_id  bigint NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    node_id       text COLLATE "C" NOT NULL,
    retry_attempt integer NOT NULL,
    task_project  text COLLATE "C" NOT NULL,
    task_domain   text COLLATE "C" NOT NULL,
    task_name     text COLLATE "C" NOT NULL,
    task_version  text COLLATE "C" NOT NULL,
    phase         integer NOT NULL,
    phase_version integer NOT NULL,
    closure       bytea   NOT NULL,
    plugin_state  bytea    NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    started_at    timestamptz,
    ended_at      timestamptz,
    PRIMARY KEY (execution_id, node_id, retry_attempt)
);

CREATE TABLE execution_events (
    execution_id  bigint NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    seq           bigint NOT NULL,
    kind          integer NOT NULL,
    node_id       text COLLATE "C" NOT NULL,
    retry_attempt integer NOT NULL,
    phase         integer NOT NULL,
    occurred_at   timestamptz NOT NULL,
    body          bytea   NOT NULL,
    PRIMARY KEY (execution_id, seq)
);

CREATE TABLE signals (
    execution_id bigint NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    signal_id    text COLLATE "C" NOT NULL,
    type         bytea   NOT NULL,
    value        bytea,   -- NULL until set
    set_by       text COLLATE "C" NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL,
    set_at       timestamptz,
    PRIMARY KEY (execution_id, signal_id)
);
