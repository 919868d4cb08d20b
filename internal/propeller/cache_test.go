package propeller_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
)

func TestCacheMissPopulatesThenHits(t *testing.T) {
	t.Parallel()
	e, cat := setupCache(t)
	task := cachedTask("t", false)
	wf := e.register(workflow("chain", "b", taskNode("a", task, "start-node"), taskNode("b", task, "a")), nil, task)

	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	x1 := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x1, "a"))
	require.Equal(t, []string{"RUNNING MISS DISABLED", "SUCCEEDED POPULATED DISABLED"}, e.cacheEvents(x1, "a"))
	// b has the same task and inputs as a: by the time it starts, a has
	// stored them.
	require.Equal(t, "HIT", e.cacheStatus(x1, "b"))
	require.Equal(t, 1, e.script.startsOf("a"))
	require.Equal(t, 0, e.script.startsOf("b"))

	e.launch("ex2", wf, inputs("x", intLit(1)), nil)
	x2 := e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, map[string]string{"a": "SUCCEEDED", "b": "SUCCEEDED"}, e.nodePhases(x2))
	require.Equal(t, "HIT", e.cacheStatus(x2, "a"))
	require.Equal(t, []string{"SUCCEEDED HIT DISABLED"}, e.cacheEvents(x2, "a"), "a hit goes straight to SUCCEEDED")
	require.Empty(t, e.attemptPhases(x2, "a"), "a hit runs no attempt")
	require.Equal(t, 1, e.script.startsOf("a"))
	require.Empty(t, cmp.Diff(inputs("y", intLit(1)), e.outputs(x2), protocmp.Transform()))

	// The catalog key names the dataset, the tag and the attempt that
	// produced the outputs.
	ds, tag := key(task, inputs("x", intLit(1)))
	art := cat.artifact(t, task, inputs("x", intLit(1)))
	want := &corev1.CatalogMetadata{
		DatasetId:   &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_DATASET, Project: "p", Domain: "d", Name: ds.GetName(), Version: ds.GetVersion()},
		ArtifactTag: &corev1.CatalogArtifactTag{ArtifactId: art.GetId(), Name: tag},
		SourceTaskExecution: &corev1.TaskExecutionIdentifier{
			TaskId:          &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "p", Domain: "d", Name: "t", Version: "v1"},
			NodeExecutionId: &corev1.NodeExecutionIdentifier{NodeId: "a", ExecutionId: &corev1.WorkflowExecutionIdentifier{Project: "p", Domain: "d", Name: "ex1"}},
		},
	}
	require.Empty(t, cmp.Diff(want, e.taskMeta(x2, "a").GetCatalogKey(), protocmp.Transform()))
	require.Empty(t, cmp.Diff(want, e.taskMeta(x1, "a").GetCatalogKey(), protocmp.Transform()), "the populating node names itself")
	require.Equal(t, map[string]string{"execution": "p/d/ex1", "node_id": "a", "retry_attempt": "0", "task_version": "v1"}, art.GetMetadata().GetKeyMap())

	e.launch("ex3", wf, inputs("x", intLit(2)), nil)
	x3 := e.waitPhase("ex3", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x3, "a"), "other inputs miss")
	require.Equal(t, 2, e.script.startsOf("a"))
	require.Empty(t, cmp.Diff(inputs("y", intLit(2)), e.outputs(x3), protocmp.Transform()))
}

// seedWorkflow runs task(x, seed) once and returns its x.
func seedWorkflow(task *corev1.TaskTemplate) *corev1.WorkflowTemplate {
	wf := workflow("seeded", "a", &corev1.Node{
		Id:     "a",
		Inputs: []*corev1.Binding{bind("x", promise("start-node", "x")), bind("seed", promise("start-node", "seed"))},
		Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: task.GetId()}},
	})
	wf.Interface.Inputs = vars("x", intType, "seed", intType)
	return wf
}

