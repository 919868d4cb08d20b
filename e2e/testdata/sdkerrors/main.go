// Command sdkerrors is a Go SDK program whose task fails the way its input
// says, for the end-to-end test of error kinds.
package main

import (
	"context"
	"errors"

	"github.com/flyte-go/flyte/sdk/flyte"
)

// Kind is how the task fails.
type Kind string

// EnumValues makes Kind an enum.
func (Kind) EnumValues() []string { return []string{"none", "user", "recoverable", "system", "panic"} }

type in struct{ Kind Kind }
type out struct{ Message string }

var fail = flyte.NewTask("fail", func(_ context.Context, in in) (out, error) {
	switch in.Kind {
	case "user":
		return out{}, errors.New("the data is wrong")
	case "recoverable":
		return out{}, flyte.Recoverable(errors.New("try again later"))
	case "system":
		return out{}, flyte.SystemError(errors.New("the database is gone"))
	case "panic":
		var m map[string]int
		m["boom"]++
	}
	return out{Message: "fine"}, nil
}, flyte.Retries(2))

var failing = flyte.NewWorkflow("failing", func(wf *flyte.Builder, i *in, o *out) error {
	n := flyte.Call(wf, fail, func(f *in) []flyte.Binding { return flyte.Bindings(flyte.Bind(&f.Kind, flyte.Input(wf, &i.Kind))) })
	return wf.Return(flyte.Bind(&o.Message, flyte.Out(n, func(r *out) *string { return &r.Message })))
})

func main() { flyte.Main(failing) }
