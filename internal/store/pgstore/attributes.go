package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

const (
	attributesColumns  = `resource_type, project, domain, workflow, launch_plan, body, created_at, updated_at`
	attributesKeyMatch = `resource_type = $1 AND project = $2 AND domain = $3 AND workflow = $4 AND launch_plan = $5`
)

func keyArgs(k store.AttributesKey) []any {
	return []any{k.ResourceType, k.Project, k.Domain, k.Workflow, k.LaunchPlan}
}

// AttributesUpsert creates or replaces the attributes at a key.
func (s *Store) AttributesUpsert(ctx context.Context, p store.AttributesUpsertParams) (*store.Attributes, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	a, err := scanAttributes(s.pool.QueryRow(ctx, `INSERT INTO attributes (`+attributesColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (resource_type, project, domain, workflow, launch_plan)
DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
RETURNING `+attributesColumns, append(keyArgs(p.Key), sqlshared.NonNil(p.Body), now)...))
	if err != nil {
		return nil, fmt.Errorf("set attributes (%s): %w", p.Key, err)
	}
	a.Body = bytes.Clone(sqlshared.NonNil(p.Body))
	return a, nil
}

// AttributesGet returns the attributes stored at exactly this key.
func (s *Store) AttributesGet(ctx context.Context, p store.AttributesGetParams) (*store.Attributes, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	a, err := scanAttributes(s.pool.QueryRow(ctx, `SELECT `+attributesColumns+` FROM attributes WHERE `+attributesKeyMatch, keyArgs(p.Key)...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.NotFoundf("attributes (%s)", p.Key)
	}
	if err != nil {
		return nil, fmt.Errorf("get attributes (%s): %w", p.Key, err)
	}
	return a, nil
}

// AttributesDelete removes the attributes at a key.
func (s *Store) AttributesDelete(ctx context.Context, p store.AttributesDeleteParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `DELETE FROM attributes WHERE `+attributesKeyMatch, keyArgs(p.Key)...)
	if err != nil {
		return fmt.Errorf("delete attributes (%s): %w", p.Key, err)
	}
	if tag.RowsAffected() == 0 {
		return store.NotFoundf("attributes (%s)", p.Key)
	}
	return nil
}

// AttributesList returns the attribute rows of one resource type.
func (s *Store) AttributesList(ctx context.Context, p store.AttributesListParams) ([]*store.Attributes, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+attributesColumns+` FROM attributes
WHERE resource_type = $1 AND ($2 = '' OR project = $2) AND ($3 = '' OR domain = $3)
ORDER BY project, domain, workflow, launch_plan`, p.ResourceType, p.Project, p.Domain)
	if err != nil {
		return nil, fmt.Errorf("list attributes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Attributes, error) { return scanAttributes(row) })
	if err != nil {
		return nil, fmt.Errorf("list attributes: %w", err)
	}
	return out, nil
}

func scanAttributes(row pgx.Row) (*store.Attributes, error) {
	var a store.Attributes
	if err := row.Scan(&a.Key.ResourceType, &a.Key.Project, &a.Key.Domain, &a.Key.Workflow, &a.Key.LaunchPlan,
		&a.Body, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	if a.Body == nil {
		a.Body = []byte{}
	}
	a.CreatedAt, a.UpdatedAt = fromDB(a.CreatedAt), fromDB(a.UpdatedAt)
	return &a, nil
}
