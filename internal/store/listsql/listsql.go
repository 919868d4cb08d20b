// Package listsql assembles the dynamic parts of list queries (filter
// conditions, the keyset position, ORDER BY and LIMIT) for the SQL drivers.
// Values are always bound as numbered $n parameters, which both PostgreSQL
// and SQLite accept, and never written into the SQL text.
package listsql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/flyte-go/flyte/internal/store"
)

// Dialect holds what differs between engines in list queries.
type Dialect struct {
	// Value converts a filter or cursor value (string, int64 or UTC
	// time.Time) into the argument the driver binds.
	Value func(v any) any
	// Contains returns a condition that is true when column contains the
	// text bound to placeholder, case-sensitively.
	Contains func(column, placeholder string) string
}

// Columns maps a list's fields onto SQL expressions.
type Columns struct {
	// Fields maps every filterable and sortable field to its SQL expression.
	Fields map[string]string
	// Key is the SQL expression of the tie-breaker (the spec's Key).
	Key string
}

// Builder accumulates the arguments of one query.
type Builder struct {
	dialect Dialect
	args    []any
}

// New returns a builder with no arguments bound.
func New(d Dialect) *Builder {
	return &Builder{dialect: d}
}

// Arg binds v unchanged and returns its placeholder.
func (b *Builder) Arg(v any) string {
	b.args = append(b.args, v)
	return "$" + strconv.Itoa(len(b.args))
}

// Value binds a filter-typed value (converted by the dialect) and returns its placeholder.
func (b *Builder) Value(v any) string {
	return b.Arg(b.dialect.Value(v))
}

// Args returns the arguments bound so far, in placeholder order.
func (b *Builder) Args() []any {
	return b.args
}

// Conditions renders the filters and the keyset position of q as SQL
// conditions, to be joined with AND.
func (b *Builder) Conditions(q *store.ListQuery, cols Columns) ([]string, error) {
	var conds []string
	for _, f := range q.Filters {
		col, ok := cols.Fields[f.Field]
		if !ok {
			return nil, fmt.Errorf("listsql: no column for filter field %q", f.Field)
		}
		cond, err := b.filter(col, f)
		if err != nil {
			return nil, err
		}
		conds = append(conds, cond)
	}
	if q.After != nil {
		sortCol, ok := cols.Fields[q.SortBy]
		if !ok {
			return nil, fmt.Errorf("listsql: no column for sort field %q", q.SortBy)
		}
		cmp := ">"
		if q.Desc {
			cmp = "<"
		}
		if q.KeyIsSort() {
			conds = append(conds, sortCol+" "+cmp+" "+b.Value(q.After.Sort))
		} else {
			conds = append(conds, "("+sortCol+", "+cols.Key+") "+cmp+" ("+b.Value(q.After.Sort)+", "+b.Value(q.After.Key)+")")
		}
	}
	return conds, nil
}

var comparisons = map[store.Op]string{
	store.OpEq:  "=",
	store.OpNe:  "<>",
	store.OpGt:  ">",
	store.OpGte: ">=",
	store.OpLt:  "<",
	store.OpLte: "<=",
}

func (b *Builder) filter(col string, f store.Filter) (string, error) {
	switch f.Op {
	case store.OpEq, store.OpNe, store.OpGt, store.OpGte, store.OpLt, store.OpLte:
		return col + " " + comparisons[f.Op] + " " + b.Value(f.Values[0]), nil
	case store.OpContains:
		return b.dialect.Contains(col, b.Value(f.Values[0])), nil
	case store.OpIn, store.OpNotIn:
		phs := make([]string, len(f.Values))
		for i, v := range f.Values {
			phs[i] = b.Value(v)
		}
		op := " IN ("
		if f.Op == store.OpNotIn {
			op = " NOT IN ("
		}
		return col + op + strings.Join(phs, ", ") + ")", nil
	default:
		return "", fmt.Errorf("listsql: unsupported filter function %q", f.Op)
	}
}

// OrderLimit renders the ORDER BY and LIMIT clauses of q. It asks for one row
// more than the page size so the driver knows whether a next page exists
// (see store.NewPage).
func (b *Builder) OrderLimit(q *store.ListQuery, cols Columns) (string, error) {
	sortCol, ok := cols.Fields[q.SortBy]
	if !ok {
		return "", fmt.Errorf("listsql: no column for sort field %q", q.SortBy)
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	order := " ORDER BY " + sortCol + dir
	if !q.KeyIsSort() {
		order += ", " + cols.Key + dir
	}
	return order + " LIMIT " + strconv.Itoa(q.Limit+1), nil
}

// Where joins conditions into a WHERE clause; empty when there are none.
func Where(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}