func TestCacheIgnoredInputs(t *testing.T) {
	t.Parallel()
	e, _ := setupCache(t)
	task := cachedTask("t", false)
	task.Interface.Inputs = vars("x", intType, "seed", intType)
	task.Metadata.CacheIgnoreInputVars = []string{"seed"}
	wf := e.register(seedWorkflow(task), nil, task)
	cases := []struct {
		x, seed int64
		status  string
		starts  int
	}{
		{1, 1, "POPULATED", 1},
		{1, 2, "HIT", 1},
		{2, 1, "POPULATED", 2},
	}
	for i, tc := range cases {
		name := fmt.Sprintf("ex%d", i)
		e.launch(name, wf, inputs("x", intLit(tc.x), "seed", intLit(tc.seed)), nil)
		x := e.waitPhase(name, corev1.WorkflowExecution_PHASE_SUCCEEDED)
		require.Equal(t, tc.status, e.cacheStatus(x, "a"), "x=%d seed=%d", tc.x, tc.seed)
		require.Equal(t, tc.starts, e.script.startsOf("a"), "x=%d seed=%d", tc.x, tc.seed)
		require.Empty(t, cmp.Diff(inputs("y", intLit(tc.x)), e.outputs(x), protocmp.Transform()))
	}
}

func TestCacheUserHash(t *testing.T) {
	t.Parallel()
	e, _ := setupCache(t)
	task := cachedTask("t", false)
	wf := e.register(workflow("hashed", "a", taskNode("a", task, "start-node")), nil, task)
	hashed := func(v int64, h string) *corev1.Literal {
		l := intLit(v)
		l.Hash = h
		return l
	}
	e.launch("ex1", wf, inputs("x", hashed(1, "h1")), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x, "a"))

	// Another value with the same user hash is the same input.
	e.launch("ex2", wf, inputs("x", hashed(2, "h1")), nil)
	x = e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "HIT", e.cacheStatus(x, "a"))
	require.Equal(t, int64(1), e.outputs(x).GetLiterals()["y"].GetScalar().GetPrimitive().GetInteger(), "the cached outputs")

	// The same value with another hash is not.
	e.launch("ex3", wf, inputs("x", hashed(1, "h2")), nil)
	x = e.waitPhase("ex3", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x, "a"))
	require.Equal(t, 2, e.script.startsOf("a"))
}

func TestCacheOverwrite(t *testing.T) {
	t.Parallel()
	e, cat := setupCache(t)
	task := cachedTask("t", false)
	wf := e.register(workflow("ow", "a", taskNode("a", task, "start-node")), nil, task)
	in := inputs("x", intLit(1))
	e.launch("ex1", wf, in, nil)
	e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	first := cat.artifact(t, task, in)

	e.launch("ex2", wf, in, &adminv1.ExecutionSpec{OverwriteCache: true})
	x := e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, 2, e.script.startsOf("a"), "overwrite runs the task")
	require.Equal(t, []string{"RUNNING SKIPPED DISABLED", "SUCCEEDED POPULATED DISABLED"}, e.cacheEvents(x, "a"))
	art := cat.artifact(t, task, in)
	require.Equal(t, first.GetId(), art.GetId(), "the tag's artifact is replaced in place")
	require.Equal(t, "p/d/ex2", art.GetMetadata().GetKeyMap()["execution"])
	require.True(t, art.GetUpdatedAt().AsTime().After(first.GetUpdatedAt().AsTime()) || art.GetUpdatedAt().AsTime().Equal(first.GetUpdatedAt().AsTime()))

	e.launch("ex3", wf, in, nil)
	x = e.waitPhase("ex3", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "HIT", e.cacheStatus(x, "a"))
	require.Equal(t, "ex2", e.taskMeta(x, "a").GetCatalogKey().GetSourceTaskExecution().GetNodeExecutionId().GetExecutionId().GetName())
}

