package localplugin

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
)

func prim(p *corev1.Primitive) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: p}}}}
}

func TestRawRoundTripEveryType(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	ctx := context.Background()
	require.NoError(t, f.blobs.WriteAll(ctx, "data/in.csv", []byte("id\n1\n")))
	require.NoError(t, f.blobs.WriteAll(ctx, "data/dir/a.txt", []byte("A")))
	require.NoError(t, f.blobs.WriteAll(ctx, "data/dir/sub/b.txt", []byte("B")))
	fileType := &corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: &corev1.BlobType{Format: "csv"}}}
	dirType := &corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: &corev1.BlobType{Dimensionality: corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART}}}
	listInt := &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER)}}
	mapStr := &corev1.LiteralType{Type: &corev1.LiteralType_MapValueType{MapValueType: simple(corev1.SimpleType_SIMPLE_TYPE_STRING)}}
	optStr := &corev1.LiteralType{Type: &corev1.LiteralType_UnionType{UnionType: &corev1.UnionType{Variants: []*corev1.LiteralType{
		simple(corev1.SimpleType_SIMPLE_TYPE_STRING), simple(corev1.SimpleType_SIMPLE_TYPE_NONE)}}}}
	listFile := &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: fileType}}
	st, err := structpb.NewStruct(map[string]any{"a": 1.5, "b": []any{"x", true}})
	require.NoError(t, err)
	blob := func(uri string, bt *corev1.BlobType) *corev1.Literal {
		return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{Uri: uri, Metadata: &corev1.BlobMetadata{Type: bt}}}}}}
	}
	values := map[string]*corev1.Literal{
		"i":  intLit(-42),
		"fl": prim(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: 0.1}}),
		"s":  strLit("hello, world"),
		"b":  prim(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: true}}),
		"dt": prim(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(time.Date(2024, 1, 31, 12, 0, 0, 5, time.UTC))}}),
		"du": prim(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(90 * time.Second)}}),
		"li": {Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: []*corev1.Literal{intLit(1), intLit(2)}}}},
		"ms": {Value: &corev1.Literal_Map{Map: &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"k": strLit("v")}}}},
		"st": {Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Generic{Generic: st}}}},
		"op": {Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: strLit("maybe"), Type: simple(corev1.SimpleType_SIMPLE_TYPE_STRING)}}}}},
	}
	types := map[string]*corev1.LiteralType{
		"i": simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER), "fl": simple(corev1.SimpleType_SIMPLE_TYPE_FLOAT),
		"s": simple(corev1.SimpleType_SIMPLE_TYPE_STRING), "b": simple(corev1.SimpleType_SIMPLE_TYPE_BOOLEAN),
		"dt": simple(corev1.SimpleType_SIMPLE_TYPE_DATETIME), "du": simple(corev1.SimpleType_SIMPLE_TYPE_DURATION),
		"li": listInt, "ms": mapStr, "st": simple(corev1.SimpleType_SIMPLE_TYPE_STRUCT), "op": optStr,
	}
	inputs := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{
		"f":  blob(f.blobs.URL("data/in.csv"), fileType.GetBlob()),
		"d":  blob(f.blobs.URL("data/dir"), dirType.GetBlob()),
		"lf": {Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: []*corev1.Literal{blob(f.blobs.URL("data/in.csv"), fileType.GetBlob())}}}},
	}}
	iface := vars("f", fileType, "d", dirType, "lf", listFile)
	for k, v := range values {
		inputs.Literals[k] = v
		iface.Variables[k] = &corev1.Variable{Type: types[k]}
	}
	ac := f.task(t, TaskTypeRaw, &corev1.TypedInterface{Inputs: iface, Outputs: iface}, inputs,
		"sh", "-c", `for n in $(ls {{.inputDir}}); do cp -R {{.inputDir}}/$n {{.outputs}}/$n; done; test -s {{.inputDir}}/inputs.json; echo done`)
	status := f.run(t, ac)
	require.Equal(t, plugin.PhaseSucceeded, status.Phase, "%s", status.Reason)

	got := status.Outputs
	require.NotNil(t, got, "raw outputs are returned inline")
	for k, want := range values {
		require.Empty(t, cmp.Diff(want, got.Literals[k], protocmp.Transform()), "output %s", k)
	}
	read := func(uri string) string {
		key, err := f.blobs.Key(uri)
		require.NoError(t, err)
		b, err := f.blobs.ReadAll(ctx, key)
		require.NoError(t, err)
		return string(b)
	}
	require.Equal(t, "id\n1\n", read(got.Literals["f"].GetScalar().GetBlob().GetUri()))
	require.Equal(t, "csv", got.Literals["f"].GetScalar().GetBlob().GetMetadata().GetType().GetFormat())
	dirURI := got.Literals["d"].GetScalar().GetBlob().GetUri()
	require.Equal(t, "A", read(dirURI+"/a.txt"))
	require.Equal(t, "B", read(dirURI+"/sub/b.txt"))
	lf := got.Literals["lf"].GetCollection().GetLiterals()
	require.Len(t, lf, 1)
	require.Equal(t, "id\n1\n", read(lf[0].GetScalar().GetBlob().GetUri()))

	// Logs were uploaded, and the attempt's directory and log file are gone.
	require.Len(t, status.Logs, 1)
	require.Equal(t, "done\n", read(status.Logs[0].GetUri()))
	require.Equal(t, []string{ScratchDir}, workDirEntries(t, f.p))
}

