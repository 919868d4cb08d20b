// Command hello is the program of the Go tutorial (docs/tutorial-go.md): two
// tasks, a workflow that chains them, a map over names and an hourly
// launch plan. `hello run hello --input name=Flyte` runs it locally and
// `hello register ...` registers it.
package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/flyte-go/flyte/sdk/flyte"
)

// GreetIn are the inputs of Greet: one field per input.
type GreetIn struct {
	Name string
}

// GreetOut are the outputs of Greet.
type GreetOut struct {
	Greeting string
}

// Greet is a task: a Go function with typed inputs and outputs.
var Greet = flyte.NewTask("greet", func(ctx context.Context, in GreetIn) (GreetOut, error) {
	if in.Name == "" {
		return GreetOut{}, fmt.Errorf("a name is needed")
	}
	return GreetOut{Greeting: fmt.Sprintf("Hello, %s!", in.Name)}, nil
})

// ShoutIn are the inputs of Shout.
type ShoutIn struct {
	Text string
}

// Shout upper-cases a text.
var Shout = flyte.NewTask("shout", func(ctx context.Context, in ShoutIn) (GreetOut, error) {
	return GreetOut{Greeting: strings.ToUpper(in.Text)}, nil
}, flyte.Retries(2))

// HelloIn are the inputs of the Hello workflow.
type HelloIn struct {
	Name string
}

// HelloOut are the outputs of the Hello workflow.
type HelloOut struct {
	Message string
}

// Hello greets, then shouts the greeting.
var Hello = flyte.NewWorkflow("hello", func(wf *flyte.Builder, in *HelloIn, out *HelloOut) error {
	greet := flyte.Call(wf, Greet, func(i *GreetIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.Name, flyte.Input(wf, &in.Name)))
	})
	greeting := flyte.Out(greet, func(o *GreetOut) *string { return &o.Greeting })

	shout := flyte.Call(wf, Shout, func(i *ShoutIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.Text, greeting))
	})
	return wf.Return(flyte.Bind(&out.Message, flyte.Out(shout, func(o *GreetOut) *string { return &o.Greeting })))
})

// GreetAllIn are the inputs of GreetAll.
type GreetAllIn struct {
	Names []string
}

// GreetAllOut are the outputs of GreetAll.
type GreetAllOut struct {
	Greetings []string
}

// GreetAll greets every name, at most four at a time.
var GreetAll = flyte.NewWorkflow("greet_all", func(wf *flyte.Builder, in *GreetAllIn, out *GreetAllOut) error {
	each := flyte.Map(wf, Greet, func(i *GreetIn) []flyte.Binding {
		return flyte.Bindings(flyte.Each(&i.Name, flyte.Input(wf, &in.Names)))
	}, flyte.Parallelism(4))
	return wf.Return(flyte.Bind(&out.Greetings, flyte.MapOut(each, func(o *GreetOut) *string { return &o.Greeting })))
})

// Hourly greets the team every hour.
var Hourly = flyte.NewLaunchPlan("hello_hourly", Hello,
	flyte.Fixed(func(in *HelloIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&in.Name, flyte.Const("team")))
	}),
	flyte.Cron("0 * * * *"))

func main() {
	flyte.Main(Hello, GreetAll, Hourly)
}
