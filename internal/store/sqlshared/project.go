package sqlshared

import (
	"encoding/json"
	"fmt"
	"maps"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
)

// ProjectColumns lists the projects columns that Decoder.Project scans.
const ProjectColumns = `id, name, description, labels, state, created_at, updated_at`

// projectListColumns maps the filterable and sortable fields of a project
// list onto columns.
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

// ProjectListQuery returns the SELECT of ProjectColumns for one page of a
// project list prepared by store.PrepareProjectList, and its arguments
// bound for dialect d.
func ProjectListQuery(d listsql.Dialect, q *store.ListQuery) (string, []any, error) {
	b := listsql.New(d)
	conds, err := b.Conditions(q, projectListColumns)
	if err != nil {
		return "", nil, err
	}
	order, err := b.OrderLimit(q, projectListColumns)
	if err != nil {
		return "", nil, err
	}
	return `SELECT ` + ProjectColumns + ` FROM projects` + listsql.Where(conds) + order, b.Args(), nil
}

// NewProjectPage builds a page of a project list from its rows.
func NewProjectPage(q *store.ListQuery, items []*store.Project) *store.Page[*store.Project] {
	return store.NewPage(q, items, func(i int) any { return items[i].ID })
}

// Project scans a row of ProjectColumns; labels are stored as a JSON object.
func (d Decoder[T]) Project(row Scanner) (*store.Project, error) {
	var (
		p                    store.Project
		labels               []byte
		state                int32
		createdAt, updatedAt T
	)
	if err := row.Scan(&p.ID, &p.Name, &p.Description, &labels, &state, &createdAt, &updatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(labels, &p.Labels); err != nil {
		return nil, fmt.Errorf("decode labels of project %s: %w", p.ID, err)
	}
	if len(p.Labels) == 0 {
		p.Labels = nil
	}
	p.State = store.ProjectState(state)
	p.CreatedAt, p.UpdatedAt = d.FromDB(createdAt), d.FromDB(updatedAt)
	return &p, nil
}

// EncodeLabels returns labels as the JSON object stored for them.
func EncodeLabels(labels map[string]string) (string, error) {
	if len(labels) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(labels)
	if err != nil {
		return "", fmt.Errorf("encode labels: %w", err)
	}
	return string(b), nil
}

// CloneLabels copies labels so a returned project does not alias the
// caller's map; empty maps become nil, as they read back.
func CloneLabels(labels map[string]string) map[string]string {
	if len(labels) == 0 {
		return nil
	}
	return maps.Clone(labels)
}
