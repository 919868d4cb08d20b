package authoring

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
)

// exampleFiles returns every authoring file under examples/.
func exampleFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("../../examples", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".json")) {
			files = append(files, p)
		}
		return nil
	})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(files), 4, "examples/ holds the documented examples")
	return files
}

// TestExamples decodes every example and compiles what it registers the
// way the server does: tasks are validated, launch plans checked against
// their workflows, workflows compiled against the bundle's tasks and
// launch plans.
func TestExamples(t *testing.T) {
	t.Parallel()
	for _, f := range exampleFiles(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := DecodeFiles([]string{f}, testOpts)
			require.NoError(t, err)
			require.NotEmpty(t, b.Workflows, "every example defines a workflow")
			requireCompiles(t, b)
		})
	}
}

// requireCompiles runs the registration checks of the compiler over a bundle.
func requireCompiles(t *testing.T, b *Bundle) {
	t.Helper()
	ctx := context.Background()
	var tasks []*corev1.TaskTemplate
	for _, tr := range b.Tasks {
		require.NoError(t, compiler.ValidateTask(tr.GetSpec().GetTemplate()), "task %s", tr.GetId().GetName())
		tasks = append(tasks, tr.GetSpec().GetTemplate())
	}
	ifaces := map[string]*corev1.TypedInterface{}
	for _, w := range b.Workflows {
		ifaces[w.GetId().GetName()] = w.GetSpec().GetTemplate().GetInterface()
	}
	var lps []*corev1.LaunchPlanTemplate
	for _, l := range b.LaunchPlans {
		wf := ifaces[l.GetSpec().GetWorkflowId().GetName()]
		require.NotNil(t, wf, "launch plan %s runs a workflow of the bundle", l.GetId().GetName())
		in, out, err := compiler.CompileLaunchPlan(wf, l.GetSpec().GetDefaultInputs(), l.GetSpec().GetFixedInputs())
		require.NoError(t, err, "launch plan %s", l.GetId().GetName())
		iface := &corev1.TypedInterface{Inputs: &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}, Outputs: out}
		for name, p := range in.GetParameters() {
			iface.Inputs.Variables[name] = p.GetVar()
		}
		lps = append(lps, &corev1.LaunchPlanTemplate{Id: l.GetId(), Interface: iface, FixedInputs: l.GetSpec().GetFixedInputs()})
	}
	r := compiler.NewStaticResolver(tasks, lps)
	for _, w := range b.Workflows {
		_, err := compiler.CompileWorkflow(ctx, w.GetSpec().GetTemplate(), w.GetSpec().GetSubWorkflows(), r)
		require.NoError(t, err, "workflow %s", w.GetId().GetName())
	}
}

// TestGoldenCompiles checks that the golden test inputs whose entities are
// all in the file are also valid for the compiler.
func TestGoldenCompiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"types.yaml", "multidoc.yaml", "idl.yaml"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := DecodeFiles([]string{filepath.Join("testdata", name)}, testOpts)
			require.NoError(t, err)
			requireCompiles(t, b)
		})
	}
}

// TestExamplesTogether decodes every example in one call, as
// "flyte-cli register files examples/*.yaml examples/idl/*" does.
func TestExamplesTogether(t *testing.T) {
	t.Parallel()
	b, err := DecodeFiles(exampleFiles(t), testOpts)
	require.NoError(t, err)
	require.Len(t, b.Ordered(), len(b.Tasks)+len(b.Workflows)+len(b.LaunchPlans))
}
