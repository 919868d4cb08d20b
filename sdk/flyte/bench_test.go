package flyte_test

import (
	"context"
	"testing"

	"github.com/flyte-go/flyte/sdk/flyte"
)

type benchIn struct{ Xs []int }
type benchOut struct{ Ys []int }

var benchMap = flyte.NewWorkflow("bench_map", func(wf *flyte.Builder, in *benchIn, out *benchOut) error {
	m := flyte.Map(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Each(&i.X, flyte.Input(wf, &in.Xs))) })
	return wf.Return(flyte.Bind(&out.Ys, flyte.MapOut(m, func(o *numOut) *int { return &o.Y })))
})

// BenchmarkRunMap measures a local run of a map over 1,000 elements: the
// cost per element of converting values and scheduling a task attempt.
func BenchmarkRunMap(b *testing.B) {
	xs := make([]int, 1000)
	for i := range xs {
		xs[i] = i
	}
	dir := b.TempDir()
	b.ResetTimer()
	for b.Loop() {
		if _, err := flyte.Run(context.Background(), benchMap, benchIn{Xs: xs}, flyte.WithDataDir(dir)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(xs)), "ns/element")
}