// workDirEntries lists the names in the plugin's work directory.
func workDirEntries(t *testing.T, p *Plugin) []string {
	t.Helper()
	entries, err := os.ReadDir(p.opts.WorkDir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWorkDirOnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{KeepWorkDirs: true})
	scratch := filepath.Join(f.p.opts.WorkDir, ScratchDir)
	tests := []struct {
		name    string
		command string
		files   []string // what the attempt leaves in WorkDir: DIR, LOG or a name
	}{
		{"quiet task uses the scratch dir", "test \"$PWD\" = " + scratch, []string{ScratchDir}},
		{"printing creates the log only", "echo out; echo err >&2; test \"$PWD\" = " + scratch, []string{"LOG", ScratchDir}},
		{"naming the work dir makes it", "test \"$PWD\" = {{.workDir}}", []string{"DIR", ScratchDir}},
		{"naming the output dir makes it", "test -d {{.outputs}} && test ! -e \"$FLYTE_INPUT_DIR\"", []string{"DIR", ScratchDir}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := workDirEntries(t, f.p)
			ac := f.task(t, TaskTypeRaw, nil, nil, "sh", "-c", tt.command)
			h, err := f.p.Start(context.Background(), ac.TaskContext)
			require.NoError(t, err)
			st := f.wait(t, f.p, ac, h)
			require.Equal(t, plugin.PhaseSucceeded, st.Phase, "%s", st.Reason)
			_, id, err := parseHandle(h)
			require.NoError(t, err)
			name := f.p.boot + "-" + strconv.FormatUint(id, 10)
			var added []string
			for _, n := range workDirEntries(t, f.p) {
				switch {
				case slices.Contains(before, n) && n != ScratchDir:
				case n == name:
					added = append(added, "DIR")
				case n == name+".log":
					added = append(added, "LOG")
				default:
					added = append(added, n)
				}
			}
			require.Empty(t, cmp.Diff(tt.files, added))
			if slices.Contains(tt.files, "LOG") {
				require.Len(t, st.Logs, 1)
				key, err := f.blobs.Key(st.Logs[0].GetUri())
				require.NoError(t, err)
				b, err := f.blobs.ReadAll(context.Background(), key)
				require.NoError(t, err)
				require.ElementsMatch(t, []string{"out", "err"}, strings.Fields(string(b)))
			} else {
				require.Empty(t, st.Logs)
			}
		})
	}
}

func TestScratchDirRemadeWhenRemoved(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	require.NoError(t, os.Remove(filepath.Join(f.p.opts.WorkDir, ScratchDir)))
	st := f.run(t, f.task(t, TaskTypeRaw, nil, nil, "true"))
	require.Equal(t, plugin.PhaseSucceeded, st.Phase, "%s", st.Reason)
	require.Equal(t, []string{ScratchDir}, workDirEntries(t, f.p))
}