func TestCacheMaxAge(t *testing.T) {
	t.Parallel()
	e, cat := setupCache(t, func(o *propeller.Options) { o.CacheMaxAge = time.Hour })
	task := cachedTask("t", false)
	wf := e.register(workflow("aged", "a", taskNode("a", task, "start-node")), nil, task)
	in := inputs("x", intLit(1))
	// Stored two hours ago (by the catalog's clock).
	cat.offset.Store(int64(-2 * time.Hour))
	e.launch("ex1", wf, in, nil)
	e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	cat.offset.Store(0)

	e.launch("ex2", wf, in, nil)
	x := e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x, "a"), "an artifact older than the max age is a miss")
	require.Equal(t, 2, e.script.startsOf("a"))
	require.Equal(t, "p/d/ex2", cat.artifact(t, task, in).GetMetadata().GetKeyMap()["execution"], "and is replaced")

	e.launch("ex3", wf, in, nil)
	x = e.waitPhase("ex3", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "HIT", e.cacheStatus(x, "a"))
	require.Equal(t, 2, e.script.startsOf("a"))
}

func TestCacheMissingFileRepopulates(t *testing.T) {
	t.Parallel()
	e, _ := setupCache(t)
	fileType := &corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: &corev1.BlobType{}}}
	task := cachedTask("t", false)
	task.Interface = &corev1.TypedInterface{Inputs: vars("x", fileType), Outputs: vars("x", fileType)}
	wfT := workflow("files", "a", taskNode("a", task, "start-node"))
	wfT.Interface = &corev1.TypedInterface{Inputs: vars("x", fileType), Outputs: vars("y", fileType)}
	wf := e.register(wfT, nil, task)
	// The task echoes its file; the user hash makes two files one input.
	file := func(key string) *corev1.Literal {
		require.NoError(t, e.blobs.WriteAll(e.ctx, key, []byte(key)))
		return &corev1.Literal{Hash: "data-v1", Value: &corev1.Literal_Scalar{Scalar: &corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{
			Uri: e.blobs.URL(key), Metadata: &corev1.BlobMetadata{Type: &corev1.BlobType{}},
		}}}}}
	}
	uriOf := func(name string) string {
		return e.outputs(e.execByName(name)).GetLiterals()["y"].GetScalar().GetBlob().GetUri()
	}

	e.launch("ex1", wf, inputs("x", file("raw/one.txt")), nil)
	e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	e.launch("ex2", wf, inputs("x", file("raw/two.txt")), nil)
	x := e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "HIT", e.cacheStatus(x, "a"))
	require.Equal(t, e.blobs.URL("raw/one.txt"), uriOf("ex2"), "the cached file")

	require.NoError(t, e.blobs.Delete(e.ctx, "raw/one.txt"))
	e.launch("ex3", wf, inputs("x", file("raw/three.txt")), nil)
	x = e.waitPhase("ex3", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x, "a"), "a hit whose file is gone is a miss")
	require.Equal(t, 2, e.script.startsOf("a"))

	e.launch("ex4", wf, inputs("x", file("raw/four.txt")), nil)
	x = e.waitPhase("ex4", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "HIT", e.cacheStatus(x, "a"))
	require.Equal(t, e.blobs.URL("raw/three.txt"), uriOf("ex4"), "the repopulated file")
}

