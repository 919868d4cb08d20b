package pipeline_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/examples/go/pipeline"
	"github.com/flyte-go/flyte/sdk/flyte"
)

func TestPipelineRunsLocally(t *testing.T) {
	t.Parallel()
	title := "Daily numbers"
	out, err := flyte.Run(t.Context(), pipeline.Pipeline,
		pipeline.In{Shards: 3, Size: 50, Seed: 1, Threshold: 10, Title: &title}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("high: mean %.2f", out.Mean), out.Label)
	report, err := os.ReadFile(out.Report.Path)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(report), "# Daily numbers\n\n- values: 150\n"), string(report))
	require.Contains(t, string(report), "- shards checked: 3, failed: 0\n")

	low, err := flyte.Run(t.Context(), pipeline.Pipeline, pipeline.In{Shards: 2, Size: 10, Seed: 1, Threshold: 99}, flyte.WithDataDir(t.TempDir()))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(low.Label, "low: mean "), low.Label)
}

func TestPipelineBadInputsFailTheTask(t *testing.T) {
	t.Parallel()
	_, err := flyte.Run(t.Context(), pipeline.Pipeline, pipeline.In{Shards: 0, Size: 10}, flyte.WithDataDir(t.TempDir()))
	require.ErrorContains(t, err, "node generate: task generate: shards (0) and size (10) must be at least 1")
}

func TestRunCommand(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	code := app(&stdout, &stderr).Run(t.Context(), []string{"run", "data_pipeline", "--input", "shards=2", "--input", "title=From the CLI",
		"--data-dir", t.TempDir(), "-q"})
	require.Equal(t, 0, code, stderr.String())
	var got map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &got))
	require.Contains(t, got["label"], "mean")
	report, err := os.ReadFile(strings.TrimPrefix(got["report"].(string), "file://"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(report), "# From the CLI\n\n- values: 200\n"), "defaults fill the inputs not given: %s", report)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "nope"}, `this program has no entity named "nope" (entities: dynamic task check_all, launch plan data_pipeline, launch plan data_pipeline_nightly, task aggregate, task generate, task label, task report, task summarize_shard, workflow data_pipeline)`},
		{[]string{"run", "data_pipeline", "--input", "shards=many"}, `--input shards: "many" is not an integer`},
		{[]string{"run", "data_pipeline", "--input", "colour=red"}, "--input colour: workflow data_pipeline has no input colour (inputs: shards, size, seed, threshold, title)"},
	} {
		stdout.Reset()
		stderr.Reset()
		require.Equal(t, 2, app(&stdout, &stderr).Run(t.Context(), tc.args), tc.args)
		require.Contains(t, stderr.String(), tc.want)
	}
}
