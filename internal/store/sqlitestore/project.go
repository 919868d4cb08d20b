package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

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
	res, err := s.writer.ExecContext(ctx, `INSERT INTO projects (`+projectColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $6)
ON CONFLICT (id) DO NOTHING`, p.ID, p.Name, p.Description, labels, int32(p.State), now)
	if err != nil {
		return nil, fmt.Errorf("create project %s: %w", p.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("create project %s: %w", p.ID, err)
	} else if n == 0 {
		return nil, fmt.Errorf("project %s: %w", p.ID, store.ErrAlreadyExists)
	}
	return &store.Project{
		ID: p.ID, Name: p.Name, Description: p.Description, Labels: cloneLabels(p.Labels),
		State: p.State, CreatedAt: fromDB(now), UpdatedAt: fromDB(now),
	}, nil
}

// ProjectGet returns one project.
func (s *Store) ProjectGet(ctx context.Context, p store.ProjectGetParams) (*store.Project, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	row := s.reader.QueryRowContext(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = $1`, p.ID)
	proj, err := scanProject(row)
	if errors.Is(err, sql.ErrNoRows) {
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
	var createdAt int64
	err = s.writer.QueryRowContext(ctx, `UPDATE projects
SET name = $2, description = $3, labels = $4, state = $5, updated_at = $6
WHERE id = $1
RETURNING created_at`, p.ID, p.Name, p.Description, labels, int32(p.State), now).Scan(&createdAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.NotFoundf("project %s", p.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("update project %s: %w", p.ID, err)
	}
	return &store.Project{
		ID: p.ID, Name: p.Name, Description: p.Description, Labels: cloneLabels(p.Labels),
		State: p.State, CreatedAt: fromDB(createdAt), UpdatedAt: fromDB(now),
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
	rows, err := s.reader.QueryContext(ctx, `SELECT `+projectColumns+` FROM projects`+listsql.Where(conds)+order, b.Args()...)
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	defer rows.Close()
	var items []*store.Project
	for rows.Next() {
		proj, err := scanProject(rows)
		if err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		items = append(items, proj)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	return store.NewPage(q, items, func(i int) any { return items[i].ID }), nil
}

type scanner interface {
	Scan(dest ...any) error
}

func scanProject(row scanner) (*store.Project, error) {
	var (
		p                    store.Project
		labels               string
		state                int32
		createdAt, updatedAt int64
	)
	if err := row.Scan(&p.ID, &p.Name, &p.Description, &labels, &state, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(labels), &p.Labels); err != nil {
		return nil, fmt.Errorf("decode labels of project %s: %w", p.ID, err)
	}
	if len(p.Labels) == 0 {
		p.Labels = nil
	}
	p.State = store.ProjectState(state)
	p.CreatedAt, p.UpdatedAt = fromDB(createdAt), fromDB(updatedAt)
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
