package cli

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/cachekey"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/store"
)

// cacheEnv is a real admin with the data catalog mounted on the same
// server, a task "add" (a: int, b: int, note: str -> sum: int) whose cache
// ignores note, and a catalog clock the test sets.
type cacheEnv struct {
	t       *testing.T
	host    string
	catalog *datacatalog.Service
	iface   *corev1.TypedInterface

	mu  sync.Mutex
	now time.Time
}

func newCacheEnv(t *testing.T, driver string) *cacheEnv {
	t.Helper()
	ce := &cacheEnv{t: t, now: time.Now()}
	env := admintest.New(t, driver, admintest.WithService(func(st store.Store, opts ...connect.HandlerOption) (string, http.Handler) {
		ce.catalog = datacatalog.New(st.(store.CatalogStore), datacatalog.Options{Clock: ce.clock})
		return ce.catalog.Handler(opts...)
	}))
	ce.host = strings.TrimPrefix(env.URL, "http://")
	ctx := t.Context()
	_, err := env.Client.RegisterProject(ctx, connect.NewRequest(&adminv1.ProjectRegisterRequest{Project: &adminv1.Project{Id: rProject, Name: "Proj"}}))
	require.NoError(t, err)
	intT := &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_INTEGER}}
	strT := &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_STRING}}
	ce.iface = &corev1.TypedInterface{
		Inputs:  &corev1.VariableMap{Variables: map[string]*corev1.Variable{"a": {Type: intT}, "b": {Type: intT}, "note": {Type: strT}}},
		Outputs: &corev1.VariableMap{Variables: map[string]*corev1.Variable{"sum": {Type: intT}}},
	}
	id := &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: rProject, Domain: rDomain, Name: "add", Version: "v1"}
	_, err = env.Client.CreateTask(ctx, connect.NewRequest(&adminv1.TaskCreateRequest{Id: id, Spec: &adminv1.TaskSpec{Template: &corev1.TaskTemplate{
		Id: id, Type: "echo", Interface: ce.iface,
		Metadata: &corev1.TaskMetadata{Discoverable: true, DiscoveryVersion: "1", CacheIgnoreInputVars: []string{"note"}},
		Target:   &corev1.TaskTemplate_Container{Container: &corev1.Container{Image: "none", Command: []string{"true"}}},
	}}}))
	require.NoError(t, err)
	return ce
}

func (ce *cacheEnv) clock() time.Time {
	ce.mu.Lock()
	defer ce.mu.Unlock()
	return ce.now
}

// setClock sets the catalog's time to d from now.
func (ce *cacheEnv) setClock(d time.Duration) {
	ce.mu.Lock()
	defer ce.mu.Unlock()
	ce.now = time.Now().Add(d)
}

// put caches sum for inputs a and b under cache version v, as the engine
// does: dataset and tag from package cachekey, producer in the metadata.
// It returns the tag.
func (ce *cacheEnv) put(v string, a, b int64, execution string) string {
	ce.t.Helper()
	ctx := ce.t.Context()
	ds := cachekey.DatasetID(rProject, rDomain, "add", v, ce.iface)
	_, err := ce.catalog.CreateDataset(ctx, connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: ds}}))
	if connect.CodeOf(err) != connect.CodeAlreadyExists {
		require.NoError(ce.t, err)
	}
	inputs := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"a": intLit(a), "b": intLit(b), "note": strLit(execution)}}
	tag := cachekey.Tag(inputs, []string{"note"})
	_, err = ce.catalog.CreateArtifact(ctx, connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: &datacatalogv1.Artifact{
		Id: execution + "-" + v, Dataset: ds,
		Data:     []*datacatalogv1.ArtifactData{{Name: "sum", Value: intLit(a + b)}},
		Metadata: &datacatalogv1.Metadata{KeyMap: map[string]string{"execution": rProject + "/" + rDomain + "/" + execution, "node_id": "n0", "retry_attempt": "0", "task_version": "v1"}},
		Tags:     []*datacatalogv1.Tag{{Name: tag}},
	}}))
	require.NoError(ce.t, err)
	return tag
}

// cli runs flyte-cli against the server in the test project and domain.
func (ce *cacheEnv) cli(args ...string) result {
	ce.t.Helper()
	var out, errOut bytes.Buffer
	env := environment{
		Getenv:   func(string) string { return "" },
		HomeDir:  func() (string, error) { return ce.t.TempDir(), nil },
		ReadFile: func(string) ([]byte, error) { return nil, nil },
	}
	all := append([]string{"-h", ce.host, "-p", rProject, "-d", rDomain}, args...)
	code := run(ce.t.Context(), all, &out, &errOut, env)
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

// ok runs the CLI and requires success without warnings.
func (ce *cacheEnv) ok(args ...string) string {
	ce.t.Helper()
	r := ce.cli(args...)
	require.Equal(ce.t, ExitOK, r.code, "stderr: %s", r.stderr)
	require.Empty(ce.t, r.stderr)
	return r.stdout
}

func intLit(v int64) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: v}}}}}}
}

