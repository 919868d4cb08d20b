package store

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Page sizes accepted by every list.
const (
	DefaultLimit = 100
	MaxLimit     = 10000
	// maxTokenLen bounds the work spent decoding a token from a request.
	maxTokenLen = 2048
)

// ListParams are the common inputs of every list method.
type ListParams struct {
	// Project, Domain and Name scope the list; which are required depends on
	// the method.
	Project string
	Domain  string
	Name    string
	// Filters is a filter string in the grammar of ParseFilters.
	Filters string
	// SortBy is a sortable field of the list; empty means the list's default.
	SortBy string
	// Desc sorts in descending order.
	Desc bool
	// Limit is the page size: 0 means DefaultLimit; at most MaxLimit.
	Limit int
	// Token is the NextToken of the previous page; empty for the first page.
	Token string
}

// ListSpec states what one list accepts and how its rows are ordered.
type ListSpec struct {
	// Fields are the filterable fields with their types.
	Fields map[string]FieldType
	// Sorts are the sortable fields (each also in Fields); the first is the default.
	Sorts []string
	// Key is the unique tie-breaker that completes the order: a hidden row id
	// ("id", of KeyKind) or a sort field that is unique within the scope.
	Key     string
	KeyKind ValueKind
}

// ProjectListSpec is what ProjectList accepts.
var ProjectListSpec = ListSpec{
	Fields: map[string]FieldType{
		"id":          StringField,
		"name":        StringField,
		"description": StringField,
		"state":       EnumField(ProjectStateNames),
		"created_at":  TimeField,
		"updated_at":  TimeField,
	},
	Sorts:   []string{"created_at", "name", "id"},
	Key:     "id",
	KeyKind: ValueString,
}

var entityFields = map[string]FieldType{
	"name":       StringField,
	"version":    StringField,
	"created_at": TimeField,
}

var launchPlanFields = map[string]FieldType{
	"name":             StringField,
	"version":          StringField,
	"created_at":       TimeField,
	"updated_at":       TimeField,
	"state":            EnumField(LaunchPlanStateNames),
	"workflow_name":    StringField,
	"workflow_version": StringField,
}

// EntityListSpec is what EntityList (and LaunchPlanListActive for launch
// plans) accepts for a kind.
func EntityListSpec(k Kind) ListSpec {
	fields := entityFields
	if k == KindLaunchPlan {
		fields = launchPlanFields
	}
	return ListSpec{
		Fields:  fields,
		Sorts:   []string{"created_at", "name", "version"},
		Key:     "id",
		KeyKind: ValueInt,
	}
}

// EntityIDListSpec is what EntityListIDs accepts.
var EntityIDListSpec = ListSpec{
	Fields:  map[string]FieldType{"name": StringField},
	Sorts:   []string{"name"},
	Key:     "name",
	KeyKind: ValueString,
}

// NamedEntityListSpec is what NamedEntityList accepts.
var NamedEntityListSpec = ListSpec{
	Fields: map[string]FieldType{
		"name":        StringField,
		"description": StringField,
		"state":       EnumField(NamedEntityStateNames),
	},
	Sorts:   []string{"name"},
	Key:     "name",
	KeyKind: ValueString,
}

// ListQuery is a validated list request, ready for a driver to turn into SQL.
type ListQuery struct {
	Filters []Filter
	// SortBy is the sort field and SortKind its value kind.
	SortBy   string
	SortKind ValueKind
	Desc     bool
	Limit    int
	// Key is the tie-breaker field of the spec; KeyIsSort when it is SortBy.
	Key     string
	KeyKind ValueKind
	// After is the position of the previous page's last row, nil on the first page.
	After *Cursor

	fingerprint string
}

// Cursor is a position in a sorted list: the sort value and the key of a row.
// Values are typed as in Filter.Values.
type Cursor struct {
	Sort any
	Key  any
}

// KeyIsSort reports whether the sort field is the tie-breaker itself, in
// which case the order has a single column.
func (q *ListQuery) KeyIsSort() bool { return q.SortBy == q.Key }

// PrepareProjectList validates the params of ProjectList.
func PrepareProjectList(p ListParams) (*ListQuery, error) {
	if p.Project != "" || p.Domain != "" || p.Name != "" {
		return nil, &ParamError{Param: "project", Problem: "projects are not listed within a project, domain or name"}
	}
	return prepareList("projects", ProjectListSpec, p)
}

