package authoring

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the decoder's output")

// TestGolden decodes every testdata/*.yaml and compares the bundle, written
// in the IDL format, with testdata/NAME.golden.json. Run with -update to
// rewrite the golden files after a deliberate change, and review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			b, err := DecodeFiles([]string{f}, testOpts)
			require.NoError(t, err)
			got, err := Encode(b)
			require.NoError(t, err)
			golden := strings.TrimSuffix(f, ".yaml") + ".golden.json"
			if *update {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "missing golden file: run go test -run TestGolden -update")
			if diff := cmp.Diff(jsonValue(t, want), jsonValue(t, got)); diff != "" {
				t.Fatalf("%s differs from the decoder's output (-golden +got); rerun with -update if the change is intended:\n%s", golden, diff)
			}

			// The golden file is itself a file of the IDL format that
			// decodes to the same bundle.
			again, err := Decode(golden, want, Options{})
			require.NoError(t, err)
			requireSameBundle(t, b, again)
		})
	}
}

func jsonValue(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	require.NoError(t, dec.Decode(&v))
	return v
}

func requireSameBundle(t *testing.T, want, got *Bundle) {
	t.Helper()
	opts := []cmp.Option{protocmp.Transform(), cmp.AllowUnexported(Bundle{}), cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".order"
	}, cmp.Ignore())}
	if diff := cmp.Diff(want, got, opts...); diff != "" {
		t.Fatalf("bundles differ (-want +got):\n%s", diff)
	}
}

// TestBad decodes every testdata/bad/*.yaml, which must fail. Each file
// lists the problems it must report in comments of the form
// "# want: SUBSTRING"; the substrings include file name and line.
func TestBad(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/bad/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	wantLine := regexp.MustCompile(`(?m)^# want: (.+)$`)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			wants := wantLine.FindAllStringSubmatch(string(data), -1)
			require.NotEmpty(t, wants, "a bad file says what it must report with # want: lines")
			opts := testOpts
			if bytes.Contains(data, []byte("# options: none")) {
				opts = Options{}
			}
			b, err := Decode(filepath.Base(f), data, opts)
			require.Error(t, err)
			require.Nil(t, b, "a rejected file yields no bundle")
			var errs Errors
			require.ErrorAs(t, err, &errs)
			for _, w := range wants {
				require.Contains(t, err.Error(), w[1])
			}
			require.Len(t, errs, len(wants), "every problem is listed with # want: (got:\n%v)", err)
		})
	}
}

// TestOrdered checks that a workflow that launches a launch plan of the
// same bundle comes after it, and that Ordered lists every entity once.
func TestOrdered(t *testing.T) {
	t.Parallel()
	b, err := DecodeFiles([]string{"../../examples/fanout.yaml"}, testOpts)
	require.NoError(t, err)
	var names []string
	for _, e := range b.Ordered() {
		switch {
		case e.Task != nil:
			names = append(names, "task "+e.Task.GetId().GetName())
		case e.Workflow != nil:
			names = append(names, "workflow "+e.Workflow.GetId().GetName())
		case e.LaunchPlan != nil:
			names = append(names, "launch plan "+e.LaunchPlan.GetId().GetName())
		}
	}
	want := []string{
		"task pass", "task nap",
		"workflow fanout_child", "launch plan fanout_child", "workflow fanout", "launch plan fanout",
	}
	require.Equal(t, want, names)

	// Without the recorded order (a Bundle built by hand) the order is
	// tasks, workflows, launch plans.
	plain := &Bundle{Tasks: b.Tasks, Workflows: b.Workflows, LaunchPlans: b.LaunchPlans}
	require.Len(t, plain.Ordered(), len(want))
	require.True(t, proto.Equal(plain.Ordered()[2].Workflow, b.Workflows[0]))
}
