// Package pipeline is an example data pipeline written with the Go SDK
// (github.com/flyte-go/flyte/sdk/flyte): it generates shards of numbers,
// summarizes every shard in a map node, aggregates the summaries in a
// cached task, checks every shard in a dynamic workflow (one node per
// shard, known only at run time), labels the result with a conditional and
// writes a report file.
//
// The program in ../cmd/pipeline registers it, runs it locally, and is the
// task entrypoint the platform runs.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flyte-go/flyte/sdk/flyte"
)

// Shard is one slice of the generated data.
type Shard struct {
	ID     int
	Values []float64
}

// Stats summarizes numbers.
type Stats struct {
	Count int
	Sum   float64
	Min   float64
	Max   float64
}

// Mean is Sum / Count, or 0 for no numbers.
func (s Stats) Mean() float64 {
	if s.Count == 0 {
		return 0
	}
	return s.Sum / float64(s.Count)
}

// Level labels the mean of the data.
type Level string

// EnumValues makes Level a Flyte enum.
func (Level) EnumValues() []string { return []string{"low", "high"} }

// GenerateIn are the inputs of Generate.
type GenerateIn struct {
	Shards int
	Size   int
	Seed   int64
}

// GenerateOut are the outputs of Generate.
type GenerateOut struct{ Shards []Shard }

// Generate makes Shards shards of Size pseudo-random numbers in [0, 100),
// the same for the same seed.
var Generate = flyte.NewTask("generate", func(_ context.Context, in GenerateIn) (GenerateOut, error) {
	if in.Shards < 1 || in.Size < 1 {
		return GenerateOut{}, fmt.Errorf("shards (%d) and size (%d) must be at least 1", in.Shards, in.Size)
	}
	r := rand.New(rand.NewPCG(uint64(in.Seed), 42))
	out := GenerateOut{Shards: make([]Shard, in.Shards)}
	for i := range out.Shards {
		vs := make([]float64, in.Size)
		for j := range vs {
			vs[j] = math.Round(r.Float64()*10000) / 100
		}
		out.Shards[i] = Shard{ID: i, Values: vs}
	}
	return out, nil
}, flyte.Description("Generates shards of pseudo-random numbers."))

// SummarizeIn are the inputs of Summarize.
type SummarizeIn struct{ Shard Shard }

// SummarizeOut are the outputs of Summarize.
type SummarizeOut struct{ Stats Stats }

// Summarize computes the statistics of one shard; the map node runs it once
// per shard.
var Summarize = flyte.NewTask("summarize_shard", func(_ context.Context, in SummarizeIn) (SummarizeOut, error) {
	return SummarizeOut{Stats: summarize(in.Shard.Values)}, nil
}, flyte.Retries(2), flyte.Timeout(time.Minute))

func summarize(vs []float64) Stats {
	s := Stats{Count: len(vs)}
	for i, v := range vs {
		s.Sum += v
		if i == 0 || v < s.Min {
			s.Min = v
		}
		if i == 0 || v > s.Max {
			s.Max = v
		}
	}
	return s
}

// AggregateIn are the inputs of Aggregate.
type AggregateIn struct{ Parts []Stats }

// AggregateOut are the outputs of Aggregate.
type AggregateOut struct {
	Total Stats
	Mean  float64
}

// Aggregate merges the shards' statistics. It is cached: the same parts
// give the same total without running again.
var Aggregate = flyte.NewTask("aggregate", func(_ context.Context, in AggregateIn) (AggregateOut, error) {
	var t Stats
	for i, p := range in.Parts {
		if i == 0 || p.Min < t.Min {
			t.Min = p.Min
		}
		if i == 0 || p.Max > t.Max {
			t.Max = p.Max
		}
		t.Count += p.Count
		t.Sum += p.Sum
	}
	return AggregateOut{Total: t, Mean: math.Round(t.Mean()*100) / 100}, nil
}, flyte.Cache("v1"), flyte.CacheSerializable())

