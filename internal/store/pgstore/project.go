package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

// ProjectCreate inserts a project.
func (s *Store) ProjectCreate(ctx context.Context, p store.ProjectCreateParams) (*store.Project, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	labels, err := sqlshared.EncodeLabels(p.Labels)
	if err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	tag, err := s.pool.Exec(ctx, `INSERT INTO projects (`+sqlshared.ProjectColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $6)
ON CONFLICT (id) DO NOTHING`, p.ID, p.Name, p.Description, labels, int32(p.State), now)
	if err != nil {
		return nil, fmt.Errorf("create project %s: %w", p.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, fmt.Errorf("project %s: %w", p.ID, store.ErrAlreadyExists)
	}
	return &store.Project{
		ID: p.ID, Name: p.Name, Description: p.Description, Labels: sqlshared.CloneLabels(p.Labels),
		State: p.State, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// ProjectGet returns one project.
func (s *Store) ProjectGet(ctx context.Context, p store.ProjectGetParams) (*store.Project, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	proj, err := decode.Project(s.pool.QueryRow(ctx, `SELECT `+sqlshared.ProjectColumns+` FROM projects WHERE id = $1`, p.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.NotFoundf("project %s", p.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("get project %s: %w", p.ID, err)
	}
	return proj, nil
}

// ProjectUpdate replaces the mutable fields of a project.
func (s *Store) ProjectUpdate(ctx context.Context, p store.ProjectUpdateParams) (*store.Project, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	labels, err := sqlshared.EncodeLabels(p.Labels)
	if err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	var createdAt time.Time
	err = s.pool.QueryRow(ctx, `UPDATE projects
SET name = $2, description = $3, labels = $4, state = $5, updated_at = $6
WHERE id = $1
RETURNING created_at`, p.ID, p.Name, p.Description, labels, int32(p.State), now).Scan(&createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.NotFoundf("project %s", p.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("update project %s: %w", p.ID, err)
	}
	return &store.Project{
		ID: p.ID, Name: p.Name, Description: p.Description, Labels: sqlshared.CloneLabels(p.Labels),
		State: p.State, CreatedAt: fromDB(createdAt), UpdatedAt: now,
	}, nil
}

// ProjectList returns one page of projects.
func (s *Store) ProjectList(ctx context.Context, p store.ListParams) (*store.Page[*store.Project], error) {
	q, err := store.PrepareProjectList(p)
	if err != nil {
		return nil, err
	}
	query, args, err := sqlshared.ProjectListQuery(dialect, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	items, err := sqlshared.Collect(rows, decode.Project)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return sqlshared.NewProjectPage(q, items), nil
}