// PrepareEntityList validates the params of EntityList.
func PrepareEntityList(p EntityListParams) (*ListQuery, error) {
	if err := validateKind(p.Kind); err != nil {
		return nil, err
	}
	if err := requireScope(p.ListParams); err != nil {
		return nil, err
	}
	return prepareList("entities/"+p.Kind.String(), EntityListSpec(p.Kind), p.ListParams)
}

// PrepareEntityListIDs validates the params of EntityListIDs.
func PrepareEntityListIDs(p EntityListParams) (*ListQuery, error) {
	if err := validateKind(p.Kind); err != nil {
		return nil, err
	}
	if err := requireScope(p.ListParams); err != nil {
		return nil, err
	}
	if p.Name != "" {
		return nil, &ParamError{Param: "name", Problem: "listing names does not take a name"}
	}
	return prepareList("ids/"+p.Kind.String(), EntityIDListSpec, p.ListParams)
}

// PrepareLaunchPlanListActive validates the params of LaunchPlanListActive.
func PrepareLaunchPlanListActive(p LaunchPlanListActiveParams) (*ListQuery, error) {
	scope := "active"
	if p.ScheduledOnly {
		scope = "active/scheduled"
	}
	return prepareList(scope, EntityListSpec(KindLaunchPlan), p.ListParams)
}

// PrepareNamedEntityList validates the params of NamedEntityList.
func PrepareNamedEntityList(p NamedEntityListParams) (*ListQuery, error) {
	if err := validateKind(p.Kind); err != nil {
		return nil, err
	}
	if err := requireScope(p.ListParams); err != nil {
		return nil, err
	}
	if p.Name != "" {
		return nil, &ParamError{Param: "name", Problem: "listing named entities does not take a name"}
	}
	return prepareList("named/"+p.Kind.String(), NamedEntityListSpec, p.ListParams)
}

func requireScope(p ListParams) error {
	if err := required("project", p.Project); err != nil {
		return err
	}
	return required("domain", p.Domain)
}

func prepareList(scope string, spec ListSpec, p ListParams) (*ListQuery, error) {
	for _, f := range []struct{ param, value string }{{"project", p.Project}, {"domain", p.Domain}, {"name", p.Name}} {
		if err := validText(f.param, f.value); err != nil {
			return nil, err
		}
	}
	q := &ListQuery{Desc: p.Desc, Key: spec.Key, KeyKind: spec.KeyKind}
	switch {
	case p.Limit == 0:
		q.Limit = DefaultLimit
	case p.Limit < 0 || p.Limit > MaxLimit:
		return nil, &ParamError{Param: "limit", Problem: fmt.Sprintf("must be between 1 and %d, got %d", MaxLimit, p.Limit)}
	default:
		q.Limit = p.Limit
	}
	q.SortBy = p.SortBy
	if q.SortBy == "" {
		q.SortBy = spec.Sorts[0]
	}
	if !slices.Contains(spec.Sorts, q.SortBy) {
		return nil, &ParamError{Param: "sort_by", Problem: fmt.Sprintf("cannot sort by %q (sortable fields: %s)", q.SortBy, strings.Join(spec.Sorts, ", "))}
	}
	q.SortKind = spec.Fields[q.SortBy].Kind
	filters, err := ParseFilters(p.Filters, spec.Fields)
	if err != nil {
		return nil, err
	}
	q.Filters = filters
	q.fingerprint = fingerprint(scope, p, filters)
	if p.Token != "" {
		after, err := q.decodeToken(p.Token)
		if err != nil {
			return nil, err
		}
		q.After = after
	}
	return q, nil
}

