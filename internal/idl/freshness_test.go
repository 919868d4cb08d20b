package idl_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// repoRoot returns the directory holding go.mod, found by walking up from the test's directory.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	require.NoError(t, err)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		require.NotEqual(t, dir, parent, "go.mod not found above the test directory")
		dir = parent
	}
}

// goTool runs `go tool <args...>` in the repository root and returns its combined output.
func goTool(t *testing.T, root string, args ...string) (string, error) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to run buf")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, append([]string{"tool"}, args...)...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	err = cmd.Run()
	return out.String(), err
}

// readTree returns the files under dir by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	require.NoError(t, err)
	return files
}

// staleFiles compares the committed tree with a freshly generated one and describes every file
// that differs, is missing or should no longer exist.
func staleFiles(committed, fresh map[string][]byte) []string {
	var problems []string
	for name, want := range fresh {
		got, ok := committed[name]
		switch {
		case !ok:
			problems = append(problems, name+" (missing from gen/)")
		case !bytes.Equal(got, want):
			problems = append(problems, name+" (differs from what proto/ generates)")
		}
	}
	for name := range committed {
		if _, ok := fresh[name]; !ok {
			problems = append(problems, name+" (no longer generated from proto/)")
		}
	}
	sort.Strings(problems)
	return problems
}

func TestStaleFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		committed map[string][]byte
		fresh     map[string][]byte
		want      []string
	}{
		{
			name:      "identical",
			committed: map[string][]byte{"a.pb.go": []byte("x")},
			fresh:     map[string][]byte{"a.pb.go": []byte("x")},
		},
		{
			name:      "changed, missing and leftover files",
			committed: map[string][]byte{"a.pb.go": []byte("old"), "gone.pb.go": nil},
			fresh:     map[string][]byte{"a.pb.go": []byte("new"), "b.pb.go": nil},
			want: []string{
				"a.pb.go (differs from what proto/ generates)",
				"b.pb.go (missing from gen/)",
				"gone.pb.go (no longer generated from proto/)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tt.want, staleFiles(tt.committed, tt.fresh))
		})
	}
}

// TestGeneratedCodeIsFresh regenerates the code from proto/ into a temporary directory and
// fails, naming the files, when the committed gen/ differs.
func TestGeneratedCodeIsFresh(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: regenerates all code with buf")
	}
	root := repoRoot(t)
	out := t.TempDir()
	if msg, err := goTool(t, root, "buf", "generate", "--output", out); err != nil {
		t.Fatalf("buf generate failed: %v\n%s", err, msg)
	}
	fresh := readTree(t, filepath.Join(out, "gen"))
	require.NotEmpty(t, fresh, "buf generated nothing")
	committed := readTree(t, filepath.Join(root, "gen"))
	if stale := staleFiles(committed, fresh); len(stale) > 0 {
		t.Fatalf("gen/ is stale; run `make generate` and commit the result:\n  %s",
			strings.Join(stale, "\n  "))
	}
}

// TestProtoLintAndFormat checks the IDL against buf.yaml's lint rules (which require a comment
// on every element) and buf's canonical formatting.
func TestProtoLintAndFormat(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped under -short: runs buf lint and buf format")
	}
	root := repoRoot(t)
	if msg, err := goTool(t, root, "buf", "lint"); err != nil {
		t.Fatalf("buf lint failed: %v\n%s", err, msg)
	}
	if msg, err := goTool(t, root, "buf", "format", "--diff", "--exit-code"); err != nil {
		t.Fatalf("proto files are not formatted; run `go tool buf format -w`: %v\n%s", err, msg)
	}
}