func TestCacheCatalogFailureNeverFailsTheNode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		fail   []string
		serial bool
		events []string
	}{
		{"lookup", []string{"GetArtifact"}, false, []string{"RUNNING LOOKUP_FAILURE DISABLED", "SUCCEEDED POPULATED DISABLED"}},
		{"put", []string{"CreateArtifact"}, false, []string{"RUNNING MISS DISABLED", "SUCCEEDED PUT_FAILURE DISABLED"}},
		{"everything", []string{"GetArtifact", "CreateArtifact", "GetOrExtendReservation"}, true, []string{"QUEUED LOOKUP_FAILURE DISABLED", "RUNNING LOOKUP_FAILURE FAILURE", "SUCCEEDED PUT_FAILURE FAILURE"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, cat := setupCache(t)
			task := cachedTask("t", tc.serial)
			wf := e.register(workflow("flaky", "a", taskNode("a", task, "start-node")), nil, task)
			for _, m := range tc.fail {
				cat.setFail(m, true)
			}
			e.launch("ex1", wf, inputs("x", intLit(3)), nil)
			x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
			require.Equal(t, tc.events, e.cacheEvents(x, "a"))
			require.Empty(t, cmp.Diff(inputs("y", intLit(3)), e.outputs(x), protocmp.Transform()))
			require.Equal(t, 1, e.script.startsOf("a"))
		})
	}
}

func TestCacheNodeMetadataOverridesTask(t *testing.T) {
	t.Parallel()
	yes, no, v2 := true, false, "2"
	cases := []struct {
		name   string
		task   *corev1.TaskTemplate
		meta   *corev1.NodeMetadata
		cached bool
	}{
		{"task cached", cachedTask("t", false), nil, true},
		{"node turns it off", cachedTask("t", false), &corev1.NodeMetadata{Cacheable: &no}, false},
		{"node turns it on", scriptTask("t", 0, 0), &corev1.NodeMetadata{Cacheable: &yes, CacheVersion: &v2}, true},
		{"no cache version", scriptTask("t", 0, 0), &corev1.NodeMetadata{Cacheable: &yes}, false},
		{"task not cached", scriptTask("t", 0, 0), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, cat := setupCache(t)
			n := taskNode("a", tc.task, "start-node")
			n.Metadata = tc.meta
			wf := e.register(workflow("wf", "a", n), nil, tc.task)
			for i := range 2 {
				e.launch(fmt.Sprint("ex", i), wf, inputs("x", intLit(1)), nil)
				e.waitPhase(fmt.Sprint("ex", i), corev1.WorkflowExecution_PHASE_SUCCEEDED)
			}
			if tc.cached {
				require.Equal(t, 1, e.script.startsOf("a"))
				require.Equal(t, "HIT", e.cacheStatus(e.execByName("ex1"), "a"))
				return
			}
			require.Equal(t, 2, e.script.startsOf("a"))
			require.Zero(t, cat.total(), "an uncached node makes no catalog call")
			require.Nil(t, e.taskMeta(e.execByName("ex1"), "a"))
		})
	}
}

func TestCacheTaskWithoutOutputs(t *testing.T) {
	t.Parallel()
	e, _ := setupCache(t)
	task := cachedTask("t", false)
	task.Interface.Outputs = nil
	wfT := workflow("void", "a", taskNode("a", task, "start-node"))
	wfT.Interface.Outputs, wfT.Outputs = nil, nil
	wf := e.register(wfT, nil, task)
	for i, want := range []string{"POPULATED", "HIT"} {
		name := fmt.Sprint("ex", i)
		e.launch(name, wf, inputs("x", intLit(1)), nil)
		x := e.waitPhase(name, corev1.WorkflowExecution_PHASE_SUCCEEDED)
		require.Equal(t, want, e.cacheStatus(x, "a"))
	}
	require.Equal(t, 1, e.script.startsOf("a"))
}