func fingerprint(scope string, p ListParams, filters []Filter) string {
	h := sha256.New()
	for _, s := range []string{scope, p.Project, p.Domain, p.Name} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, f := range filters {
		h.Write([]byte(f.String()))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// token is the decoded form of a page token.
type token struct {
	Query string `json:"q"`
	Sort  string `json:"s"`
	Desc  bool   `json:"d,omitempty"`
	Value string `json:"v"`
	Key   string `json:"k,omitempty"`
}

// Token returns the page token that continues after a row at position c.
func (q *ListQuery) Token(c Cursor) string {
	t := token{Query: q.fingerprint, Sort: q.SortBy, Desc: q.Desc, Value: formatCursorValue(c.Sort)}
	if !q.KeyIsSort() {
		t.Key = formatCursorValue(c.Key)
	}
	b, err := json.Marshal(t)
	if err != nil {
		// A struct of strings and a bool always marshals.
		panic(fmt.Sprintf("store: marshal page token: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func (q *ListQuery) decodeToken(s string) (*Cursor, error) {
	malformed := &TokenError{Problem: "malformed; pass the next token of a previous page unchanged"}
	if len(s) > maxTokenLen {
		return nil, malformed
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, malformed
	}
	var t token
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, malformed
	}
	if t.Sort != q.SortBy || t.Desc != q.Desc {
		return nil, &TokenError{Problem: fmt.Sprintf("issued for sort by %s %s, but this request sorts by %s %s",
			t.Sort, direction(t.Desc), q.SortBy, direction(q.Desc))}
	}
	if t.Query != q.fingerprint {
		return nil, &TokenError{Problem: "issued for a different query; keep the scope and filters unchanged while paging"}
	}
	sortValue, err := parseCursorValue(t.Value, q.SortKind)
	if err != nil {
		return nil, malformed
	}
	c := &Cursor{Sort: sortValue, Key: sortValue}
	if !q.KeyIsSort() {
		if c.Key, err = parseCursorValue(t.Key, q.KeyKind); err != nil {
			return nil, malformed
		}
	}
	return c, nil
}

func direction(desc bool) string {
	if desc {
		return "descending"
	}
	return "ascending"
}

func formatCursorValue(v any) string {
	switch v := v.(type) {
	case time.Time:
		return Timestamp(v).Format(time.RFC3339Nano)
	case int64:
		return strconv.FormatInt(v, 10)
	case string:
		return v
	default:
		panic(fmt.Sprintf("store: cursor value of unexpected type %T", v))
	}
}

func parseCursorValue(s string, kind ValueKind) (any, error) {
	switch kind {
	case ValueTime:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, err
		}
		return Timestamp(t), nil
	case ValueInt, ValueEnum:
		return strconv.ParseInt(s, 10, 64)
	case ValueString:
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("NUL byte in cursor")
		}
		return s, nil
	default:
		return nil, fmt.Errorf("unknown value kind %d", kind)
	}
}

// NewPage builds the page of a list fetched with LIMIT q.Limit+1: it keeps the
// first q.Limit rows and, when a further row was fetched, sets NextToken to
// continue after the last kept row. key(i) returns the tie-breaker of rows[i]
// when the spec's key is a hidden row id; it may be nil when KeyIsSort.
func NewPage[T any](q *ListQuery, rows []T, key func(i int) any) *Page[T] {
	if len(rows) <= q.Limit {
		return &Page[T]{Items: rows}
	}
	rows = rows[:q.Limit]
	last := len(rows) - 1
	c := Cursor{Sort: SortValue(rows[last], q.SortBy)}
	if q.KeyIsSort() {
		c.Key = c.Sort
	} else {
		c.Key = key(last)
	}
	return &Page[T]{Items: rows, NextToken: q.Token(c)}
}

// SortValue returns the value of a sortable field of a listed record, typed
// as in Filter.Values. It panics on a record or field that no list sorts by.
func SortValue(record any, field string) any {
	switch r := record.(type) {
	case *Project:
		switch field {
		case "id":
			return r.ID
		case "name":
			return r.Name
		case "created_at":
			return r.CreatedAt
		}
	case *Entity:
		switch field {
		case "name":
			return r.ID.Name
		case "version":
			return r.ID.Version
		case "created_at":
			return r.CreatedAt
		}
	case NamedEntityID:
		if field == "name" {
			return r.Name
		}
	case *NamedEntity:
		if field == "name" {
			return r.ID.Name
		}
	case *Execution:
		switch field {
		case "name":
			return r.ID.Name
		case "created_at":
			return r.CreatedAt
		case "updated_at":
			return r.UpdatedAt
		}
	}
	panic(fmt.Sprintf("store: no sort field %q on %T", field, record))
}
