package propeller_test

import (
	"strings"
	"testing"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

// Values up to 64 KiB stay inline in the rows' closures and no file is
// written for them; larger ones go to inputs.pb / outputs.pb blobs.
func TestSmallValuesStayInlineLargeOnesGoToBlobs(t *testing.T) {
	t.Parallel()
	strType := &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_STRING}}
	for _, tt := range []struct {
		name   string
		size   int
		inline bool
	}{{"small", 10, true}, {"large", 70 << 10, false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t)
			task := scriptTask("t", 0, 0)
			task.Interface = &corev1.TypedInterface{Inputs: vars("x", strType), Outputs: vars("x", strType)}
			wf := workflow("w", "b", taskNode("a", task, "start-node"), taskNode("b", task, "a"))
			wf.Interface = &corev1.TypedInterface{Inputs: vars("x", strType), Outputs: vars("y", strType)}
			id := e.register(wf, nil, task)
			// "block" attempts return their outputs inline in Status.
			e.script.set("a", "block")
			e.script.set("b", "block")
			e.script.release("a")
			e.script.release("b")
			val := inputs("x", strLit(strings.Repeat("v", tt.size)))
			e.launch("ex1", id, val, nil)
			x := e.waitPhase("ex1", corev1.WorkflowExecution_PHASE_SUCCEEDED)

			require.Empty(t, cmp.Diff(inputs("y", val.GetLiterals()["x"]), e.outputs(x), protocmp.Transform()))
			require.Empty(t, cmp.Diff(val, e.readInputs("ex1", "b"), protocmp.Transform()))
			a := e.node(x, "a")
			require.Empty(t, cmp.Diff(val, e.nodeOutputs(a), protocmp.Transform()))
			nc, xc := &adminv1.NodeExecutionClosure{}, &adminv1.ExecutionClosure{}
			require.NoError(t, proto.Unmarshal(a.Closure, nc))
			require.NoError(t, proto.Unmarshal(x.Closure, xc))
			files := map[string]bool{}
			for _, key := range []string{"metadata/p/d/ex1/a/inputs.pb", "metadata/p/d/ex1/a/0/outputs.pb", "metadata/p/d/ex1/outputs.pb"} {
				ok, err := e.blobs.Exists(e.ctx, key)
				require.NoError(t, err)
				files[key] = ok
			}
			if tt.inline {
				require.Empty(t, a.InputURI)
				require.Empty(t, a.OutputURI)
				require.NotNil(t, nc.GetInputData())
				require.NotNil(t, nc.GetOutputData())
				require.NotNil(t, xc.GetOutputData())
				require.Equal(t, map[string]bool{"metadata/p/d/ex1/a/inputs.pb": false, "metadata/p/d/ex1/a/0/outputs.pb": false, "metadata/p/d/ex1/outputs.pb": false}, files)
				return
			}
			require.NotEmpty(t, a.InputURI)
			require.NotEmpty(t, a.OutputURI)
			require.Nil(t, nc.GetInputData())
			require.Nil(t, nc.GetOutputData())
			require.NotEmpty(t, xc.GetOutputUri())
			require.Equal(t, map[string]bool{"metadata/p/d/ex1/a/inputs.pb": true, "metadata/p/d/ex1/a/0/outputs.pb": true, "metadata/p/d/ex1/outputs.pb": true}, files)
		})
	}
}
