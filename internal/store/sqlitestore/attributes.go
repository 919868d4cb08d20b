package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

const attributesKeyMatch = `resource_type = $1 AND project = $2 AND domain = $3 AND workflow = $4 AND launch_plan = $5`

func keyArgs(k store.AttributesKey) []any {
	return []any{k.ResourceType, k.Project, k.Domain, k.Workflow, k.LaunchPlan}
}

// AttributesUpsert creates or replaces the attributes at a key.
func (s *Store) AttributesUpsert(ctx context.Context, p store.AttributesUpsertParams) (*store.Attributes, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	var createdAt int64
	err := s.writer.QueryRowContext(ctx, `INSERT INTO attributes
(resource_type, project, domain, workflow, launch_plan, body, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (resource_type, project, domain, workflow, launch_plan)
DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
RETURNING created_at`, append(keyArgs(p.Key), sqlshared.NonNil(p.Body), now)...).Scan(&createdAt)
	if err != nil {
		return nil, fmt.Errorf("set attributes %+v: %w", p.Key, err)
	}
	return &store.Attributes{Key: p.Key, Body: bytes.Clone(sqlshared.NonNil(p.Body)), CreatedAt: fromDB(createdAt), UpdatedAt: fromDB(now)}, nil
}

// AttributesGet returns the attributes stored at exactly this key.
func (s *Store) AttributesGet(ctx context.Context, p store.AttributesGetParams) (*store.Attributes, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	a, err := scanAttributes(s.reader.QueryRowContext(ctx, `SELECT resource_type, project, domain, workflow, launch_plan, body, created_at, updated_at
FROM attributes WHERE `+attributesKeyMatch, keyArgs(p.Key)...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.NotFoundf("attributes %s", p.Key)
	}
	if err != nil {
		return nil, fmt.Errorf("get attributes %+v: %w", p.Key, err)
	}
	return a, nil
}

// AttributesDelete removes the attributes at a key.
func (s *Store) AttributesDelete(ctx context.Context, p store.AttributesDeleteParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	res, err := s.writer.ExecContext(ctx, `DELETE FROM attributes WHERE `+attributesKeyMatch, keyArgs(p.Key)...)
	if err != nil {
		return fmt.Errorf("delete attributes %+v: %w", p.Key, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete attributes %+v: %w", p.Key, err)
	}
	if n == 0 {
		return store.NotFoundf("attributes %s", p.Key)
	}
	return nil
}

// AttributesList returns the attribute rows of one resource type.
func (s *Store) AttributesList(ctx context.Context, p store.AttributesListParams) ([]*store.Attributes, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT resource_type, project, domain, workflow, launch_plan, body, created_at, updated_at
FROM attributes
WHERE resource_type = $1 AND ($2 = '' OR project = $2) AND ($3 = '' OR domain = $3)
ORDER BY project, domain, workflow, launch_plan`, p.ResourceType, p.Project, p.Domain)
	if err != nil {
		return nil, fmt.Errorf("list attributes: %w", err)
	}
	defer rows.Close()
	var out []*store.Attributes
	for rows.Next() {
		a, err := scanAttributes(rows)
		if err != nil {
			return nil, fmt.Errorf("list attributes: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attributes: %w", err)
	}
	return out, nil
}

func scanAttributes(row scanner) (*store.Attributes, error) {
	var (
		a                    store.Attributes
		createdAt, updatedAt int64
	)
	if err := row.Scan(&a.Key.ResourceType, &a.Key.Project, &a.Key.Domain, &a.Key.Workflow, &a.Key.LaunchPlan,
		&a.Body, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	if a.Body == nil {
		a.Body = []byte{}
	}
	a.CreatedAt, a.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
	return &a, nil
}
