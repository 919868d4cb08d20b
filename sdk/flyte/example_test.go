package flyte_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/flyte-go/flyte/sdk/flyte"
)

// SquareIn and SquareOut are the inputs and outputs of Square.
type SquareIn struct{ X int }

// SquareOut are the outputs of Square.
type SquareOut struct{ Y int }

// Square is a task: a Go function from an input struct to an output struct.
var Square = flyte.NewTask("ex_square", func(_ context.Context, in SquareIn) (SquareOut, error) {
	return SquareOut{Y: in.X * in.X}, nil
})

// SumIn are the inputs of Sum.
type SumIn struct{ Xs []int }

// SumOut are the outputs of Sum.
type SumOut struct{ Total int }

// Sum adds numbers; it is cached under version "v1".
var Sum = flyte.NewTask("ex_sum", func(_ context.Context, in SumIn) (SumOut, error) {
	t := 0
	for _, x := range in.Xs {
		t += x
	}
	return SumOut{Total: t}, nil
}, flyte.Cache("v1"))

// SumOfSquaresIn are the inputs of SumOfSquares.
type SumOfSquaresIn struct{ N int }

// SumOfSquaresOut are the outputs of SumOfSquares.
type SumOfSquaresOut struct {
	Squares []int
	Total   int
}

// SumOfSquares squares 0..N-1 in a map node and sums the squares.
var SumOfSquares = flyte.NewWorkflow("ex_sum_of_squares", func(wf *flyte.Builder, in *SumOfSquaresIn, out *SumOfSquaresOut) error {
	nums := flyte.Call(wf, Range, func(i *RangeIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.N, flyte.Input(wf, &in.N)))
	})
	squares := flyte.Map(wf, Square, func(i *SquareIn) []flyte.Binding {
		return flyte.Bindings(flyte.Each(&i.X, flyte.Out(nums, func(o *RangeOut) *[]int { return &o.Nums })))
	}, flyte.Parallelism(4))
	ys := flyte.MapOut(squares, func(o *SquareOut) *int { return &o.Y })
	total := flyte.Call(wf, Sum, func(i *SumIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.Xs, ys)) })
	return wf.Return(
		flyte.Bind(&out.Squares, ys),
		flyte.Bind(&out.Total, flyte.Out(total, func(o *SumOut) *int { return &o.Total })))
})

// RangeIn are the inputs of Range.
type RangeIn struct{ N int }

// RangeOut are the outputs of Range.
type RangeOut struct{ Nums []int }

// Range returns 0..N-1.
var Range = flyte.NewTask("ex_range", func(_ context.Context, in RangeIn) (RangeOut, error) {
	out := RangeOut{Nums: []int{}}
	for i := range in.N {
		out.Nums = append(out.Nums, i)
	}
	return out, nil
})

// A workflow runs in this process with Run: values take the same way
// through literals as on the platform.
func Example() {
	out, err := flyte.Run(context.Background(), SumOfSquares, SumOfSquaresIn{N: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.Squares, out.Total)
	// Output: [0 1 4 9] 14
}

// If chooses a node by a condition on workflow values; every case returns
// a node of the same output type, and the branch node has its outputs.
func ExampleIf() {
	type in struct{ X int }
	type out struct{ Y int }
	wf := flyte.NewWorkflow("ex_if", func(wf *flyte.Builder, i *in, o *out) error {
		x := flyte.Input(wf, &i.X)
		b := flyte.If(wf, flyte.Gt(x, flyte.Const(10)), func(c *flyte.Builder) *flyte.Node[SquareOut] {
			return flyte.Call(c, Square, func(s *SquareIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&s.X, x)) })
		}).Else(func(c *flyte.Builder) *flyte.Node[SquareOut] {
			return flyte.Call(c, Square, func(s *SquareIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&s.X, flyte.Const(0))) })
		})
		return wf.Return(flyte.Bind(&o.Y, flyte.Out(b, func(s *SquareOut) *int { return &s.Y })))
	})
	for _, x := range []int{12, 3} {
		got, err := flyte.Run(context.Background(), wf, in{X: x})
		fmt.Println(got.Y, err)
	}
	// Output:
	// 144 <nil>
	// 0 <nil>
}

