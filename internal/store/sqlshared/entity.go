package sqlshared

import (
	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
)

// entityTables names the table of each entity kind.
var entityTables = map[store.Kind]string{
	store.KindTask:       "tasks",
	store.KindWorkflow:   "workflows",
	store.KindLaunchPlan: "launch_plans",
}

// EntityTable returns the table that holds entities of kind k.
func EntityTable(k store.Kind) string { return entityTables[k] }

const (
	// EntityColumns lists the columns of a task or workflow that
	// Decoder.Entity scans.
	EntityColumns = `id, project, domain, name, version, digest, body, created_at`
	// LaunchPlanColumns lists the columns of a launch plan that
	// Decoder.Entity scans.
	LaunchPlanColumns = EntityColumns + `, workflow_name, workflow_version, schedule, state, updated_at`
)

// EntityColumnsOf returns the columns Decoder.Entity scans for kind k.
func EntityColumnsOf(k store.Kind) string {
	if k == store.KindLaunchPlan {
		return LaunchPlanColumns
	}
	return EntityColumns
}

// entityListColumns maps the filterable and sortable fields of an entity
// list onto columns.
var entityListColumns = listsql.Columns{
	Fields: map[string]string{
		"name":             "name",
		"version":          "version",
		"created_at":       "created_at",
		"updated_at":       "updated_at",
		"state":            "state",
		"workflow_name":    "workflow_name",
		"workflow_version": "workflow_version",
	},
	Key: "id",
}

// Entity scans a row of EntityColumnsOf(k) and returns its row id too.
func (d Decoder[T]) Entity(row Scanner, k store.Kind) (int64, *store.Entity, error) {
	var (
		rowID                int64
		e                    = store.Entity{Kind: k}
		state                int32
		createdAt, updatedAt T
	)
	dest := []any{&rowID, &e.ID.Project, &e.ID.Domain, &e.ID.Name, &e.ID.Version, &e.Digest, &e.Body, &createdAt}
	if k == store.KindLaunchPlan {
		dest = append(dest, &e.WorkflowName, &e.WorkflowVersion, &e.Schedule, &state, &updatedAt)
	}
	if err := row.Scan(dest...); err != nil {
		return 0, nil, err
	}
	e.CreatedAt = d.FromDB(createdAt)
	e.UpdatedAt = e.CreatedAt
	if k == store.KindLaunchPlan {
		e.State = store.LaunchPlanState(state)
		e.UpdatedAt = d.FromDB(updatedAt)
		e.Schedule = NilIfEmpty(e.Schedule)
	}
	e.Body = NonNil(e.Body)
	return rowID, &e, nil
}

// Entities scans every remaining row of EntityColumnsOf(k), returning the
// entities and their row ids in the same order. It does not close rows.
func (d Decoder[T]) Entities(rows Rows, k store.Kind) ([]*store.Entity, []int64, error) {
	var (
		items []*store.Entity
		ids   []int64
	)
	for rows.Next() {
		id, e, err := d.Entity(rows, k)
		if err != nil {
			return nil, nil, err
		}
		items = append(items, e)
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	return items, ids, nil
}

// NilIfEmpty maps an empty slice to nil, which is stored as NULL.
func NilIfEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// EntityScope returns the conditions that limit an entity list to a
// project and domain and, when name is set, to one name.
func EntityScope(b *listsql.Builder, project, domain, name string) []string {
	conds := []string{"project = " + b.Arg(project), "domain = " + b.Arg(domain)}
	if name != "" {
		conds = append(conds, "name = "+b.Arg(name))
	}
	return conds
}

// EntityListQuery returns the SELECT of EntityColumnsOf(k) for one page of
// a list: conds scope it, q adds the filters, keyset, order and limit. Its
// arguments are b.Args().
func EntityListQuery(b *listsql.Builder, k store.Kind, q *store.ListQuery, conds []string) (string, error) {
	more, err := b.Conditions(q, entityListColumns)
	if err != nil {
		return "", err
	}
	order, err := b.OrderLimit(q, entityListColumns)
	if err != nil {
		return "", err
	}
	return `SELECT ` + EntityColumnsOf(k) + ` FROM ` + EntityTable(k) + listsql.Where(append(conds, more...)) + order, nil
}

// NewEntityPage builds a page of an entity list from its rows and their
// row ids.
func NewEntityPage(q *store.ListQuery, items []*store.Entity, ids []int64) *store.Page[*store.Entity] {
	return store.NewPage(q, items, func(i int) any { return ids[i] })
}

// EntityNamesQuery returns the SELECT of the distinct names of one page of
// store.EntityListIDs, and its arguments bound for dialect d.
func EntityNamesQuery(d listsql.Dialect, p store.EntityListParams, q *store.ListQuery) (string, []any, error) {
	cols := listsql.Columns{Fields: map[string]string{"name": "name"}, Key: "name"}
	b := listsql.New(d)
	conds := []string{"project = " + b.Arg(p.Project), "domain = " + b.Arg(p.Domain)}
	more, err := b.Conditions(q, cols)
	if err != nil {
		return "", nil, err
	}
	order, err := b.OrderLimit(q, cols)
	if err != nil {
		return "", nil, err
	}
	return `SELECT DISTINCT name FROM ` + EntityTable(p.Kind) + listsql.Where(append(conds, more...)) + order, b.Args(), nil
}

// EntityNames scans every remaining row of EntityNamesQuery as ids in
// project and domain. It does not close rows.
func EntityNames(rows Rows, project, domain string) ([]store.NamedEntityID, error) {
	return Collect(rows, func(row Scanner) (store.NamedEntityID, error) {
		id := store.NamedEntityID{Project: project, Domain: domain}
		return id, row.Scan(&id.Name)
	})
}

// ActiveLaunchPlanScope returns the conditions of a list of active launch
// plans. "state = 1" is written literally so partial indexes on active rows
// apply.
func ActiveLaunchPlanScope(b *listsql.Builder, p store.LaunchPlanListActiveParams) []string {
	conds := []string{"state = 1"}
	for _, c := range []struct{ col, value string }{{"project", p.Project}, {"domain", p.Domain}, {"name", p.Name}} {
		if c.value != "" {
			conds = append(conds, c.col+" = "+b.Arg(c.value))
		}
	}
	if p.ScheduledOnly {
		conds = append(conds, "schedule IS NOT NULL")
	}
	return conds
}

// NamedEntities scans every remaining row of a named entity list (name,
// description, state, NULL-able updated_at) as names of kind k in project
// and domain. It does not close rows.
func (d Decoder[T]) NamedEntities(rows Rows, k store.Kind, project, domain string) ([]*store.NamedEntity, error) {
	return Collect(rows, func(row Scanner) (*store.NamedEntity, error) {
		ne := &store.NamedEntity{Kind: k, ID: store.NamedEntityID{Project: project, Domain: domain}}
		var (
			state     int32
			updatedAt *T
		)
		if err := row.Scan(&ne.ID.Name, &ne.Description, &state, &updatedAt); err != nil {
			return nil, err
		}
		ne.State = store.NamedEntityState(state)
		if updatedAt != nil {
			ne.UpdatedAt = d.FromDB(*updatedAt)
		}
		return ne, nil
	})
}