func strLit(v string) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: v}}}}}}
}

// rows returns the cells of a table's rows, header left out.
func rows(out string) [][]string {
	var got [][]string
	for i, line := range lines(out) {
		if i > 0 {
			got = append(got, cells(line))
		}
	}
	return got
}

// cells splits a table line on runs of two or more spaces.
func cells(line string) []string {
	var out []string
	for _, c := range strings.Split(line, "  ") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

func TestGetCache(t *testing.T) {
	t.Parallel()
	for _, driver := range admintest.Drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			ce := newCacheEnv(t, driver)
			ce.setClock(-72 * time.Hour)
			k12 := ce.put("1", 1, 2, "x1")
			ce.setClock(-3 * time.Hour)
			k34 := ce.put("1", 3, 4, "x2")
			ce.setClock(-90 * time.Second)
			ce.put("2", 1, 2, "x3")

			out := ce.ok("get", "cache", "--task", "add")
			require.Equal(t, []string{"KEY", "CACHE VERSION", "PRODUCED BY", "AGE", "SIZE"}, cells(lines(out)[0]))
			// The catalog's size is that of the encoded outputs.
			size, err := proto.Marshal(&datacatalogv1.Artifact{Data: []*datacatalogv1.ArtifactData{{Name: "sum", Value: intLit(3)}}})
			require.NoError(t, err)
			sz := formatSize(int64(len(size)))
			want := [][]string{
				{k12, "2", "proj/development/x3 node n0", "1m", sz},
				{k34, "1", "proj/development/x2 node n0", "3h", sz},
				{k12, "1", "proj/development/x1 node n0", "3d", sz},
			}
			require.Empty(t, cmp.Diff(want, rows(out)))

			out = ce.ok("get", "cache", "--task", "add", "--cache-version", "1")
			require.Empty(t, cmp.Diff(want[1:], rows(out)))

			// The entry of given inputs, in every cache version; ignored inputs do not matter.
			out = ce.ok("get", "cache", "--task", "add", "--inputs", "a=1", "--inputs", "b=2")
			require.Empty(t, cmp.Diff([][]string{want[0], want[2]}, rows(out)))
			out = ce.ok("get", "cache", "--task", "add", "--inputs", "a=1", "--inputs", "b=2", "--inputs", "note=anything", "--cache-version", "2")
			require.Empty(t, cmp.Diff(want[:1], rows(out)))

			r := ce.cli("get", "cache", "--task", "add", "--inputs", "a=9", "--inputs", "b=9")
			require.Equal(t, ExitFailure, r.code, r.stderr)
			require.Contains(t, r.stderr, "nothing is cached for task add in proj/development for these inputs (key flyte_cached-")

			// JSON parses back into the list message.
			out = ce.ok("get", "cache", "--task", "add", "--cache-version", "1", "-o", "json")
			var list datacatalogv1.ListArtifactsResponse
			require.NoError(t, protojson.Unmarshal([]byte(out), &list))
			require.Len(t, list.GetArtifacts(), 2)
			require.Equal(t, int64(3+4), list.GetArtifacts()[0].GetData()[0].GetValue().GetScalar().GetPrimitive().GetInteger())

			// A task with nothing cached lists nothing and says so.
			r = ce.cli("get", "cache", "--task", "other")
			require.Equal(t, ExitOK, r.code, r.stderr)
			require.Empty(t, r.stdout)
			require.Equal(t, "nothing is cached for task other in proj/development\n", r.stderr)
		})
	}
}

func TestGetCacheRejectsBadFlags(t *testing.T) {
	t.Parallel()
	ce := newCacheEnv(t, admintest.DriverSQLite)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no task", []string{"get", "cache"}, ExitUsage, "--task is required"},
		{"empty cache version", []string{"get", "cache", "--task", "add", "--cache-version", ""}, ExitUsage, "--cache-version must not be empty"},
		{"missing input", []string{"get", "cache", "--task", "add", "--inputs", "a=1"}, ExitUsage, "--inputs: missing b: int"},
		{"unknown input", []string{"get", "cache", "--task", "add", "--inputs", "c=1"}, ExitUsage, `--inputs: unknown input "c" (inputs: a: int, b: int, note: str)`},
		{"bad value", []string{"get", "cache", "--task", "add", "--inputs", "a=x", "--inputs", "b=1"}, ExitUsage, "--inputs a (int):"},
		{"no equals", []string{"get", "cache", "--task", "add", "--inputs", "a"}, ExitUsage, `--inputs "a": want name=value`},
		{"unregistered task", []string{"get", "cache", "--task", "nope", "--inputs", "a=1"}, ExitFailure, "task proj/development/nope is not registered"},
		{"bad duration", []string{"delete", "cache", "--task", "add", "--older-than", "3x"}, ExitUsage, `--older-than "3x": want a positive duration such as 12h, 90m or 30d`},
		{"negative duration", []string{"delete", "cache", "--task", "add", "--older-than", "-1d"}, ExitUsage, "--older-than"},
	}
	for _, tt := range tests {
		r := ce.cli(tt.args...)
		require.Equal(t, tt.code, r.code, "%s: %s", tt.name, r.stderr)
		require.Contains(t, r.stderr, tt.msg, tt.name)
		require.Empty(t, r.stdout, tt.name)
	}
}

