package flyte_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/sdk/flyte"
)

type pairIn struct {
	A   int
	B   string
	Opt *int
}

var pairTask = flyte.NewTask("bt_pair", func(_ context.Context, in pairIn) (numOut, error) {
	return numOut{Y: in.A}, nil
})

func TestBuilderErrors(t *testing.T) {
	t.Parallel()
	other := numIn{}
	foreign := flyte.NewWorkflow("bt_foreign", func(wf *flyte.Builder, in *numIn, out *numOut) error {
		return wf.Return(flyte.Bind(&out.Y, flyte.Input(wf, &in.X)))
	})
	var leaked flyte.Value[int]
	_ = flyte.NewWorkflow("bt_leak", func(wf *flyte.Builder, in *numIn, out *numOut) error {
		leaked = flyte.Input(wf, &in.X)
		return wf.Return(flyte.Bind(&out.Y, leaked))
	}).Err()
	_ = foreign
	for _, tc := range []struct {
		name  string
		build func(wf *flyte.Builder, in *numIn, out *numOut) error
		want  []string
	}{
		{"unbound input", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			n := flyte.Call(wf, pairTask, func(p *pairIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&p.A, flyte.Input(wf, &in.X))) })
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(n, func(o *numOut) *int { return &o.Y })))
		}, []string{"workflow bt_case: node bt_pair (task bt_pair): inputs not bound: b (str)"}},
		{"pointer outside the placeholder", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			n := flyte.Call(wf, square, func(*numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&other.X, flyte.Const(1))) })
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(n, func(o *numOut) *int { return &o.Y })))
		}, []string{"node rt_square (task rt_square): binding 0 does not point at a field of flyte_test.numIn"}},
		{"bound twice", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			n := flyte.Call(wf, square, func(i *numIn) []flyte.Binding {
				return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1)), flyte.Bind(&i.X, flyte.Const(2)))
			})
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(n, func(o *numOut) *int { return &o.Y })))
		}, []string{"node rt_square (task rt_square): x is bound twice"}},
		{"outputs not bound", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) })
			return wf.Return()
		}, []string{"outputs: y not bound (outputs of flyte_test.numOut: y)"}},
		{"no Return", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) })
			return nil
		}, []string{"the outputs are not bound: end the function with return wf.Return(...)"}},
		{"Each outside Map", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			n := flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Each(&i.X, flyte.Const([]int{1}))) })
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(n, func(o *numOut) *int { return &o.Y })))
		}, []string{"node rt_square (task rt_square): x: Each only applies to Map; use Bind"}},
		{"Map without Each", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			m := flyte.Map(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) })
			_ = flyte.MapOut(m, func(o *numOut) *int { return &o.Y })
			return wf.Return(flyte.Bind(&out.Y, flyte.Const(0)))
		}, []string{"node rt_square (map over task rt_square): no input is bound with Each, so there is nothing to map over"}},
		{"MapOut of a partial map", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			m := flyte.Map(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Each(&i.X, flyte.Const([]int{1}))) },
				flyte.MinSuccesses(1))
			_ = flyte.MapOut(m, func(o *numOut) *int { return &o.Y })
			return wf.Return(flyte.Bind(&out.Y, flyte.Const(0)))
		}, []string{"may succeed with failed elements, whose outputs are none: read them with MapOutOptional"}},
		{"branch without an end", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			flyte.If(wf, flyte.Gt(flyte.Input(wf, &in.X), flyte.Const(1)), func(c *flyte.Builder) *flyte.Node[numOut] {
				return flyte.Call(c, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) })
			})
			return wf.Return(flyte.Bind(&out.Y, flyte.Const(0)))
		}, []string{"branch node branch has no Else or Fail"}},
		{"case adding two nodes", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			b := flyte.If(wf, flyte.Gt(flyte.Input(wf, &in.X), flyte.Const(1)), func(c *flyte.Builder) *flyte.Node[numOut] {
				flyte.Call(c, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) })
				return flyte.Call(c, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(2))) })
			}).Fail("no")
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(b, func(o *numOut) *int { return &o.Y })))
		}, []string{"node branch (branch): case 1: the function must add exactly one node with the builder it receives; it added 2"}},
		{"reading a case node", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			var inner *flyte.Node[numOut]
			flyte.If(wf, flyte.Gt(flyte.Input(wf, &in.X), flyte.Const(1)), func(c *flyte.Builder) *flyte.Node[numOut] {
				inner = flyte.Call(c, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) })
				return inner
			}).Fail("no")
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(inner, func(o *numOut) *int { return &o.Y })))
		}, []string{"node rt_square (task rt_square) is the node of a branch case: read outputs from the node that If...Else returns"}},
		{"value of another workflow", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			return wf.Return(flyte.Bind(&out.Y, leaked))
		}, []string{"outputs: y: input x belongs to workflow bt_leak, not to workflow bt_case"}},
		{"zero Value", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			return wf.Return(flyte.Bind(&out.Y, flyte.Value[int]{}))
		}, []string{"the zero Value has no value"}},
		{"duplicate and invalid ids", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) }, flyte.ID("a"))
			flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) }, flyte.ID("a"))
			flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) }, flyte.ID("end-node"))
			return wf.Return(flyte.Bind(&out.Y, flyte.Const(0)))
		}, []string{`node id "a" is used twice`, `node id "end-node" is reserved`}},
		{"option that does not apply", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			n := flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) },
				flyte.Parallelism(3), flyte.Secrets(flyte.Secret{Group: "g"}))
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(n, func(o *numOut) *int { return &o.Y })))
		}, []string{"option Parallelism, Secrets does not apply to a task rt_square node"}},
		{"ordering on enums", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			b := flyte.If(wf, flyte.Gt(flyte.Const(level("low")), flyte.Const(level("high"))), func(c *flyte.Builder) *flyte.Node[numOut] {
				return flyte.Call(c, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) })
			}).Fail("no")
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(b, func(o *numOut) *int { return &o.Y })))
		}, []string{"case 1: enum values can only be compared with Eq and Ne"}},
		{"bad constant", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			n := flyte.Call(wf, labelTask, func(i *levelIn) []flyte.Binding {
				return flyte.Bindings(flyte.Bind(&i.L, flyte.Const(level("medium"))))
			})
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(n, func(o *numOut) *int { return &o.Y })))
		}, []string{`l: Const: "medium" is not a value of enum flyte_test.level`}},
		{"failure node reading a node", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			n := flyte.Call(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) })
			y := flyte.Out(n, func(o *numOut) *int { return &o.Y })
			flyte.OnFailure(wf, square, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, y)) })
			return wf.Return(flyte.Bind(&out.Y, y))
		}, []string{"failure node on-failure (task rt_square): x: a failure node may only bind workflow inputs and constants, not rt_square.y"}},
		{"nil task", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			var missing *flyte.Task[numIn, numOut]
			n := flyte.Call(wf, missing, func(i *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.X, flyte.Const(1))) })
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(n, func(o *numOut) *int { return &o.Y })))
		}, []string{"node nil (task nil): a nil *flyte.Task"}},
		{"the function's own error", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			return fmt.Errorf("not today")
		}, []string{"not today"}},
		{"a panic", func(wf *flyte.Builder, in *numIn, out *numOut) error {
			panic("bad wiring")
		}, []string{"the function panicked: bad wiring"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := flyte.NewWorkflow("bt_case", tc.build).Err()
			require.Error(t, err)
			for _, w := range tc.want {
				require.ErrorContains(t, err, w)
			}
		})
	}
}

