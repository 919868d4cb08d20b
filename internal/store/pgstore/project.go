package pgstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
)

const projectColumns = `id, name, description, labels, state, created_at, updated_at`

var projectListColumns = listsql.Columns{
	Fields: map[string]string{
		"id":          "id",
		"name":        "name",
		"description": "description",
		"state":       "state",
		"created_at":  "created_at",
		"updated_at":  "updated_at",
	},
	Key: "id",
}

// ProjectCreate inserts a project.
func (s *Store) ProjectCreate(ctx context.Context, p store.ProjectCreateParams) (*store.Project, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	labels, err := encodeLabels(p.Labels)
	if err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	tag, err := s.pool.Exec(ctx, `INSERT INTO projects (`+projectColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $6)
ON CONFLICT (id) DO NOTHING`, p.ID, p.Name, p.Description, labels, int32(p.State), now)
	if err != nil {
		return nil, fmt.Errorf("create project %s: %w", p.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, fmt.Errorf("project %s: %w", p.ID, store.ErrAlreadyExists)
	}
	return &store.Project{
		ID: p.ID, Name: p.Name, Description: p.Description, Labels: cloneLabels(p.Labels),
		State: p.State, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// ProjectGet returns one project.
func (s *Store) ProjectGet(ctx context.Context, p store.ProjectGetParams) (*store.Project, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	proj, err := scanProject(s.pool.QueryRow(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = $1`, p.ID))
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
	labels, err := encodeLabels(p.Labels)
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
		ID: p.ID, Name: p.Name, Description: p.Description, Labels: cloneLabels(p.Labels),
		State: p.State, CreatedAt: fromDB(createdAt), UpdatedAt: now,
	}, nil
}

// ProjectList returns one page of projects.
func (s *Store) ProjectList(ctx context.Context, p store.ListParams) (*store.Page[*store.Project], error) {
	q, err := store.PrepareProjectList(p)
	if err != nil {
		return nil, err
	}
	b := listsql.New(dialect)
	conds, err := b.Conditions(q, projectListColumns)
	if err != nil {
		return nil, err
	}
	order, err := b.OrderLimit(q, projectListColumns)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+projectColumns+` FROM projects`+listsql.Where(conds)+order, b.Args()...)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*store.Project, error) { return scanProject(row) })
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return store.NewPage(q, items, func(i int) any { return items[i].ID }), nil
}

func scanProject(row pgx.Row) (*store.Project, error) {
	var (
		p      store.Project
		labels []byte
		state  int32
	)
	if err := row.Scan(&p.ID, &p.Name, &p.Description, &labels, &state, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(labels, &p.Labels); err != nil {
		return nil, fmt.Errorf("decode labels of project %s: %w", p.ID, err)
	}
	if len(p.Labels) == 0 {
		p.Labels = nil
	}
	p.State = store.ProjectState(state)
	p.CreatedAt, p.UpdatedAt = fromDB(p.CreatedAt), fromDB(p.UpdatedAt)
	return &p, nil
}

func encodeLabels(labels map[string]string) (string, error) {
	if len(labels) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(labels)
	if err != nil {
		return "", fmt.Errorf("encode labels: %w", err)
	}
	return string(b), nil
}

// cloneLabels copies labels so the returned project does not alias the
// caller's map; empty maps become nil, as they read back.
func cloneLabels(labels map[string]string) map[string]string {
	if len(labels) == 0 {
		return nil
	}
	return maps.Clone(labels)
}
