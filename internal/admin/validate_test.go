package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/store"
)

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestCheckNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		check func(field, v string) error
		value string
		want  string
	}{
		{checkName, "core.flyte_basics.hello-world", ""},
		{checkName, "", "f: required"},
		{checkName, "a b", `f: "a b" may only hold letters, digits, "_", "-" and "."`},
		{checkName, "a/b", `f: "a/b" may only hold`},
		{checkName, strings.Repeat("n", 255), ""},
		{checkName, strings.Repeat("n", 256), "longer than 255 characters"},
		{checkVersion, "v1.2.3+build-7_abc", ""},
		{checkVersion, "", "f: required"},
		{checkVersion, "a/b", `f: "a/b" must not contain "/"`},
		{checkVersion, "a\tb", "white space or control characters"},
		{checkVersion, "a\x01b", "white space or control characters"},
		{checkVersion, "\xff", "not valid UTF-8"},
		{checkVersion, strings.Repeat("v", 256), "longer than 255 characters"},
		{checkProjectID, "myflyteproject", ""},
		{checkProjectID, "team-a1", ""},
		{checkProjectID, "", "f: required"},
		{checkProjectID, "-team", "must start and end with a letter or digit"},
		{checkProjectID, "Team", "lowercase letters"},
		{checkProjectID, strings.Repeat("p", 64), "longer than 63 characters"},
	}
	for _, tt := range tests {
		got := errString(tt.check("f", tt.value))
		if tt.want == "" {
			require.Empty(t, got, "value %q", tt.value)
			continue
		}
		require.Contains(t, got, tt.want, "value %q", tt.value)
	}
}

func TestCheckLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		labels map[string]string
		want   []string
	}{
		{map[string]string{"example.com/owner": "a.b-c_d", "empty": ""}, nil},
		{map[string]string{"bad key": "v"}, []string{`l["bad key"]: key must be at most 63`}},
		{map[string]string{"Bad.Prefix/k": "v"}, []string{`l["Bad.Prefix/k"]: key prefix "Bad.Prefix" must be a DNS subdomain`}},
		{map[string]string{"k": "-v"}, []string{`l["k"]: value "-v" must be at most 63`}},
		{map[string]string{"a": "1", "b": "2", "c": "3"}, []string{"l: at most 2 labels are allowed, got 3"}},
	}
	for _, tt := range tests {
		var got []string
		for _, err := range checkLabels("l", tt.labels, 2) {
			got = append(got, err.Error())
		}
		require.Len(t, got, len(tt.want), "labels %v: %v", tt.labels, got)
		for i := range got {
			require.Contains(t, got[i], tt.want[i])
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	require.Equal(t, "short", truncate("short"))
	long := strings.Repeat("é", 100) // two bytes each: the cut must not split one
	got := truncate(long)
	require.True(t, strings.HasSuffix(got, "..."))
	require.Equal(t, strings.Repeat("é", 40)+"...", got)
}

func TestListParams(t *testing.T) {
	t.Parallel()
	asc := adminv1.Sort_DIRECTION_ASCENDING
	tests := []struct {
		name string
		sort *adminv1.Sort
		def  listOrder
		want store.ListParams
	}{
		{"default newest", nil, defaultNewest, store.ListParams{SortBy: "created_at", Desc: true, Limit: 7}},
		{"default by name", nil, defaultByName, store.ListParams{SortBy: "name", Limit: 7}},
		{"key, descending by default", &adminv1.Sort{Key: "name"}, defaultNewest, store.ListParams{SortBy: "name", Desc: true, Limit: 7}},
		{"key ascending", &adminv1.Sort{Key: "version", Direction: asc}, defaultNewest, store.ListParams{SortBy: "version", Limit: 7}},
		{"direction only", &adminv1.Sort{Direction: asc}, defaultNewest, store.ListParams{SortBy: "created_at", Limit: 7}},
	}
	for _, tt := range tests {
		got := listParams(7, "", "", tt.sort, tt.def)
		if d := cmp.Diff(tt.want, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, d)
		}
	}
	require.Equal(t, 1<<31-1, clampLimit(1<<32-1))
}

func TestHideArchived(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", "ne(state,ARCHIVED)"},
		{"  ", "ne(state,ARCHIVED)"},
		{"eq(name,a)", "eq(name,a)+ne(state,ARCHIVED)"},
		{"eq(state,ARCHIVED)", "eq(state,ARCHIVED)"},
		{"eq(name,a)+value_in(state,0;1)", "eq(name,a)+value_in(state,0;1)"},
		{"eq(nope,a)", "eq(nope,a)"},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, hideArchived(tt.in), "input %q", tt.in)
	}
}

func TestToConnectError(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	s := New(nil, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	compileErr := &compiler.CompileError{Problems: []compiler.Problem{
		{Node: "n1", Message: "first"}, {Node: "n2", Var: "x", Message: "second"},
	}}
	tests := []struct {
		name string
		err  error
		code connect.Code
		msg  string
	}{
		{"request error", invalidArgf("id.name: required"), connect.CodeInvalidArgument, "id.name: required"},
		{"wrapped request error", fmt.Errorf("outer: %w", notFoundf(`project "x" not found`)), connect.CodeNotFound, `project "x" not found`},
		{"compile error", fmt.Errorf("workflow w does not compile: %w", compileErr), connect.CodeInvalidArgument,
			"workflow w does not compile: 2 problems: node n1: first; node n2: x: second"},
		{"filter error", fmt.Errorf("list tasks: %w", &store.FilterError{Expr: "eq(a,b)", Problem: "unknown field"}), connect.CodeInvalidArgument,
			`list tasks: filter "eq(a,b)": unknown field`},
		{"token error", &store.TokenError{Problem: "malformed"}, connect.CodeInvalidArgument, "page token: malformed"},
		{"store not found", store.NotFoundf("task %s", "t"), connect.CodeNotFound, "task t: not found"},
		{"store exists", fmt.Errorf("create: %w", store.ErrAlreadyExists), connect.CodeAlreadyExists, "create: already exists"},
		{"cancelled", fmt.Errorf("get: %w", context.Canceled), connect.CodeCanceled, "request cancelled"},
		{"deadline", context.DeadlineExceeded, connect.CodeDeadlineExceeded, "request deadline exceeded"},
		{"internal", errors.New("pq: relation tasks does not exist"), connect.CodeInternal, "internal error; the server log has the details"},
	}
	for _, tt := range tests {
		err := s.toConnectError(t.Context(), "/flyte.admin.v1.AdminService/Test", tt.err)
		var ce *connect.Error
		require.ErrorAs(t, err, &ce, tt.name)
		require.Equal(t, tt.code, ce.Code(), tt.name)
		require.Equal(t, tt.msg, ce.Message(), tt.name)
	}
	require.Contains(t, logs.String(), "pq: relation tasks does not exist", "the cause of an internal error is logged")
	require.Contains(t, logs.String(), "procedure=/flyte.admin.v1.AdminService/Test")
	require.Equal(t, 1, strings.Count(logs.String(), "internal error"), "only internal errors are logged")
}