func TestCacheMapElements(t *testing.T) {
	t.Parallel()
	e, _ := setupCache(t)
	task := cachedTask("t", false)
	wf := e.register(mapWorkflow(task, 1), nil, task)
	cases := []struct {
		xs     []int64
		starts int
		status string
	}{
		{[]int64{1, 2, 3}, 3, "POPULATED"},
		{[]int64{2, 3, 4}, 4, "POPULATED"}, // only 4 runs
		{[]int64{4, 1}, 4, "HIT"},
	}
	for i, tc := range cases {
		name := fmt.Sprint("ex", i)
		e.launch(name, wf, inputs("xs", intList(tc.xs...)), nil)
		x := e.waitPhase(name, corev1.WorkflowExecution_PHASE_SUCCEEDED)
		require.Empty(t, cmp.Diff(inputs("ys", intList(tc.xs...)), e.outputs(x), protocmp.Transform()), "xs=%v", tc.xs)
		require.Equal(t, tc.starts, e.script.totalStarts(), "xs=%v", tc.xs)
		require.Equal(t, tc.status, e.cacheStatus(x, "arr"), "xs=%v", tc.xs)
	}
}

func TestCacheMapElementsAcrossRounds(t *testing.T) {
	t.Parallel()
	e, _ := setupCache(t)
	task := cachedTask("t", false)
	wf := e.register(mapWorkflow(task, 1), nil, task)
	e.launch("ex0", wf, inputs("xs", intList(1, 2)), nil)
	e.waitPhase("ex0", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	// Element 2 (x=5) blocks, so the node does not finish in the round
	// in which its other elements hit: their outputs must survive to a
	// later round.
	e.script.set("arr-2", "block")
	e.launch("ex1", wf, inputs("xs", intList(1, 2, 5)), nil)
	e.waitNode("ex1", "arr", "RUNNING")
	e.until(nil, "element 2 to run", func() bool { return len(e.script.runningNodes()) == 1 })
	e.script.release("arr-2")
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Empty(t, cmp.Diff(inputs("ys", intList(1, 2, 5)), e.outputs(x), protocmp.Transform()))
	require.Equal(t, 3, e.script.totalStarts())
}

func TestCacheSerializableRunsOnce(t *testing.T) {
	t.Parallel()
	// Ten executions on two workers, under the race detector and beside
	// other tests: a heartbeat that leaves the owner time to extend its
	// reservation.
	e, cat := setupCache(t, func(o *propeller.Options) { o.CacheHeartbeat = time.Second })
	task := cachedTask("t", true)
	wf := e.register(workflow("serial", "a", taskNode("a", task, "start-node")), nil, task)
	e.script.set("a", "block")
	names := make([]string, 10)
	for i := range names {
		names[i] = fmt.Sprint("ex", i)
		e.launch(names[i], wf, inputs("x", intLit(1)), nil)
	}
	phases := func() map[string]int {
		n := map[string]int{}
		for _, name := range names {
			n[e.nodePhases(e.execByName(name))["a"]]++
		}
		return n
	}
	e.until(cat, "one run and nine waiting", func() bool {
		p := phases()
		return p["RUNNING"] == 1 && p["QUEUED"] == 9
	})
	// While the task runs, its reservation is extended (every second; it
	// would lapse after 3s): the waiting runs never take it over.
	owner := ""
	for _, name := range names {
		if e.nodePhases(e.execByName(name))["a"] == "RUNNING" {
			owner = "p/d/" + name + "/a"
		}
	}
	e.until(cat, "ten heartbeats", func() bool { return cat.ownerCalls(owner) >= 5 })
	require.Equal(t, 1, e.script.startsOf("a"))
	require.Equal(t, map[string]int{"RUNNING": 1, "QUEUED": 9}, phases())

	e.script.release("a")
	statuses := map[string]int{}
	for _, name := range names {
		x := e.waitPhase(name, corev1.WorkflowExecution_PHASE_SUCCEEDED)
		statuses[e.cacheStatus(x, "a")]++
		require.Empty(t, cmp.Diff(inputs("y", intLit(1)), e.outputs(x), protocmp.Transform()))
	}
	require.Equal(t, 1, e.script.startsOf("a"), "the task body ran once")
	require.Equal(t, map[string]int{"POPULATED": 1, "HIT": 9}, statuses)
	// Every reservation was released.
	require.Equal(t, "probe", cat.reserve(t, task, inputs("x", intLit(1)), "probe", time.Second).GetOwnerId())
}

func TestCacheReservationOfDeadOwnerIsTakenOver(t *testing.T) {
	t.Parallel()
	e, cat := setupCache(t)
	task := cachedTask("t", true)
	wf := e.register(workflow("dead", "a", taskNode("a", task, "start-node")), nil, task)
	in := inputs("x", intLit(1))
	// An owner that never extends its reservation: it lapses after three
	// heartbeats (0.9s).
	cat.reserve(t, task, in, "dead-replica", 300*time.Millisecond)
	e.launch("ex1", wf, in, nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, []string{"QUEUED MISS DISABLED", "RUNNING MISS ACQUIRED", "SUCCEEDED POPULATED RELEASED"}, e.cacheEvents(x, "a"))
	require.Equal(t, 1, e.script.startsOf("a"))
}

func TestCacheAbortReleasesReservation(t *testing.T) {
	t.Parallel()
	e, _ := setupCache(t, func(o *propeller.Options) { o.CacheHeartbeat = time.Minute })
	task := cachedTask("t", true)
	wf := e.register(workflow("abort", "a", taskNode("a", task, "start-node")), nil, task)
	e.script.set("a", "block")
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	e.waitNode("ex1", "a", "RUNNING")
	e.launch("ex2", wf, inputs("x", intLit(1)), nil)
	e.waitNode("ex2", "a", "QUEUED")

	// With a one-minute heartbeat, only the release wakes ex2 in time.
	e.requestAbort("ex1", "stop")
	e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_ABORTED)
	e.waitNode("ex2", "a", "RUNNING")
	e.script.release("a")
	x := e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x, "a"))
	require.Equal(t, 2, e.script.startsOf("a"))
}

