-- Execution schema: executions with their engine lease, node executions,
-- task attempts, the per-execution event log and gate signals.
-- Times are INTEGER microseconds since the Unix epoch, UTC.

CREATE TABLE executions (
    id                    INTEGER NOT NULL PRIMARY KEY,
    project               TEXT    NOT NULL,
    domain                TEXT    NOT NULL,
    name                  TEXT    NOT NULL,
    lp_project            TEXT    NOT NULL,
    lp_domain             TEXT    NOT NULL,
    lp_name               TEXT    NOT NULL,
    lp_version            TEXT    NOT NULL,
    wf_project            TEXT    NOT NULL,
    wf_domain             TEXT    NOT NULL,
    wf_name               TEXT    NOT NULL,
    wf_version            TEXT    NOT NULL,
    mode                  INTEGER NOT NULL,
    principal             TEXT    NOT NULL,
    parent_node_execution TEXT    NOT NULL,
    ref_project           TEXT,   -- NULL when the execution references none
    ref_domain            TEXT,
    ref_name              TEXT,
    phase                 INTEGER NOT NULL,
    state                 INTEGER NOT NULL,
    spec                  BLOB    NOT NULL,
    closure               BLOB    NOT NULL,
    inputs_uri            TEXT    NOT NULL,
    engine_state          BLOB    NOT NULL,
    abort_requested       INTEGER NOT NULL DEFAULT 0,
    abort_cause           TEXT    NOT NULL DEFAULT '',
    abort_principal       TEXT    NOT NULL DEFAULT '',
    version               INTEGER NOT NULL DEFAULT 0,
    lease_owner           TEXT    NOT NULL DEFAULT '',
    lease_expires_at      INTEGER, -- NULL when no lease was ever taken
    wake_at               INTEGER, -- NULL while nothing is due
    event_seq             INTEGER NOT NULL DEFAULT 0, -- last event seq assigned
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    started_at            INTEGER,
    ended_at              INTEGER,
    UNIQUE (project, domain, name)
) STRICT;

-- Due executions, as ExecutionClaim scans them (phases 4, 6, 7, 8 are terminal).
CREATE INDEX executions_due ON executions (wake_at) WHERE wake_at IS NOT NULL AND phase NOT IN (4, 6, 7, 8);
CREATE INDEX executions_created_at ON executions (project, domain, created_at, id);
CREATE INDEX executions_updated_at ON executions (project, domain, updated_at, id);
CREATE INDEX executions_phase ON executions (project, domain, phase, created_at, id);
CREATE INDEX executions_workflow ON executions (project, domain, wf_name, created_at, id);
CREATE INDEX executions_launch_plan ON executions (project, domain, lp_name, created_at, id);

CREATE TABLE node_executions (
    execution_id    INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    node_id         TEXT    NOT NULL,
    parent_node_id  TEXT    NOT NULL,
    spec_node_id    TEXT    NOT NULL,
    phase           INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    system_failures INTEGER NOT NULL,
    closure         BLOB    NOT NULL,
    engine_state    BLOB    NOT NULL,
    input_uri       TEXT    NOT NULL,
    output_uri      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    started_at      INTEGER,
    ended_at        INTEGER,
    PRIMARY KEY (execution_id, node_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX node_executions_parent ON node_executions (execution_id, parent_node_id, node_id);

CREATE TABLE task_executions (
    execution_id  INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    node_id       TEXT    NOT NULL,
    retry_attempt INTEGER NOT NULL,
    task_project  TEXT    NOT NULL,
    task_domain   TEXT    NOT NULL,
    task_name     TEXT    NOT NULL,
    task_version  TEXT    NOT NULL,
    phase         INTEGER NOT NULL,
    phase_version INTEGER NOT NULL,
    closure       BLOB    NOT NULL,
    plugin_state  BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    started_at    INTEGER,
    ended_at      INTEGER,
    PRIMARY KEY (execution_id, node_id, retry_attempt)
) STRICT, WITHOUT ROWID;

CREATE TABLE execution_events (
    execution_id  INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    kind          INTEGER NOT NULL,
    node_id       TEXT    NOT NULL,
    retry_attempt INTEGER NOT NULL,
    phase         INTEGER NOT NULL,
    occurred_at   INTEGER NOT NULL,
    body          BLOB    NOT NULL,
    PRIMARY KEY (execution_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE signals (
    execution_id INTEGER NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
    signal_id    TEXT    NOT NULL,
    type         BLOB    NOT NULL,
    value        BLOB,   -- NULL until set
    set_by       TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    set_at       INTEGER,
    PRIMARY KEY (execution_id, signal_id)
) STRICT, WITHOUT ROWID;