func TestDeleteCache(t *testing.T) {
	t.Parallel()
	for _, driver := range admintest.Drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			ce := newCacheEnv(t, driver)
			ce.setClock(-72 * time.Hour)
			ce.put("1", 1, 2, "x1")
			ce.put("1", 5, 6, "x2")
			ce.setClock(-3 * time.Hour)
			k34 := ce.put("1", 3, 4, "x3")
			ce.put("2", 1, 2, "x4")
			ce.put("2", 7, 8, "x5")
			ce.setClock(0)
			k9 := ce.put("1", 9, 9, "x6")
			// Overwritten outputs are as old as their overwrite.
			ds := cachekey.DatasetID(rProject, rDomain, "add", "1", ce.iface)
			_, err := ce.catalog.UpdateArtifact(t.Context(), connect.NewRequest(&datacatalogv1.UpdateArtifactRequest{
				Dataset: ds, QueryHandle: &datacatalogv1.UpdateArtifactRequest_ArtifactId{ArtifactId: "x2-1"},
				Data: []*datacatalogv1.ArtifactData{{Name: "sum", Value: intLit(11)}},
			}))
			require.NoError(t, err)
			remaining := func() int { return len(rows(ce.ok("get", "cache", "--task", "add"))) }
			require.Equal(t, 6, remaining())

			require.Equal(t, "evicted 0 cached entries of task add in proj/development\n", ce.ok("delete", "cache", "--task", "add", "--older-than", "30d"))
			require.Equal(t, "evicted 1 cached entry of task add in proj/development\n", ce.ok("delete", "cache", "--task", "add", "--older-than", "2d"))
			require.Equal(t, 5, remaining())
			require.Equal(t, "evicted 1 cached entry of task add in proj/development (cache version 1)\n",
				ce.ok("delete", "cache", "--task", "add", "--cache-version", "1", "--inputs", "a=3", "--inputs", "b=4"))
			require.Equal(t, "evicted 2 cached entries of task add in proj/development (cache version 2)\n",
				ce.ok("delete", "cache", "--task", "add", "--cache-version", "2", "--older-than", "1h"))
			keys := map[string]bool{}
			for _, row := range rows(ce.ok("get", "cache", "--task", "add")) {
				keys[row[0]] = true
			}
			require.False(t, keys[k34])
			require.True(t, keys[k9])
			require.Len(t, keys, 2)

			out := ce.ok("delete", "cache", "--task", "add", "-o", "json")
			var res datacatalogv1.DeleteArtifactsResponse
			require.NoError(t, protojson.Unmarshal([]byte(out), &res))
			require.Equal(t, uint64(2), res.GetDeletedCount())
			r := ce.cli("get", "cache", "--task", "add")
			require.Equal(t, ExitOK, r.code, r.stderr)
			require.Empty(t, r.stdout)
			require.Equal(t, "nothing is cached for task add in proj/development\n", r.stderr)
		})
	}
}

func TestCacheHelpers(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"1-0123456789abcdef": "1", "v1-beta-0123456789abcdef": "v1-beta", "nodash": "nodash", "-sig": ""} {
		require.Equal(t, want, cacheVersionOf(in), in)
	}
	for d, want := range map[time.Duration]string{
		-time.Second: "0s", 59 * time.Second: "59s", 90 * time.Second: "1m", 3 * time.Hour: "3h", 47 * time.Hour: "47h", 72 * time.Hour: "3d",
	} {
		require.Equal(t, want, formatAge(d), d.String())
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 5 << 20: "5.0 MiB", 3 << 30: "3.0 GiB"} {
		require.Equal(t, want, formatSize(n))
	}
	for _, tt := range []struct {
		kv   map[string]string
		want string
	}{
		{map[string]string{"execution": "p/d/x", "node_id": "n0"}, "p/d/x node n0"},
		{map[string]string{"execution": "p/d/x"}, "p/d/x"},
		{nil, ""},
	} {
		require.Equal(t, tt.want, producedBy(&datacatalogv1.Metadata{KeyMap: tt.kv}))
	}
}