func TestCacheFailedOwnerReleasesReservation(t *testing.T) {
	t.Parallel()
	e, _ := setupCache(t, func(o *propeller.Options) { o.CacheHeartbeat = time.Minute })
	task := cachedTask("t", true)
	wfT := workflow("fail", "a", taskNode("a", task, "start-node"))
	wf := e.register(wfT, nil, task)
	e.script.set("a", "block", "ok")
	e.launch("ex1", wf, inputs("x", intLit(1)), nil)
	e.waitNode("ex1", "a", "RUNNING")
	e.launch("ex2", wf, inputs("x", intLit(1)), nil)
	e.waitNode("ex2", "a", "QUEUED")
	e.script.set("a", "fatal")
	e.script.release("a")
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_FAILED)
	require.Equal(t, "RELEASED", lastReservation(e.cacheEvents(x, "a")))
	x = e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_FAILED)
	require.Equal(t, 2, e.script.startsOf("a"), "the waiting run took over and ran")
	require.Equal(t, "RELEASED", lastReservation(e.cacheEvents(x, "a")))
}

func lastReservation(events []string) string {
	if len(events) == 0 {
		return ""
	}
	var phase, cache, res string
	_, _ = fmt.Sscan(events[len(events)-1], &phase, &cache, &res)
	return res
}