func TestLogSink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := &logSink{path: filepath.Join(dir, "a.log")}
	created, err := s.close()
	require.NoError(t, err)
	require.False(t, created, "nothing written, no file")
	_, err = os.Stat(s.path)
	require.ErrorIs(t, err, os.ErrNotExist)

	s = &logSink{path: filepath.Join(dir, "b.log")}
	s.write([]byte("one\n"))
	_, _ = (&tailWriter{sink: s}).ReadFrom(strings.NewReader("two\n"))
	created, err = s.close()
	require.NoError(t, err)
	require.True(t, created)
	s.write([]byte("after close\n"))
	b, err := os.ReadFile(s.path)
	require.NoError(t, err)
	require.Equal(t, "one\ntwo\n", string(b))

	// A log that cannot be created drops the output and reports why.
	s = &logSink{path: filepath.Join(dir, "missing", "c.log")}
	n, err := stdoutWriter{s}.Write([]byte("lost\n"))
	require.NoError(t, err, "the task is not stopped by its log")
	require.Equal(t, 5, n)
	created, err = s.close()
	require.False(t, created)
	require.ErrorContains(t, err, "create log file")
}

func TestLiveLogAppearsWhenPrinted(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	gate := filepath.Join(t.TempDir(), "go")
	ac := f.task(t, TaskTypeRaw, nil, nil, "sh", "-c", `echo hello; while [ ! -e `+gate+` ]; do sleep 0.01; done`)
	h, err := f.p.Start(context.Background(), ac.TaskContext)
	require.NoError(t, err)
	st, err := f.p.Status(context.Background(), ac.TaskContext, h)
	require.NoError(t, err)
	require.Len(t, st.Logs, 1)
	live := strings.TrimPrefix(st.Logs[0].GetUri(), "file://")
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(live)
		return err == nil && string(b) == "hello\n"
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, os.WriteFile(gate, nil, 0o644))
	require.Equal(t, plugin.PhaseSucceeded, f.wait(t, f.p, ac, h).Phase)
	_, err = os.Stat(live)
	require.ErrorIs(t, err, os.ErrNotExist, "the live log is removed when the attempt ends")
}

func TestRawFailures(t *testing.T) {
	t.Parallel()
	intOut := &corev1.TypedInterface{Outputs: vars("total", simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER))}
	tests := []struct {
		name      string
		iface     *corev1.TypedInterface
		command   []string
		code      string
		retryable bool
		contains  []string
	}{
		{"non-zero exit", nil, []string{"sh", "-c", "echo to-stdout; echo first >&2; echo boom >&2; exit 3"},
			"NonZeroExit", true, []string{"exit code 3", "first\nboom"}},
		{"malformed output", intOut, []string{"sh", "-c", "echo abc > {{.outputs}}/total"},
			"BadOutput", false, []string{`output "total": "abc" is not an integer`}},
		{"missing output", intOut, []string{"true"},
			"BadOutput", false, []string{`output "total": is missing`}},
		{"missing command", nil, []string{"no-such-command-flyte"},
			"CommandNotFound", false, []string{`"no-such-command-flyte"`}},
		{"unknown input template", nil, []string{"cat", "{{.inputs.nope}}"},
			"BadTemplate", false, []string{"nope"}},
	}
	f := setup(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := f.run(t, f.task(t, TaskTypeRaw, tt.iface, nil, tt.command...))
			require.Equal(t, plugin.PhaseFailed, st.Phase)
			require.Equal(t, corev1.ExecutionError_ERROR_KIND_USER, st.Error.GetKind())
			require.Equal(t, tt.code, st.Error.GetCode())
			require.Equal(t, tt.retryable, st.Retryable)
			for _, c := range tt.contains {
				require.Contains(t, st.Error.GetMessage(), c)
			}
			require.NotContains(t, st.Error.GetMessage(), "s3cr3t")
		})
	}
}