// A dynamic task builds its workflow at run time from concrete inputs: here
// one node per word.
func ExampleNewDynamic() {
	type in struct{ Words []string }
	type out struct{ Lengths []int }
	length := flyte.NewTask("ex_length", func(_ context.Context, in struct{ Word string }) (struct{ N int }, error) {
		return struct{ N int }{len(in.Word)}, nil
	})
	lengths := flyte.NewDynamic("ex_lengths", func(_ context.Context, wf *flyte.Builder, i in, o *out) error {
		var ns []flyte.Value[int]
		for _, w := range i.Words {
			n := flyte.Call(wf, length, func(l *struct{ Word string }) []flyte.Binding {
				return flyte.Bindings(flyte.Bind(&l.Word, flyte.Const(w)))
			})
			ns = append(ns, flyte.Out(n, func(o *struct{ N int }) *int { return &o.N }))
		}
		return wf.Return(flyte.Bind(&o.Lengths, flyte.List(ns...)))
	})
	got, err := flyte.Run(context.Background(), lengths, in{Words: []string{"go", "flyte", "!"}})
	fmt.Println(got.Lengths, err)
	// Output: [2 5 1] <nil>
}

// Errors say who caused them and whether a retry may help; errors.As finds
// the kind through any wrapping.
func ExampleRecoverable() {
	attempts := 0
	fetch := flyte.NewTask("ex_fetch", func(context.Context, flyte.None) (flyte.None, error) {
		attempts++
		return flyte.None{}, flyte.Recoverable(flyte.SystemError(errors.New("service unavailable")))
	}, flyte.Retries(2))
	_, err := flyte.Run(context.Background(), fetch, flyte.None{})
	var te *flyte.TaskError
	if errors.As(err, &te) {
		fmt.Println(attempts, "attempts; system:", te.System, "recoverable:", te.Recoverable)
	}
	fmt.Println(err)
	// Output:
	// 3 attempts; system: true recoverable: true
	// task ex_fetch: attempt 3 of 3: service unavailable
}

// Launch plans add defaults, fixed inputs, a schedule and notifications.
// The register command's --dry-run shows what would be registered.
func ExampleNewLaunchPlan() {
	nightly := flyte.NewLaunchPlan("ex_nightly", SumOfSquares,
		flyte.Fixed(func(in *SumOfSquaresIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&in.N, flyte.Const(100))) }),
		flyte.Cron("0 3 * * *"),
		flyte.Notify(flyte.Email("oncall@example.com"), flyte.Failed))
	var stdout bytes.Buffer
	app := flyte.App{Entities: []flyte.Entity{nightly}, Stdout: &stdout, Stderr: os.Stderr}
	app.Run(context.Background(), []string{"register", "-p", "demo", "-d", "development", "--version", "v1",
		"--command", "/bin/app", "--dry-run", "-o", "json"})
	type entity struct {
		ID struct{ Name string } `json:"id"`
	}
	var file struct {
		Tasks, Workflows, LaunchPlans []entity
	}
	if err := json.Unmarshal(stdout.Bytes(), &file); err != nil {
		fmt.Println(err)
		return
	}
	for _, kind := range []struct {
		name string
		list []entity
	}{{"tasks", file.Tasks}, {"workflows", file.Workflows}, {"launch plans", file.LaunchPlans}} {
		var names []string
		for _, e := range kind.list {
			names = append(names, e.ID.Name)
		}
		fmt.Printf("%s: %s\n", kind.name, strings.Join(names, ", "))
	}
	// Output:
	// tasks: ex_range, ex_square, ex_sum
	// workflows: ex_sum_of_squares
	// launch plans: ex_nightly, ex_sum_of_squares
}
