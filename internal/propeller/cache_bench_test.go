package propeller_test

import (
	"fmt"
	"testing"
	"time"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/datacatalog"
	"github.com/flyte-go/flyte/internal/propeller"
	"github.com/flyte-go/flyte/internal/store"
	"github.com/stretchr/testify/require"
)

// BenchmarkChain1000CachedEcho runs a chain of 1,000 cached echo nodes whose
// outputs a first execution stored, so that every node of the timed
// executions is a cache hit, and reports the cost per node (target: at
// most 1.5 ms on SQLite). The data catalog is the in-process service over
// the engine's database, as in `flyte start`.
func BenchmarkChain1000CachedEcho(b *testing.B) {
	forEachBenchDriver(b, func(b *testing.B, driver string) {
		e := newBenchEnv(b, driver, func(o *propeller.Options, st propeller.ExecStore) {
			cs, ok := st.(store.CatalogStore)
			require.True(b, ok, "the %s store implements store.CatalogStore", driver)
			o.Catalog = datacatalog.New(cs, datacatalog.Options{})
		})
		task := echoTask("echo", intType)
		task.Metadata.Discoverable, task.Metadata.DiscoveryVersion = true, "1"
		// Node i adds nothing to its input, so every node has the same
		// inputs: give each its own cache version to make 1,000 entries.
		wfT := chainWorkflow("cached1000", task, 1000)
		for i, n := range wfT.GetNodes() {
			v := fmt.Sprint(i)
			n.Metadata = nodeCacheVersion(v)
		}
		wf := e.register(wfT, task)
		e.launch("populate", wf, inputs("x", intLit(1)))
		e.waitSucceeded(5*time.Minute, "populate")
		var total time.Duration
		i := 0
		for b.Loop() {
			name := fmt.Sprintf("ex%d", i)
			i++
			start := time.Now()
			e.launch(name, wf, inputs("x", intLit(1)))
			e.waitSucceeded(5*time.Minute, name)
			total += time.Since(start)
		}
		b.ReportMetric(float64(total.Microseconds())/1000/float64(i*1000), "ms/node")
		e.mu.Lock()
		_, ran := e.started[fmt.Sprint("ex", i-1)]
		e.mu.Unlock()
		require.False(b, ran, "every node of the timed executions hit the cache")
	})
}

func nodeCacheVersion(v string) *corev1.NodeMetadata {
	return &corev1.NodeMetadata{CacheVersion: &v}
}