func TestEnvAndOutputTemplate(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	iface := &corev1.TypedInterface{Outputs: vars("token", simple(corev1.SimpleType_SIMPLE_TYPE_STRING))}
	ac := f.task(t, TaskTypeRaw, iface, nil, "sh", "-c", `printf %s "$SECRET_TOKEN-$MODE" > {{.outputs.token}}`)
	ac.Task.GetContainer().Env = []*corev1.KeyValuePair{{Key: "MODE", Value: "fast"}}
	st := f.run(t, ac)
	require.Equal(t, plugin.PhaseSucceeded, st.Phase)
	require.Empty(t, cmp.Diff(strLit("s3cr3t-fast"), st.Outputs.GetLiterals()["token"], protocmp.Transform()))
	ok, err := f.blobs.Exists(context.Background(), ac.OutputsKey())
	require.NoError(t, err)
	require.False(t, ok, "raw outputs are not written to outputs.pb")
}

// processGone reports whether pid has exited (gone or a zombie).
func processGone(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+1:]))
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

func TestAbortKillsProcessGroup(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{KillGrace: 200 * time.Millisecond})
	pidFile := filepath.Join(t.TempDir(), "child.pid")
	// The shell ignores SIGTERM, so SIGKILL after the grace period ends it.
	ac := f.task(t, TaskTypeRaw, nil, nil, "sh", "-c", `trap "" TERM; sleep 1000 & echo $! > `+pidFile+`; wait`)
	h, err := f.p.Start(context.Background(), ac.TaskContext)
	require.NoError(t, err)
	var pid int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil || !strings.HasSuffix(string(b), "\n") {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	st, err := f.p.Status(context.Background(), ac.TaskContext, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseRunning, st.Phase)
	require.True(t, strings.HasPrefix(st.Logs[0].GetUri(), "file://"))

	require.NoError(t, f.p.Abort(context.Background(), ac.TaskContext, h))
	st = f.wait(t, f.p, ac, h)
	require.Equal(t, plugin.PhaseAborted, st.Phase)
	require.Eventually(t, func() bool { return processGone(pid) }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, f.p.Abort(context.Background(), ac.TaskContext, h), "aborting a finished attempt is a no-op")
}

func TestConcurrencyLimit(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{MaxParallel: 2})
	dir := t.TempDir()
	gate := filepath.Join(dir, "go")
	var acs []*attemptCtx
	var hs []plugin.Handle
	for range 4 {
		ac := f.task(t, TaskTypeRaw, nil, nil, "sh", "-c", `touch `+dir+`/started.$$; while [ ! -e `+gate+` ]; do sleep 0.01; done`)
		h, err := f.p.Start(context.Background(), ac.TaskContext)
		require.NoError(t, err)
		acs, hs = append(acs, ac), append(hs, h)
	}
	var phases []plugin.Phase
	for i, ac := range acs {
		st, err := f.p.Status(context.Background(), ac.TaskContext, hs[i])
		require.NoError(t, err)
		phases = append(phases, st.Phase)
	}
	require.Equal(t, []plugin.Phase{plugin.PhaseRunning, plugin.PhaseRunning, plugin.PhaseQueued, plugin.PhaseQueued}, phases)
	require.Eventually(t, func() bool {
		m, _ := filepath.Glob(filepath.Join(dir, "started.*"))
		return len(m) == 2
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, os.WriteFile(gate, nil, 0o644))
	for i, ac := range acs {
		require.Equal(t, plugin.PhaseSucceeded, f.wait(t, f.p, ac, hs[i]).Phase)
	}
	m, _ := filepath.Glob(filepath.Join(dir, "started.*"))
	require.Len(t, m, 4)
}

