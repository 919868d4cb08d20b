package flyte_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/sdk/flyte"
)

// attemptEnv is a file:// blob store laid out as the platform lays out one
// attempt: inputs.pb, an attempt prefix and a raw output prefix.
type attemptEnv struct {
	blobs        *storage.Store
	inputsKey    string
	prefixKey    string
	rawPrefixKey string
}

func newAttempt(t *testing.T, inputs *corev1.LiteralMap) *attemptEnv {
	t.Helper()
	s, err := storage.Open(t.Context(), "file://"+t.TempDir(), storage.Options{})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	e := &attemptEnv{blobs: s, inputsKey: "p/d/exec/n1/inputs.pb", prefixKey: "p/d/exec/n1/0", rawPrefixKey: "raw/exec"}
	if inputs != nil {
		require.NoError(t, s.WriteProto(t.Context(), e.inputsKey, inputs))
	}
	return e
}

// execute runs the execute command of an app holding every test entity.
func (e *attemptEnv) execute(t *testing.T, task string, extra ...string) (int, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	app := flyte.App{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
	args := append([]string{"execute", "--task", task, "--inputs", e.blobs.URL(e.inputsKey),
		"--output-prefix", e.blobs.URL(e.prefixKey), "--raw-output-prefix", e.blobs.URL(e.rawPrefixKey)}, extra...)
	code := app.Run(t.Context(), args)
	return code, stderr.String()
}

func (e *attemptEnv) read(t *testing.T, name string, m proto.Message) error {
	t.Helper()
	return e.blobs.ReadProto(t.Context(), e.prefixKey+"/"+name, m)
}

func intLit(i int64) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}}}}}}
}

func lits(kv ...any) *corev1.LiteralMap {
	m := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for i := 0; i < len(kv); i += 2 {
		m.Literals[kv[i].(string)] = kv[i+1].(*corev1.Literal)
	}
	return m
}

func TestExecuteWritesOutputs(t *testing.T) {
	t.Parallel()
	e := newAttempt(t, lits("x", intLit(6)))
	code, stderr := e.execute(t, "rt_square")
	require.Equal(t, 0, code, stderr)
	got := &corev1.LiteralMap{}
	require.NoError(t, e.read(t, "outputs.pb", got))
	if diff := cmp.Diff(lits("y", intLit(36)), got, protocmp.Transform()); diff != "" {
		t.Fatalf("outputs.pb (-want +got):\n%s", diff)
	}
	require.ErrorIs(t, e.read(t, "error.pb", &corev1.ErrorDocument{}), storage.ErrNotFound)
}

// Defining the tasks registers them for execute, which finds them by name.
var _ = map[string]*flyte.Task[flyte.None, flyte.None]{
	"user": flyte.NewTask("ex_user", func(context.Context, flyte.None) (flyte.None, error) {
		return flyte.None{}, errors.New("bad row 7")
	}),
	"system": flyte.NewTask("ex_system", func(context.Context, flyte.None) (flyte.None, error) {
		return flyte.None{}, flyte.Recoverable(flyte.SystemError(errors.New("db unreachable")))
	}),
	"recoverable": flyte.NewTask("ex_recoverable", func(context.Context, flyte.None) (flyte.None, error) {
		return flyte.None{}, flyte.Recoverable(errors.New("rate limited"))
	}),
	"panic": flyte.NewTask("ex_panic", func(context.Context, flyte.None) (flyte.None, error) {
		var m map[string]int
		m["x"]++ //lint:ignore SA5000 the task panics on purpose, as a bug in user code would
		return flyte.None{}, nil
	}),
	"coded": flyte.NewTask("ex_coded", func(context.Context, flyte.None) (flyte.None, error) {
		return flyte.None{}, &flyte.TaskError{Err: errors.New("quota"), Code: "Quota"}
	}),
}