// CheckIn are the inputs of Check.
type CheckIn struct {
	Shard Shard
	Limit float64
}

// CheckOut are the outputs of Check.
type CheckOut struct{ OK bool }

// Check verifies that every value of a shard is within [0, Limit).
var Check = flyte.NewTask("check", func(_ context.Context, in CheckIn) (CheckOut, error) {
	for _, v := range in.Shard.Values {
		if v < 0 || v >= in.Limit {
			return CheckOut{OK: false}, nil
		}
	}
	return CheckOut{OK: true}, nil
})

// CheckAllIn are the inputs of CheckAll.
type CheckAllIn struct{ Shards []Shard }

// CheckAllOut are the outputs of CheckAll.
type CheckAllOut struct{ Passed []bool }

// CheckAll is a dynamic workflow: it runs with the concrete shards and adds
// one Check node per shard, so the shape of its work is known only at run
// time.
var CheckAll = flyte.NewDynamic("check_all", func(_ context.Context, wf *flyte.Builder, in CheckAllIn, out *CheckAllOut) error {
	var passed []flyte.Value[bool]
	for _, s := range in.Shards {
		n := flyte.Call(wf, Check, func(i *CheckIn) []flyte.Binding {
			return flyte.Bindings(flyte.Bind(&i.Shard, flyte.Const(s)), flyte.Bind(&i.Limit, flyte.Const(100.0)))
		}, flyte.ID(fmt.Sprintf("check-%d", s.ID)))
		passed = append(passed, flyte.Out(n, func(o *CheckOut) *bool { return &o.OK }))
	}
	return wf.Return(flyte.Bind(&out.Passed, flyte.List(passed...)))
})

// LabelIn are the inputs of Label.
type LabelIn struct {
	Mean  float64
	Level Level
}

// LabelOut are the outputs of Label.
type LabelOut struct{ Text string }

// Label describes the mean with its level.
var Label = flyte.NewTask("label", func(_ context.Context, in LabelIn) (LabelOut, error) {
	return LabelOut{Text: fmt.Sprintf("%s: mean %.2f", in.Level, in.Mean)}, nil
})

// ReportIn are the inputs of Report.
type ReportIn struct {
	Total  Stats
	Label  string
	Checks []bool
	Title  *string
}

// ReportOut are the outputs of Report.
type ReportOut struct{ Report flyte.File }