func TestCacheLargeOutputsLiveInTheCatalog(t *testing.T) {
	t.Parallel()
	e, cat := setupCache(t)
	task := cachedTask("t", false)
	task.Interface = &corev1.TypedInterface{Inputs: vars("x", strType), Outputs: vars("x", strType)}
	wfT := workflow("big", "a", taskNode("a", task, "start-node"))
	wfT.Interface = &corev1.TypedInterface{Inputs: vars("x", strType), Outputs: vars("y", strType)}
	wf := e.register(wfT, nil, task)
	big := strings.Repeat("0123456789abcdef", 8<<10) // 128 KiB: kept in blobs, not inline
	e.launch("ex1", wf, inputs("x", strLit(big)), nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x, "a"))
	require.Greater(t, cat.artifact(t, task, inputs("x", strLit(big))).GetSizeBytes(), int64(128<<10), "the artifact holds the value, not a URI")

	// Retention deletes the producing execution's blobs: the entry stays usable.
	keys, err := e.blobs.List(e.ctx, "metadata/p/d/ex1/")
	require.NoError(t, err)
	require.NotEmpty(t, keys)
	for _, k := range keys {
		require.NoError(t, e.blobs.Delete(e.ctx, k))
	}
	e.launch("ex2", wf, inputs("x", strLit(big)), nil)
	x = e.waitPhase("ex2", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "HIT", e.cacheStatus(x, "a"))
	require.Equal(t, big, e.nodeOutputs(e.node(x, "a")).GetLiterals()["x"].GetScalar().GetPrimitive().GetStringValue())
	require.Equal(t, big, e.outputs(x).GetLiterals()["y"].GetScalar().GetPrimitive().GetStringValue())
	require.Equal(t, 1, e.script.startsOf("a"))
}

func TestCacheEntryOfTheWrongTypeIsReplaced(t *testing.T) {
	t.Parallel()
	e, cat := setupCache(t)
	task := cachedTask("t", false)
	wf := e.register(workflow("typed", "a", taskNode("a", task, "start-node")), nil, task)
	in := inputs("x", intLit(1))
	ds, tag := key(task, in)
	svc := cat.svc.Load()
	_, err := svc.CreateDataset(e.ctx, connect.NewRequest(&datacatalogv1.CreateDatasetRequest{Dataset: &datacatalogv1.Dataset{Id: ds}}))
	require.NoError(t, err)
	_, err = svc.CreateArtifact(e.ctx, connect.NewRequest(&datacatalogv1.CreateArtifactRequest{Artifact: &datacatalogv1.Artifact{
		Id: "corrupt", Dataset: ds, Data: []*datacatalogv1.ArtifactData{{Name: "x", Value: strLit("not a number")}}, Tags: []*datacatalogv1.Tag{{Name: tag}},
	}}))
	require.NoError(t, err)

	e.launch("ex1", wf, in, nil)
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "POPULATED", e.cacheStatus(x, "a"), "outputs that do not fit the interface are a miss")
	require.Empty(t, cmp.Diff(inputs("y", intLit(1)), e.outputs(x), protocmp.Transform()))
	art := cat.artifact(t, task, in)
	require.Equal(t, "corrupt", art.GetId(), "the entry is replaced under its tag")
	require.Equal(t, int64(1), art.GetData()[0].GetValue().GetScalar().GetPrimitive().GetInteger())
}

func TestCacheLapsedReservationIsLetGo(t *testing.T) {
	t.Parallel()
	e, cat := setupCache(t)
	task := cachedTask("t", true)
	wf := e.register(workflow("lapse", "a", taskNode("a", task, "start-node")), nil, task)
	in := inputs("x", intLit(1))
	e.script.set("a", "block")
	e.launch("ex1", wf, in, nil)
	e.waitNode("ex1", "a", "RUNNING")
	// An hour passes for the catalog: the reservation has expired and
	// another owner takes it.
	cat.offset.Store(int64(time.Hour))
	require.Equal(t, "thief", cat.reserve(t, task, in, "thief", time.Hour).GetOwnerId())
	cat.offset.Store(0)
	calls := cat.ownerCalls("p/d/ex1/a")
	e.until(cat, "the next heartbeat", func() bool { return cat.ownerCalls("p/d/ex1/a") > calls })
	e.script.release("a")
	x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)
	require.Equal(t, "SUCCEEDED POPULATED FAILURE", e.cacheEvents(x, "a")[len(e.cacheEvents(x, "a"))-1], "the node ran on without its reservation")
	require.Zero(t, cat.count("ReleaseReservation"), "and did not release the other owner's")
	require.Equal(t, "thief", cat.reserve(t, task, in, "probe", time.Second).GetOwnerId())
}
