package platform

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"connectrpc.com/connect"

	"github.com/flyte-go/flyte/examples"
	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	"github.com/flyte-go/flyte/internal/cli"
)

// Demo project and domain of `flyte start --demo`.
const (
	demoProject = "flytesnacks"
	demoDomain  = "development"
)

// seedDemo registers the demo project and the bundled examples on the
// running platform at baseURL and runs the pipeline example and the Go SDK
// example to completion,
// through the same flyte-cli commands a user would type (they are printed). The examples are written to dir so the user
// can read and edit them; their version is a hash of their content, so
// restarting registers nothing new.
func seedDemo(ctx context.Context, baseURL, dir string, out io.Writer) error {
	files, version, err := writeExamples(dir)
	if err != nil {
		return err
	}
	client := adminv1connect.NewAdminServiceClient(http.DefaultClient, baseURL)
	_, err = client.GetProject(ctx, connect.NewRequest(&adminv1.ProjectGetRequest{Id: demoProject}))
	if connect.CodeOf(err) == connect.CodeNotFound {
		_, err = client.RegisterProject(ctx, connect.NewRequest(&adminv1.ProjectRegisterRequest{
			Project: &adminv1.Project{
				Id:          demoProject,
				Name:        "Flyte snacks",
				Description: "The examples bundled with flyte start --demo",
			},
		}))
	}
	if err != nil {
		return fmt.Errorf("demo project: %w", err)
	}
	host := strings.TrimPrefix(baseURL, "http://")
	args := append([]string{"register", "files", "-h", host, "-p", demoProject, "-d", demoDomain, "--version", version, "--activate"}, files...)
	fmt.Fprintf(out, "\nDemo: flyte-cli %s\n", strings.Join(args, " "))
	if code := cli.Main(args, out, out); code != 0 {
		return fmt.Errorf("registering the examples failed (exit code %d)", code)
	}
	if err := runDemoExecution(host, "pipeline", out); err != nil {
		return err
	}
	if err := seedGoExample(ctx, host, out); err != nil {
		return err
	}
	scope := fmt.Sprintf("-h %s -p %s -d %s", host, demoProject, demoDomain)
	fmt.Fprintf(out, "\nDemo done. Look around:\n"+
		"  flyte-cli get executions %[1]s\n"+
		"  flyte-cli get execution %[1]s NAME --details   (node phases and cache status)\n"+
		"  flyte-cli get cache %[1]s --task sum_list      (run the pipeline again: total is a cache hit)\n"+
		"  flyte-cli get workflows %[1]s\n", scope)
	return nil
}

// runDemoExecution runs a launch plan of the demo project to completion
// through flyte-cli, printing the command, the progress and the outputs.
func runDemoExecution(host, launchPlan string, out io.Writer) error {
	run := []string{"create", "execution", "-h", host, "-p", demoProject, "-d", demoDomain, "--launchplan", launchPlan, "--wait"}
	fmt.Fprintf(out, "\nDemo: flyte-cli %s\n", strings.Join(run, " "))
	if code := cli.Main(run, out, out); code != 0 {
		return fmt.Errorf("the demo workflow %s did not succeed (exit code %d)", launchPlan, code)
	}
	return nil
}

// writeExamples copies the bundled examples into dir and returns their
// paths and a version derived from their content.
func writeExamples(dir string) (paths []string, version string, err error) {
	h := sha256.New()
	err = fs.WalkDir(examples.Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := examples.Files.ReadFile(path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(data)
		dst := filepath.Join(dir, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return err
		}
		paths = append(paths, dst)
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("write examples: %w", err)
	}
	if len(paths) == 0 {
		return nil, "", errors.New("no bundled examples")
	}
	return paths, "demo-" + hex.EncodeToString(h.Sum(nil))[:12], nil
}