func TestExecuteWritesErrorDocuments(t *testing.T) {
	t.Parallel()
	user, system := corev1.ExecutionError_ERROR_KIND_USER, corev1.ExecutionError_ERROR_KIND_SYSTEM
	recoverable, fatal := corev1.ContainerError_KIND_RECOVERABLE, corev1.ContainerError_KIND_NON_RECOVERABLE
	for _, tc := range []struct {
		name    string
		task    string
		inputs  *corev1.LiteralMap
		origin  corev1.ExecutionError_ErrorKind
		kind    corev1.ContainerError_Kind
		code    string
		message string
	}{
		{"user error", "ex_user", lits(), user, fatal, "TaskError", "bad row 7"},
		{"recoverable system error", "ex_system", lits(), system, recoverable, "TaskError", "db unreachable"},
		{"recoverable user error", "ex_recoverable", lits(), user, recoverable, "TaskError", "rate limited"},
		{"panic", "ex_panic", lits(), user, fatal, "Panic", "panic: assignment to entry in nil map"},
		{"own code", "ex_coded", lits(), user, fatal, "Quota", "quota"},
		{"unknown task", "ex_nope", lits(), user, fatal, "UnknownTask", `this program has no task named "ex_nope"`},
		{"inputs of the wrong type", "rt_square", lits("x", &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{}}}),
			user, fatal, "TaskError", "inputs: x: expected int, got a list"},
		{"missing input", "rt_square", lits(), user, fatal, "TaskError", "inputs: x: value is missing"},
		{"no inputs.pb", "rt_square", nil, system, recoverable, "Storage", "read inputs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newAttempt(t, tc.inputs)
			code, stderr := e.execute(t, tc.task)
			require.Equal(t, 0, code, "the platform reads error.pb after exit 0: %s", stderr)
			doc := &corev1.ErrorDocument{}
			require.NoError(t, e.read(t, "error.pb", doc))
			ce := doc.GetError()
			require.Equal(t, tc.origin, ce.GetOrigin(), "origin")
			require.Equal(t, tc.kind, ce.GetKind(), "kind")
			require.Equal(t, tc.code, ce.GetCode(), "code")
			require.Contains(t, ce.GetMessage(), tc.message)
			require.NotNil(t, ce.GetTimestamp())
			if tc.name == "panic" {
				require.Contains(t, ce.GetMessage(), "goroutine", "the stack is in the message")
			}
			require.ErrorIs(t, e.read(t, "outputs.pb", &corev1.LiteralMap{}), storage.ErrNotFound)
		})
	}
}

func TestExecuteMovesFiles(t *testing.T) {
	t.Parallel()
	e := newAttempt(t, nil)
	src := filepath.Join(t.TempDir(), "in.txt")
	require.NoError(t, os.WriteFile(src, []byte("abc"), 0o644))
	require.NoError(t, e.blobs.CopyFromFile(t.Context(), "data/in.txt", src))
	blob := func(uri string) *corev1.Literal {
		return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{
			Uri: uri, Metadata: &corev1.BlobMetadata{Type: &corev1.BlobType{}}}}}}}
	}
	docs := &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: []*corev1.Literal{blob(e.blobs.URL("data/in.txt"))}}}}
	require.NoError(t, e.blobs.WriteProto(t.Context(), e.inputsKey, lits("doc", blob(e.blobs.URL("data/in.txt")), "docs", docs)))
	code, stderr := e.execute(t, "rt_pack_dir")
	require.Equal(t, 0, code, stderr)
	out := &corev1.LiteralMap{}
	require.NoError(t, e.read(t, "outputs.pb", out))
	dirURI := out.GetLiterals()["dir"].GetScalar().GetBlob().GetUri()
	require.True(t, strings.HasPrefix(dirURI, e.blobs.URL(e.rawPrefixKey)+"/"), "the directory is uploaded under the raw output prefix: %s", dirURI)
	require.Equal(t, corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART, out.GetLiterals()["dir"].GetScalar().GetBlob().GetMetadata().GetType().GetDimensionality())
	key, err := e.blobs.Key(dirURI)
	require.NoError(t, err)
	files, err := e.blobs.List(t.Context(), key+"/")
	require.NoError(t, err)
	require.Equal(t, []string{key + "/sub/0.txt", key + "/sub/1.txt"}, files)
	data, err := e.blobs.ReadAll(t.Context(), key+"/sub/1.txt")
	require.NoError(t, err)
	require.Equal(t, "abc", string(data))
}