// Report writes a Markdown report; the SDK uploads the file.
var Report = flyte.NewTask("report", func(ctx context.Context, in ReportIn) (ReportOut, error) {
	title := "Report"
	if in.Title != nil {
		title = *in.Title
	}
	failed := 0
	for _, ok := range in.Checks {
		if !ok {
			failed++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	fmt.Fprintf(&b, "- values: %d\n- sum: %.2f\n- min: %.2f\n- max: %.2f\n- %s\n- shards checked: %d, failed: %d\n",
		in.Total.Count, in.Total.Sum, in.Total.Min, in.Total.Max, in.Label, len(in.Checks), failed)
	p := filepath.Join(flyte.TaskDir(ctx), "report.md")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		return ReportOut{}, flyte.Recoverable(flyte.SystemError(err))
	}
	if failed > 0 {
		return ReportOut{}, errors.New("some shards failed their checks")
	}
	return ReportOut{Report: flyte.File{Path: p}}, nil
})

// In are the inputs of the pipeline.
type In struct {
	Shards    int
	Size      int
	Seed      int64
	Threshold float64
	Title     *string
}

// Out are the outputs of the pipeline.
type Out struct {
	Report flyte.File
	Mean   float64
	Label  string
}

// Pipeline is the workflow: generate → summarize each shard (map) →
// aggregate (cached) → label (conditional) and check (dynamic) → report.
var Pipeline = flyte.NewWorkflow("data_pipeline", func(wf *flyte.Builder, in *In, out *Out) error {
	gen := flyte.Call(wf, Generate, func(i *GenerateIn) []flyte.Binding {
		return flyte.Bindings(
			flyte.Bind(&i.Shards, flyte.Input(wf, &in.Shards)),
			flyte.Bind(&i.Size, flyte.Input(wf, &in.Size)),
			flyte.Bind(&i.Seed, flyte.Input(wf, &in.Seed)))
	})
	shards := flyte.Out(gen, func(o *GenerateOut) *[]Shard { return &o.Shards })

	sums := flyte.Map(wf, Summarize, func(i *SummarizeIn) []flyte.Binding {
		return flyte.Bindings(flyte.Each(&i.Shard, shards))
	}, flyte.Parallelism(4), flyte.ID("summarize"))

	agg := flyte.Call(wf, Aggregate, func(i *AggregateIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.Parts, flyte.MapOut(sums, func(o *SummarizeOut) *Stats { return &o.Stats })))
	})
	mean := flyte.Out(agg, func(o *AggregateOut) *float64 { return &o.Mean })

	checks := flyte.Call(wf, CheckAll, func(i *CheckAllIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.Shards, shards))
	})

	label := func(level Level) func(*flyte.Builder) *flyte.Node[LabelOut] {
		return func(c *flyte.Builder) *flyte.Node[LabelOut] {
			return flyte.Call(c, Label, func(i *LabelIn) []flyte.Binding {
				return flyte.Bindings(flyte.Bind(&i.Mean, mean), flyte.Bind(&i.Level, flyte.Const(level)))
			}, flyte.ID("label-"+string(level)))
		}
	}
	verdict := flyte.If(wf, flyte.Gt(mean, flyte.Input(wf, &in.Threshold)), label("high"), flyte.ID("verdict")).
		Else(label("low"))
	text := flyte.Out(verdict, func(o *LabelOut) *string { return &o.Text })

	rep := flyte.Call(wf, Report, func(i *ReportIn) []flyte.Binding {
		return flyte.Bindings(
			flyte.Bind(&i.Total, flyte.Out(agg, func(o *AggregateOut) *Stats { return &o.Total })),
			flyte.Bind(&i.Label, text),
			flyte.Bind(&i.Checks, flyte.Out(checks, func(o *CheckAllOut) *[]bool { return &o.Passed })),
			flyte.Bind(&i.Title, flyte.Input(wf, &in.Title)))
	})
	return wf.Return(
		flyte.Bind(&out.Report, flyte.Out(rep, func(o *ReportOut) *flyte.File { return &o.Report })),
		flyte.Bind(&out.Mean, mean),
		flyte.Bind(&out.Label, text))
}, flyte.Description("Generates data, summarizes it shard by shard and writes a report."),
	flyte.Defaults(func(in *In) []flyte.Binding {
		return flyte.Bindings(
			flyte.Bind(&in.Shards, flyte.Const(4)),
			flyte.Bind(&in.Size, flyte.Const(100)),
			flyte.Bind(&in.Seed, flyte.Const(int64(1))),
			flyte.Bind(&in.Threshold, flyte.Const(50.0)))
	}))

// Nightly runs the pipeline every night at 03:00 UTC with a fixed size,
// and mails on-call when it fails.
var Nightly = flyte.NewLaunchPlan("data_pipeline_nightly", Pipeline,
	flyte.Fixed(func(in *In) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&in.Size, flyte.Const(1000)))
	}),
	flyte.Defaults(func(in *In) []flyte.Binding {
		return flyte.Bindings(
			flyte.Bind(&in.Shards, flyte.Const(8)),
			flyte.Bind(&in.Seed, flyte.Const(int64(7))),
			flyte.Bind(&in.Threshold, flyte.Const(50.0)))
	}),
	flyte.Cron("0 3 * * *"),
	flyte.Notify(flyte.Email("oncall@example.com"), flyte.Failed, flyte.TimedOut))
