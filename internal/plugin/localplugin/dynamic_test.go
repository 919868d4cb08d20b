package localplugin

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/plugin"
)

func TestSDKDynamicTaskReturnsItsFutures(t *testing.T) {
	t.Parallel()
	f := setup(t, Options{})
	iface := &corev1.TypedInterface{
		Inputs:  vars("x", simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER)),
		Outputs: vars("y", &corev1.LiteralType{Type: &corev1.LiteralType_CollectionType{CollectionType: simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER)}}),
	}
	inputs := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"x": intLit(3)}}
	args := func(mode string) []string { return []string{sdkTask, mode, "{{.Input}}", "{{.OutputPrefix}}"} }

	ac := f.task(t, TaskTypeContainer, iface, inputs, args("dynamic")...)
	st := f.run(t, ac)
	require.Equal(t, plugin.PhaseSucceeded, st.Phase, "%s", st.Reason)
	require.Nil(t, st.Outputs)
	require.NotNil(t, st.Dynamic)
	written := &corev1.DynamicJobSpec{}
	require.NoError(t, f.blobs.ReadProto(context.Background(), ac.FuturesKey(), written))
	require.Empty(t, cmp.Diff(written, st.Dynamic, protocmp.Transform()), "Status.Dynamic is the futures.pb the task wrote")
	var ids []string
	for _, n := range st.Dynamic.GetNodes() {
		ids = append(ids, n.GetId())
	}
	require.Equal(t, []string{"e0", "e1", "e2"}, ids)
	ok, err := f.blobs.Exists(context.Background(), ac.OutputsKey())
	require.NoError(t, err)
	require.False(t, ok, "a dynamic task writes no outputs.pb")

	ac = f.task(t, TaskTypeContainer, iface, inputs, args("badfutures")...)
	st = f.run(t, ac)
	require.Equal(t, plugin.PhaseFailed, st.Phase)
	require.Equal(t, corev1.ExecutionError_ERROR_KIND_USER, st.Error.GetKind())
	require.Equal(t, "BadFutures", st.Error.GetCode())
	require.False(t, st.Retryable)
	require.Contains(t, st.Error.GetMessage(), f.blobs.URL(ac.FuturesKey()), "the message names the file")
	require.Nil(t, st.Dynamic)

	// Neither outputs.pb nor futures.pb: the message says both are missing.
	st = f.run(t, f.task(t, TaskTypeContainer, iface, inputs, args("none")...))
	require.Equal(t, plugin.PhaseFailed, st.Phase)
	require.Equal(t, "MissingOutputs", st.Error.GetCode())
	require.Contains(t, st.Error.GetMessage(), "futures.pb")
}