type level string

func (level) EnumValues() []string { return []string{"low", "high"} }

type levelIn struct{ L level }

var labelTask = flyte.NewTask("bt_label", func(_ context.Context, in levelIn) (numOut, error) {
	return numOut{Y: len(in.L)}, nil
})

func TestDefinitionErrors(t *testing.T) {
	t.Parallel()
	type chanIn struct{ C chan int }
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"bad task name", flyte.NewTask("no spaces", func(context.Context, numIn) (numOut, error) { return numOut{}, nil }).Err(),
			`task no spaces: name "no spaces": want letters, digits, '_', '-' and '.'`},
		{"unmappable input", flyte.NewTask("bt_chan", func(context.Context, chanIn) (numOut, error) { return numOut{}, nil }).Err(),
			"task bt_chan: inputs: field C (c): chan int has no Flyte type"},
		{"non-struct output", flyte.NewTask("bt_int", func(context.Context, numIn) (int, error) { return 0, nil }).Err(),
			"outputs type int is not a struct"},
		{"node option on a task", flyte.NewTask("bt_opt", func(context.Context, numIn) (numOut, error) { return numOut{}, nil }, flyte.ID("x")).Err(),
			"option ID does not apply to a task"},
		{"cache ignore of no input", flyte.NewTask("bt_ignore", func(context.Context, numIn) (numOut, error) { return numOut{}, nil },
			flyte.Cache("1"), flyte.CacheIgnore("nope")).Err(), `ignored cache input "nope" is not an input of the task`},
		{"serializable without cache", flyte.NewTask("bt_ser", func(context.Context, numIn) (numOut, error) { return numOut{}, nil },
			flyte.CacheSerializable()).Err(), "cache_serializable needs the task to be cached"},
		{"bad resources", flyte.NewTask("bt_res", func(context.Context, numIn) (numOut, error) { return numOut{}, nil },
			flyte.Resources(flyte.Res{CPU: "lots"})).Err(), "lots"},
		{"secret without group", flyte.NewTask("bt_secret", func(context.Context, numIn) (numOut, error) { return numOut{}, nil },
			flyte.Secrets(flyte.Secret{Key: "k"})).Err(), "secret group is empty"},
		{"empty workflow", flyte.NewWorkflow("bt_empty", func(wf *flyte.Builder, _ *flyte.None, _ *flyte.None) error { return wf.Return() }).Err(),
			"workflow bt_empty: the workflow has no nodes"},
		{"fixed input bound by a node", flyte.NewWorkflow("bt_fixed", func(wf *flyte.Builder, _ *flyte.None, out *numOut) error {
			n := flyte.Call(wf, addTen, func(i *subIn) []flyte.Binding {
				return flyte.Bindings(flyte.Bind(&i.A, flyte.Const(1)), flyte.Bind(&i.B, flyte.Const(1)))
			})
			return wf.Return(flyte.Bind(&out.Y, flyte.Out(n, func(o *numOut) *int { return &o.Y })))
		}).Err(), "node rt_add_ten (launch plan rt_add_ten): b is fixed by the launch plan and cannot be bound"},
		{"kickoff input not a time", flyte.NewLaunchPlan("bt_kick", addSub, flyte.Cron("@daily"), flyte.KickoffInput("a")).Err(),
			"KickoffInput: input a is int, want time.Time"},
		{"kickoff without schedule", flyte.NewLaunchPlan("bt_kick2", addSub, flyte.KickoffInput("a")).Err(),
			"KickoffInput a needs a schedule"},
		{"default and fixed", flyte.NewLaunchPlan("bt_both", addSub,
			flyte.Defaults(func(in *subIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&in.A, flyte.Const(1))) }),
			flyte.Fixed(func(in *subIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&in.A, flyte.Const(2))) })).Err(),
			"input a is both a default and fixed"},
		{"defaults of another type", flyte.NewLaunchPlan("bt_other", addSub,
			flyte.Defaults(func(in *numIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&in.X, flyte.Const(1))) })).Err(),
			"Defaults binds fields of flyte_test.numIn, but the workflow's inputs are flyte_test.subIn"},
		{"launch plan option on a workflow", flyte.NewWorkflow("bt_cron", func(wf *flyte.Builder, _ *flyte.None, _ *flyte.None) error {
			flyte.Sleep(wf, time.Second)
			return wf.Return()
		}, flyte.Cron("@daily")).Err(), "option Cron does not apply to a workflow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.ErrorContains(t, tc.err, tc.want)
		})
	}
}

func TestMustPanicsOnDefinitionErrors(t *testing.T) {
	t.Parallel()
	require.PanicsWithError(t, `task bad name: name "bad name": want letters, digits, '_', '-' and '.'`, func() {
		flyte.Must(flyte.NewTask("bad name", func(context.Context, numIn) (numOut, error) { return numOut{}, nil }))
	})
	require.NotPanics(t, func() { flyte.Must(square) })
}
