package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

var namedEntityListColumns = listsql.Columns{
	Fields: map[string]string{
		"name":        "t.name",
		"description": "COALESCE(m.description, '')",
		"state":       "COALESCE(m.state, 0)",
	},
	Key: "t.name",
}

// NamedEntityGet returns the metadata of a registered name.
func (s *Store) NamedEntityGet(ctx context.Context, p store.NamedEntityGetParams) (*store.NamedEntity, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	ne := &store.NamedEntity{Kind: p.Kind, ID: p.ID}
	var (
		state     int32
		updatedAt *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(m.description, ''), COALESCE(m.state, 0), m.updated_at
FROM (SELECT 1 FROM `+sqlshared.EntityTable(p.Kind)+` WHERE project = $1 AND domain = $2 AND name = $3 LIMIT 1) AS e
LEFT JOIN named_entity_metadata AS m ON m.kind = $4 AND m.project = $1 AND m.domain = $2 AND m.name = $3`,
		p.ID.Project, p.ID.Domain, p.ID.Name, int32(p.Kind)).Scan(&ne.Description, &state, &updatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.NotFoundf("%s %s", p.Kind, p.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s metadata %s: %w", p.Kind, p.ID, err)
	}
	ne.State = store.NamedEntityState(state)
	if updatedAt != nil {
		ne.UpdatedAt = fromDB(*updatedAt)
	}
	return ne, nil
}

// NamedEntityUpsert sets the metadata of a registered name.
func (s *Store) NamedEntityUpsert(ctx context.Context, p store.NamedEntityUpsertParams) (*store.NamedEntity, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	// The insert happens only if a version of the name is registered; versions
	// are never deleted, so the check cannot be invalidated before commit.
	tag, err := s.pool.Exec(ctx, `INSERT INTO named_entity_metadata
(kind, project, domain, name, description, state, created_at, updated_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $7
WHERE EXISTS (SELECT 1 FROM `+sqlshared.EntityTable(p.Kind)+` WHERE project = $2 AND domain = $3 AND name = $4)
ON CONFLICT (kind, project, domain, name)
DO UPDATE SET description = excluded.description, state = excluded.state, updated_at = excluded.updated_at`,
		int32(p.Kind), p.ID.Project, p.ID.Domain, p.ID.Name, p.Description, int32(p.State), now)
	if err != nil {
		return nil, fmt.Errorf("update %s metadata %s: %w", p.Kind, p.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, store.NotFoundf("%s %s", p.Kind, p.ID)
	}
	return &store.NamedEntity{Kind: p.Kind, ID: p.ID, Description: p.Description, State: p.State, UpdatedAt: now}, nil
}

// NamedEntityList returns one page of registered names with their metadata.
func (s *Store) NamedEntityList(ctx context.Context, p store.NamedEntityListParams) (*store.Page[*store.NamedEntity], error) {
	q, err := store.PrepareNamedEntityList(p)
	if err != nil {
		return nil, err
	}
	b := listsql.New(dialect)
	conds := []string{"t.project = " + b.Arg(p.Project), "t.domain = " + b.Arg(p.Domain)}
	kind := b.Arg(int32(p.Kind))
	more, err := b.Conditions(q, namedEntityListColumns)
	if err != nil {
		return nil, err
	}
	order, err := b.OrderLimit(q, namedEntityListColumns)
	if err != nil {
		return nil, err
	}
	// A flat join grouped by name, rather than a DISTINCT subquery, lets the
	// planner walk the name index and stop at the page limit.
	query := `SELECT t.name, COALESCE(m.description, ''), COALESCE(m.state, 0), m.updated_at
FROM ` + sqlshared.EntityTable(p.Kind) + ` AS t
LEFT JOIN named_entity_metadata AS m
  ON m.kind = ` + kind + ` AND m.project = t.project AND m.domain = t.domain AND m.name = t.name` +
		listsql.Where(append(conds, more...)) + `
GROUP BY t.name, m.description, m.state, m.updated_at` + order
	rows, err := s.pool.Query(ctx, query, b.Args()...)
	if err != nil {
		return nil, fmt.Errorf("list %s named entities: %w", p.Kind, err)
	}
	defer rows.Close()
	items, err := decode.NamedEntities(rows, p.Kind, p.Project, p.Domain)
	if err != nil {
		return nil, fmt.Errorf("list %s named entities: %w", p.Kind, err)
	}
	return store.NewPage(q, items, nil), nil
}