func TestLostHandleAfterRestart(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	ac := f.task(t, TaskTypeRaw, nil, nil, "sleep", "1000")
	h, err := f.p.Start(context.Background(), ac.TaskContext)
	require.NoError(t, err)
	again, err := f.p.Start(context.Background(), ac.TaskContext)
	require.NoError(t, err)
	require.Equal(t, h, again, "starting the same attempt twice returns its handle")

	restarted, err := New(Options{WorkDir: t.TempDir()})
	require.NoError(t, err)
	defer restarted.Close()
	st, err := restarted.Status(context.Background(), ac.TaskContext, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseFailed, st.Phase)
	require.Equal(t, corev1.ExecutionError_ERROR_KIND_SYSTEM, st.Error.GetKind())
	require.True(t, st.Retryable)
	require.Contains(t, st.Error.GetMessage(), "process lost")
	require.NoError(t, restarted.Abort(context.Background(), ac.TaskContext, h))
	_, err = restarted.Status(context.Background(), ac.TaskContext, plugin.Handle("garbage"))
	require.Error(t, err)
}

func TestCloseKillsRunning(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	p, err := New(Options{WorkDir: t.TempDir()})
	require.NoError(t, err)
	ac := f.task(t, TaskTypeRaw, nil, nil, "sleep", "1000")
	h, err := p.Start(context.Background(), ac.TaskContext)
	require.NoError(t, err)
	require.NoError(t, p.Close())
	st, err := p.Status(context.Background(), ac.TaskContext, h)
	require.NoError(t, err)
	require.Equal(t, plugin.PhaseAborted, st.Phase)
	_, err = p.Start(context.Background(), f.task(t, TaskTypeRaw, nil, nil, "true").TaskContext)
	require.Error(t, err)
}

func TestSDKContract(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	iface := &corev1.TypedInterface{
		Inputs:  vars("x", simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER)),
		Outputs: vars("y", simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER)),
	}
	inputs := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"x": intLit(7)}}
	args := func(mode string) []string { return []string{sdkTask, mode, "{{.Input}}", "{{.OutputPrefix}}"} }

	for _, mode := range []string{"ok", "env"} {
		ac := f.task(t, TaskTypeContainer, iface, inputs, args(mode)...)
		st := f.run(t, ac)
		require.Equal(t, plugin.PhaseSucceeded, st.Phase, "%s: %s", mode, st.Reason)
		got := &corev1.LiteralMap{}
		require.NoError(t, f.blobs.ReadProto(context.Background(), ac.OutputsKey(), got))
		require.Empty(t, cmp.Diff(intLit(7), got.Literals["y"], protocmp.Transform()))
	}

	st := f.run(t, f.task(t, TaskTypeContainer, iface, inputs, args("fail")...))
	require.Equal(t, plugin.PhaseFailed, st.Phase)
	require.Equal(t, corev1.ExecutionError_ERROR_KIND_SYSTEM, st.Error.GetKind())
	require.Equal(t, "Flaky", st.Error.GetCode())
	require.Equal(t, "the database went away", st.Error.GetMessage())
	require.True(t, st.Retryable)

	st = f.run(t, f.task(t, TaskTypeContainer, iface, inputs, args("none")...))
	require.Equal(t, plugin.PhaseFailed, st.Phase)
	require.Equal(t, "MissingOutputs", st.Error.GetCode())

	// {{.WorkDir}} is the attempt's private directory, made for the task.
	ac := f.task(t, TaskTypeContainer, nil, nil, "sh", "-c", `test "$PWD" = {{.WorkDir}} && test -d {{.WorkDir}}`)
	st = f.run(t, ac)
	require.Equal(t, plugin.PhaseSucceeded, st.Phase, "%s", st.Reason)

	// Without outputs, exiting 0 is success and no outputs.pb is needed.
	ac = f.task(t, TaskTypeContainer, &corev1.TypedInterface{Inputs: iface.Inputs}, inputs, args("none")...)
	require.Equal(t, plugin.PhaseSucceeded, f.run(t, ac).Phase)
	ok, err := f.blobs.Exists(context.Background(), ac.OutputsKey())
	require.NoError(t, err)
	require.False(t, ok)
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	err := Options{MaxParallel: -1, KillGrace: -time.Second, Retention: -time.Second}.Validate()
	require.Error(t, err)
	for _, want := range []string{"max parallel", "kill grace", "retention"} {
		require.Contains(t, err.Error(), want)
	}
	require.NoError(t, Options{}.WithDefaults().Validate())
}
