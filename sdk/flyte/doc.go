// Package flyte is the Go SDK of the platform: write tasks as Go functions
// with typed inputs and outputs, compose them into workflows, run them in
// this process, and build one binary that registers them and that the
// platform runs for every task attempt.
//
// # Tasks
//
// A task is a function from an input struct to an output struct. Each
// exported field is one input or output, named by its `flyte:"name"` tag or
// the field name in snake_case (MaxRows is max_rows):
//
//	type SquareIn struct{ X int }
//	type SquareOut struct{ Y int }
//
//	var Square = flyte.NewTask("square", func(ctx context.Context, in SquareIn) (SquareOut, error) {
//		return SquareOut{Y: in.X * in.X}, nil
//	}, flyte.Retries(2), flyte.Timeout(time.Minute), flyte.Cache("v1"))
//
// Go types map to the platform's types:
//
//	bool                         bool
//	int, int8..int64, uint..     int (unsigned and narrow types are range-checked)
//	float32, float64             float
//	string                       str (UTF-8)
//	a string type with EnumValues enum (see Enum)
//	time.Time, time.Duration     datetime, duration
//	[]byte                       binary
//	[]T, map[string]T            list[T], map[str,T]
//	*T                           optional[T] (nil is none)
//	a struct                     struct, stored as JSON-like fields with their types
//	File, Dir                    file, dir: local paths in the task, URIs on the platform
//	FailedNode                   error (the input of a failure node)
//
// A type that cannot be mapped (a channel, an interface, a map with
// non-string keys, a recursive struct) is an error that names the field
// and type; NewTask keeps it and Err, Run and the register command report
// it. Inside struct values, integers beyond ±2^53 are stored as decimal
// strings and NaN and infinities as "NaN", "Infinity", "-Infinity", so
// every value survives the trip exactly.
//
// A task's error fails it as a non-recoverable user error; SystemError and
// Recoverable say otherwise (see TaskError), and a panic is a user error
// with its stack.
//
// # Workflows
//
// A workflow is built once by a function that wires nodes together with
// typed Values. Inputs and outputs are named by pointers into placeholder
// structs, so the Go compiler checks every connection:
//
//	var Pipeline = flyte.NewWorkflow("pipeline", func(wf *flyte.Builder, in *PipelineIn, out *PipelineOut) error {
//		sq := flyte.Call(wf, Square, func(i *SquareIn) []flyte.Binding {
//			return flyte.Bindings(flyte.Bind(&i.X, flyte.Input(wf, &in.N)))
//		})
//		y := flyte.Out(sq, func(o *SquareOut) *int { return &o.Y })
//		return wf.Return(flyte.Bind(&out.Y, y))
//	})
//
// Nodes: Call runs a task, a dynamic task, a sub-workflow or a launch plan;
// Map runs a task per list element (Each) with Parallelism and
// MinSuccessRatio; If/ElseIf/Else chooses a node by conditions (Eq, Gt,
// IsNone, And, ...); Approve, WaitForSignal and Sleep are gates; OnFailure
// sets the failure node; Node.After orders nodes without data. Values are
// workflow inputs (Input), constants (Const), node outputs (Out, MapOut)
// and lists of values (List).
//
// A dynamic task (NewDynamic) builds a workflow at run time with the same
// functions, from its concrete inputs; the platform runs what it builds as
// the node's children.
//
// Launch plans (NewLaunchPlan) add defaults, fixed inputs, a Cron or
// FixedRate schedule and notifications; every workflow has a default
// launch plan of its own name.
//
// # Running
//
// Run runs a task, workflow or launch plan in this process, without a
// platform, converting every value exactly as the platform would. Main
// makes the program a command with three subcommands:
//
//	myapp register -h HOST -p PROJECT -d DOMAIN --version V [--image I] [--activate] [--dry-run]
//	myapp run NAME [--input name=value ...]
//	myapp execute --task NAME --inputs URI --output-prefix URI --raw-output-prefix URI
//
// register sends every task, workflow and launch plan the program's
// entities reach to the admin service; execute is what the registered
// tasks run: it reads the attempt's inputs.pb, calls the function and
// writes outputs.pb (futures.pb for a dynamic task) or error.pb.
// docs/sdk.md is the reference and docs/tutorial-go.md a tutorial.
package flyte
