package store

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func TestExecutionEnumNamesMatchIDL(t *testing.T) {
	t.Parallel()
	require.Len(t, ExecutionPhaseNames, len(corev1.WorkflowExecution_Phase_value))
	for name, n := range ExecutionPhaseNames {
		require.Equal(t, corev1.WorkflowExecution_Phase_value["PHASE_"+name], n, name)
		require.Equal(t, ExecutionTerminal(ExecutionPhase(n)),
			name == "SUCCEEDED" || name == "FAILED" || name == "ABORTED" || name == "TIMED_OUT", name)
	}
	require.Len(t, ExecutionModeNames, len(adminv1.ExecutionMetadata_ExecutionMode_value))
	for name, n := range ExecutionModeNames {
		require.Equal(t, adminv1.ExecutionMetadata_ExecutionMode_value["EXECUTION_MODE_"+name], n, name)
	}
}

func TestRoundCommitValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	valid := func() ExecutionRoundCommitParams {
		return ExecutionRoundCommitParams{
			RowID: 3, Owner: "w", Now: now,
			Nodes:  []*NodeExecution{{ExecutionRowID: 3, NodeID: "n0"}},
			Tasks:  []*TaskExecution{{ExecutionRowID: 3, NodeID: "n0"}},
			Events: []*Event{{ExecutionRowID: 3, Kind: EventKindNode, NodeID: "n0"}},
		}
	}
	p := valid()
	require.NoError(t, p.Validate())
	for _, tt := range []struct {
		param  string
		mutate func(p *ExecutionRoundCommitParams)
	}{
		{"row_id", func(p *ExecutionRoundCommitParams) { p.RowID = 0 }},
		{"owner", func(p *ExecutionRoundCommitParams) { p.Owner = "" }},
		{"expected_version", func(p *ExecutionRoundCommitParams) { p.ExpectedVersion = -1 }},
		{"nodes[0]", func(p *ExecutionRoundCommitParams) { p.Nodes[0] = nil }},
		{"nodes[0].execution_row_id", func(p *ExecutionRoundCommitParams) { p.Nodes[0].ExecutionRowID = 4 }},
		{"nodes[0].node_id", func(p *ExecutionRoundCommitParams) { p.Nodes[0].NodeID = "" }},
		{"nodes[1].node_id", func(p *ExecutionRoundCommitParams) {
			p.Nodes = append(p.Nodes, &NodeExecution{ExecutionRowID: 3, NodeID: "n0"})
		}},
		{"tasks[0].retry_attempt", func(p *ExecutionRoundCommitParams) { p.Tasks[0].RetryAttempt = -1 }},
		{"tasks[1]", func(p *ExecutionRoundCommitParams) {
			p.Tasks = append(p.Tasks, &TaskExecution{ExecutionRowID: 3, NodeID: "n0"})
		}},
		{"events[0].kind", func(p *ExecutionRoundCommitParams) { p.Events[0].Kind = 9 }},
		{"events[0].execution_row_id", func(p *ExecutionRoundCommitParams) { p.Events[0].ExecutionRowID = 1 }},
		{"now", func(p *ExecutionRoundCommitParams) { p.Now = time.Time{} }},
	} {
		p := valid()
		tt.mutate(&p)
		err := p.Validate()
		require.ErrorIs(t, err, ErrInvalidArgument, tt.param)
		require.True(t, strings.HasPrefix(err.Error(), tt.param+":"), "%s: got %v", tt.param, err)
	}
}

func TestPrepareExecutionListDefaults(t *testing.T) {
	t.Parallel()
	q, err := PrepareExecutionList(ListParams{Project: "p", Domain: "d"})
	require.NoError(t, err)
	require.Equal(t, "created_at", q.SortBy)
	require.True(t, q.Desc, "newest first by default")
	require.False(t, ExecutionListShowsArchived(q))
	q, err = PrepareExecutionList(ListParams{Project: "p", Domain: "d", SortBy: "created_at", Filters: "eq(state,ARCHIVED)"})
	require.NoError(t, err)
	require.False(t, q.Desc)
	require.True(t, ExecutionListShowsArchived(q))
}

func FuzzPrepareNodeExecutionList(f *testing.F) {
	f.Add("", 0)
	f.Add(NewNodeExecutionPage(&NodeExecutionListQuery{Limit: 1}, []*NodeExecution{{NodeID: "a"}, {NodeID: "b"}}).NextToken, 5)
	f.Add("bm9kZTo", 1)
	f.Fuzz(func(t *testing.T, token string, limit int) {
		q, err := PrepareNodeExecutionList(NodeExecutionListParams{ExecutionRowID: 1, Token: token, Limit: limit})
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidArgument)
			return
		}
		require.Positive(t, q.Limit)
		if token != "" {
			require.NotEmpty(t, q.After)
		}
	})
}
