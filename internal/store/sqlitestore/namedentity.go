package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
		updatedAt sql.NullInt64
	)
	err := s.reader.QueryRowContext(ctx, `SELECT COALESCE(m.description, ''), COALESCE(m.state, 0), m.updated_at
FROM (SELECT 1 FROM `+sqlshared.EntityTable(p.Kind)+` WHERE project = $1 AND domain = $2 AND name = $3 LIMIT 1) AS e
LEFT JOIN named_entity_metadata AS m ON m.kind = $4 AND m.project = $1 AND m.domain = $2 AND m.name = $3`,
		p.ID.Project, p.ID.Domain, p.ID.Name, int32(p.Kind)).Scan(&ne.Description, &state, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.NotFoundf("%s %s", p.Kind, p.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s metadata %s: %w", p.Kind, p.ID, err)
	}
	ne.State = store.NamedEntityState(state)
	if updatedAt.Valid {
		ne.UpdatedAt = fromDB(updatedAt.Int64)
	}
	return ne, nil
}

// NamedEntityUpsert sets the metadata of a registered name.
func (s *Store) NamedEntityUpsert(ctx context.Context, p store.NamedEntityUpsertParams) (*store.NamedEntity, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+sqlshared.EntityTable(p.Kind)+` WHERE project = $1 AND domain = $2 AND name = $3 LIMIT 1`,
			p.ID.Project, p.ID.Domain, p.ID.Name).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.NotFoundf("%s %s", p.Kind, p.ID)
		}
		if err != nil {
			return fmt.Errorf("update %s metadata %s: %w", p.Kind, p.ID, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO named_entity_metadata
(kind, project, domain, name, description, state, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
ON CONFLICT (kind, project, domain, name)
DO UPDATE SET description = excluded.description, state = excluded.state, updated_at = excluded.updated_at`,
			int32(p.Kind), p.ID.Project, p.ID.Domain, p.ID.Name, p.Description, int32(p.State), now)
		if err != nil {
			return fmt.Errorf("update %s metadata %s: %w", p.Kind, p.ID, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &store.NamedEntity{Kind: p.Kind, ID: p.ID, Description: p.Description, State: p.State, UpdatedAt: fromDB(now)}, nil
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
	// A flat join grouped by name lets SQLite walk the name index and stop at
	// the page limit. The metadata columns are bare in the GROUP BY, which
	// SQLite allows; they are equal on every row of a group, as the join
	// matches at most one metadata row per name.
	query := `SELECT t.name, COALESCE(m.description, ''), COALESCE(m.state, 0), m.updated_at
FROM ` + sqlshared.EntityTable(p.Kind) + ` AS t
LEFT JOIN named_entity_metadata AS m
  ON m.kind = ` + kind + ` AND m.project = t.project AND m.domain = t.domain AND m.name = t.name` +
		listsql.Where(append(conds, more...)) + `
GROUP BY t.name` + order
	rows, err := s.reader.QueryContext(ctx, query, b.Args()...)
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