func TestExecuteDynamicWritesFutures(t *testing.T) {
	t.Parallel()
	e := newAttempt(t, lits("n", intLit(3)))
	code, stderr := e.execute(t, "rt_fanout", "--project", "p", "--domain", "d", "--version", "v7", "--command", "/app/bin")
	require.Equal(t, 0, code, stderr)
	spec := &corev1.DynamicJobSpec{}
	require.NoError(t, e.read(t, "futures.pb", spec))
	require.ErrorIs(t, e.read(t, "outputs.pb", &corev1.LiteralMap{}), storage.ErrNotFound)
	require.Len(t, spec.GetNodes(), 3)
	require.Len(t, spec.GetTasks(), 1)
	task := spec.GetTasks()[0]
	if diff := cmp.Diff(&corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "p", Domain: "d", Name: "rt_square", Version: "v7"},
		task.GetId(), protocmp.Transform()); diff != "" {
		t.Fatalf("task id (-want +got):\n%s", diff)
	}
	require.Equal(t, []string{"/app/bin"}, task.GetContainer().GetCommand())
	require.Equal(t, []string{"execute", "--task", "rt_square", "--inputs", "{{.Input}}", "--output-prefix", "{{.OutputPrefix}}",
		"--raw-output-prefix", "{{.RawOutputPrefix}}"}, task.GetContainer().GetArgs())

	// What the engine does with it: compile the nodes as a workflow whose
	// outputs are the dynamic task's.
	wf := &corev1.WorkflowTemplate{
		Id: &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Project: "p", Domain: "d", Name: "dyn", Version: "v7"},
		Interface: &corev1.TypedInterface{Outputs: &corev1.VariableMap{Variables: map[string]*corev1.Variable{
			"squares": {Type: &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_INTEGER}}}}},
		}}},
		Nodes:   spec.GetNodes(),
		Outputs: spec.GetOutputs(),
	}
	_, err := compiler.CompileWorkflow(t.Context(), wf, spec.GetSubworkflows(), compiler.NewStaticResolver(spec.GetTasks(), nil))
	require.NoError(t, err)
}

func TestExecuteUsage(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	noEnv := func(string) string { return "" }
	code := flyte.App{Stdout: &stdout, Stderr: &stderr, Getenv: noEnv}.Run(t.Context(), []string{"execute", "--task", "rt_square"})
	require.Equal(t, 2, code)
	require.Equal(t, "error: execute needs --inputs, --output-prefix, --raw-output-prefix\n", stderr.String())
}

func TestExecuteTakesLocationsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	e := newAttempt(t, lits("x", intLit(5)))
	env := map[string]string{
		"FLYTE_INPUTS_URI":        e.blobs.URL(e.inputsKey),
		"FLYTE_OUTPUT_PREFIX":     e.blobs.URL(e.prefixKey),
		"FLYTE_RAW_OUTPUT_PREFIX": e.blobs.URL(e.rawPrefixKey),
	}
	var stdout, stderr bytes.Buffer
	app := flyte.App{Stdout: &stdout, Stderr: &stderr, Getenv: func(k string) string { return env[k] }}
	require.Equal(t, 0, app.Run(t.Context(), []string{"execute", "--task", "rt_square"}), stderr.String())
	got := &corev1.LiteralMap{}
	require.NoError(t, e.read(t, "outputs.pb", got))
	require.Equal(t, int64(25), got.GetLiterals()["y"].GetScalar().GetPrimitive().GetInteger())
}
