package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

// EntityCreate registers one version of an entity, idempotently by digest.
func (s *Store) EntityCreate(ctx context.Context, p store.EntityCreateParams) (*store.Entity, bool, error) {
	if err := p.Validate(); err != nil {
		return nil, false, err
	}
	now := toDB(p.Now)
	// One statement inserts or, on a conflict, does nothing; a concurrent
	// insert of the same ID waits for the first to commit and then conflicts.
	var (
		tag pgconn.CommandTag
		err error
	)
	if p.Kind == store.KindLaunchPlan {
		tag, err = s.pool.Exec(ctx, `INSERT INTO launch_plans
(project, domain, name, version, digest, body, created_at, workflow_name, workflow_version, schedule, state, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $7)
ON CONFLICT (project, domain, name, version) DO NOTHING`,
			p.ID.Project, p.ID.Domain, p.ID.Name, p.ID.Version, p.Digest, sqlshared.NonNil(p.Body), now,
			p.WorkflowName, p.WorkflowVersion, sqlshared.NilIfEmpty(p.Schedule))
	} else {
		tag, err = s.pool.Exec(ctx, `INSERT INTO `+sqlshared.EntityTable(p.Kind)+`
(project, domain, name, version, digest, body, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (project, domain, name, version) DO NOTHING`,
			p.ID.Project, p.ID.Domain, p.ID.Name, p.ID.Version, p.Digest, sqlshared.NonNil(p.Body), now)
	}
	if err != nil {
		return nil, false, fmt.Errorf("create %s %s: %w", p.Kind, p.ID, err)
	}
	if tag.RowsAffected() == 1 {
		return newEntity(p), true, nil
	}
	// Registered entities are never deleted, so the conflicting row is
	// still there to compare with.
	_, existing, err := getEntity(ctx, s.pool, p.Kind, p.ID)
	if err != nil {
		return nil, false, err
	}
	if !bytes.Equal(existing.Digest, p.Digest) {
		return nil, false, &store.EntityExistsError{Existing: existing}
	}
	return existing, false, nil
}

// newEntity returns the row EntityCreate inserted for p.
func newEntity(p store.EntityCreateParams) *store.Entity {
	now := toDB(p.Now)
	e := &store.Entity{
		Kind: p.Kind, ID: p.ID,
		Digest: bytes.Clone(p.Digest), Body: bytes.Clone(sqlshared.NonNil(p.Body)),
		CreatedAt: now, UpdatedAt: now,
	}
	if p.Kind == store.KindLaunchPlan {
		e.WorkflowName, e.WorkflowVersion = p.WorkflowName, p.WorkflowVersion
		e.Schedule = bytes.Clone(sqlshared.NilIfEmpty(p.Schedule))
	}
	return e
}

// EntityGet returns one registered version.
func (s *Store) EntityGet(ctx context.Context, p store.EntityGetParams) (*store.Entity, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	_, e, err := getEntity(ctx, s.pool, p.Kind, p.ID)
	return e, err
}

// getEntity reads one version and its row id; a missing row is ErrNotFound.
func getEntity(ctx context.Context, q querier, k store.Kind, id store.EntityID) (int64, *store.Entity, error) {
	row := q.QueryRow(ctx, `SELECT `+sqlshared.EntityColumnsOf(k)+` FROM `+sqlshared.EntityTable(k)+`
WHERE project = $1 AND domain = $2 AND name = $3 AND version = $4`,
		id.Project, id.Domain, id.Name, id.Version)
	rowID, e, err := decode.Entity(row, k)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, store.NotFoundf("%s %s", k, id)
	}
	if err != nil {
		return 0, nil, fmt.Errorf("get %s %s: %w", k, id, err)
	}
	return rowID, e, nil
}

// EntityList returns one page of versions.
func (s *Store) EntityList(ctx context.Context, p store.EntityListParams) (*store.Page[*store.Entity], error) {
	q, err := store.PrepareEntityList(p)
	if err != nil {
		return nil, err
	}
	b := listsql.New(dialect)
	return s.listEntities(ctx, p.Kind, q, b, sqlshared.EntityScope(b, p.Project, p.Domain, p.Name))
}

// listEntities runs a list query over one entity table: conds scope it,
// q adds the filters, keyset, order and limit.
func (s *Store) listEntities(ctx context.Context, k store.Kind, q *store.ListQuery, b *listsql.Builder, conds []string) (*store.Page[*store.Entity], error) {
	query, err := sqlshared.EntityListQuery(b, k, q, conds)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, b.Args()...)
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", k, err)
	}
	defer rows.Close()
	items, ids, err := decode.Entities(rows, k)
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", k, err)
	}
	return sqlshared.NewEntityPage(q, items, ids), nil
}

// EntityListIDs returns one page of the distinct names in a project and domain.
func (s *Store) EntityListIDs(ctx context.Context, p store.EntityListParams) (*store.Page[store.NamedEntityID], error) {
	q, err := store.PrepareEntityListIDs(p)
	if err != nil {
		return nil, err
	}
	query, args, err := sqlshared.EntityNamesQuery(dialect, p, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list %s names: %w", p.Kind, err)
	}
	defer rows.Close()
	items, err := sqlshared.EntityNames(rows, p.Project, p.Domain)
	if err != nil {
		return nil, fmt.Errorf("list %s names: %w", p.Kind, err)
	}
	return store.NewPage(q, items, nil), nil
}
