package store

import (
	"encoding/base64"
	"strings"
	"time"
)

// ExecutionPhaseNames maps the filterable names of execution phases to the
// numbers of corev1.WorkflowExecution_Phase (without the PHASE_ prefix).
var ExecutionPhaseNames = map[string]int32{
	"UNDEFINED":  0,
	"QUEUED":     1,
	"RUNNING":    2,
	"SUCCEEDING": 3,
	"SUCCEEDED":  4,
	"FAILING":    5,
	"FAILED":     6,
	"ABORTED":    7,
	"TIMED_OUT":  8,
	"ABORTING":   9,
}

// ExecutionModeNames maps the filterable names of execution modes to the
// numbers of adminv1.ExecutionMetadata_ExecutionMode (without the prefix).
var ExecutionModeNames = map[string]int32{
	"MANUAL":         0,
	"SCHEDULED":      1,
	"SYSTEM":         2,
	"RELAUNCH":       3,
	"CHILD_WORKFLOW": 4,
	"RECOVERED":      5,
}

// ExecutionStateNames maps the filterable names of execution states to their numbers.
var ExecutionStateNames = map[string]int32{
	"ACTIVE":   int32(ExecutionStateActive),
	"ARCHIVED": int32(ExecutionStateArchived),
}

// ExecutionListSpec is what ExecutionList accepts. Without a sort_by the
// list is ordered by created_at, newest first; without a filter on state it
// shows only active (not archived) executions.
var ExecutionListSpec = ListSpec{
	Fields: map[string]FieldType{
		"name":             StringField,
		"phase":            EnumField(ExecutionPhaseNames),
		"workflow.name":    StringField,
		"launch_plan.name": StringField,
		"mode":             EnumField(ExecutionModeNames),
		"state":            EnumField(ExecutionStateNames),
		"created_at":       TimeField,
		"updated_at":       TimeField,
	},
	Sorts:   []string{"created_at", "updated_at", "name"},
	Key:     "id",
	KeyKind: ValueInt,
}

// PrepareExecutionList validates the params of ExecutionList. Project and
// Domain are required and Name must be empty. An empty SortBy means
// created_at descending, whatever Desc says.
func PrepareExecutionList(p ListParams) (*ListQuery, error) {
	if err := requireScope(p); err != nil {
		return nil, err
	}
	if p.Name != "" {
		return nil, &ParamError{Param: "name", Problem: "executions are listed by project and domain, not by name (filter on name instead)"}
	}
	if p.SortBy == "" {
		p.SortBy, p.Desc = "created_at", true
	}
	return prepareList("executions", ExecutionListSpec, p)
}

// ExecutionListShowsArchived reports whether a prepared execution list
// filters on state itself; otherwise drivers keep only active executions.
func ExecutionListShowsArchived(q *ListQuery) bool {
	for _, f := range q.Filters {
		if f.Field == "state" {
			return true
		}
	}
	return false
}

// NodeExecutionListQuery is a validated NodeExecutionList request.
type NodeExecutionListQuery struct {
	// Limit is the page size; drivers fetch Limit+1 rows.
	Limit int
	// After is the NodeID of the previous page's last row ("" on the first page).
	After string
}

// nodeTokenPrefix marks node-list tokens so a token of another list is refused.
const nodeTokenPrefix = "node:"

// PrepareNodeExecutionList validates the params of NodeExecutionList.
func PrepareNodeExecutionList(p NodeExecutionListParams) (*NodeExecutionListQuery, error) {
	if err := requiredRowID("execution_row_id", p.ExecutionRowID); err != nil {
		return nil, err
	}
	if err := validText("parent_node_id", p.ParentNodeID); err != nil {
		return nil, err
	}
	if p.TopLevel && p.ParentNodeID != "" {
		return nil, &ParamError{Param: "top_level", Problem: "cannot be combined with parent_node_id"}
	}
	q := &NodeExecutionListQuery{}
	switch {
	case p.Limit == 0:
		q.Limit = DefaultLimit
	case p.Limit < 0 || p.Limit > MaxLimit:
		return nil, &ParamError{Param: "limit", Problem: "must be between 1 and " + itoa(MaxLimit) + ", got " + itoa(int64(p.Limit))}
	default:
		q.Limit = p.Limit
	}
	if p.Token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(p.Token)
		after, ok := strings.CutPrefix(string(raw), nodeTokenPrefix)
		if err != nil || len(p.Token) > maxTokenLen || !ok || after == "" || strings.IndexByte(after, 0) >= 0 {
			return nil, &TokenError{Problem: "malformed; pass the next token of a previous page unchanged"}
		}
		q.After = after
	}
	return q, nil
}

// NewNodeExecutionPage builds a page from up to q.Limit+1 rows ordered by NodeID.
func NewNodeExecutionPage(q *NodeExecutionListQuery, rows []*NodeExecution) *Page[*NodeExecution] {
	if len(rows) <= q.Limit {
		return &Page[*NodeExecution]{Items: rows}
	}
	rows = rows[:q.Limit]
	tok := base64.RawURLEncoding.EncodeToString([]byte(nodeTokenPrefix + rows[len(rows)-1].NodeID))
	return &Page[*NodeExecution]{Items: rows, NextToken: tok}
}

// LeaseUntil returns when a lease taken at now for d ends.
func LeaseUntil(now time.Time, d time.Duration) time.Time {
	return Timestamp(now.Add(d))
}
