package platform

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/flyte-go/flyte/examples/go/pipeline"
	"github.com/flyte-go/flyte/internal/cli"
	"github.com/flyte-go/flyte/sdk/flyte"
)

// goExampleCommand is the hidden first argument that makes the flyte binary
// the Go SDK example program (examples/go/cmd/pipeline): `flyte go-example
// register|run|execute ...`. It lets `flyte start --demo` register the Go
// example and the engine run its tasks without a Go toolchain or a second
// binary.
const goExampleCommand = "go-example"

// goExampleApp is the example pipeline as an SDK app whose tasks run this
// binary's go-example command.
func goExampleApp(stdout, stderr io.Writer) (flyte.App, error) {
	exe, err := os.Executable()
	if err != nil {
		return flyte.App{}, fmt.Errorf("find the flyte binary: %w", err)
	}
	return flyte.App{
		Entities: []flyte.Entity{pipeline.Pipeline, pipeline.Nightly},
		Stdout:   stdout, Stderr: stderr,
		Command: []string{exe, goExampleCommand},
	}, nil
}

// runGoExample runs `flyte go-example ARGS` and returns its exit code.
func runGoExample(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	app, err := goExampleApp(stdout, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "flyte: %v\n", err)
		return 1
	}
	return app.Run(ctx, args)
}

// seedGoExample registers the Go SDK example in the demo project and runs
// its workflow to completion. Its version is a hash of what it registers
// (which names this binary's path), so a restart of the same binary
// registers nothing new.
func seedGoExample(ctx context.Context, host string, out io.Writer) error {
	var dry, errs bytes.Buffer
	app, err := goExampleApp(&dry, &errs)
	if err != nil {
		return err
	}
	if code := app.Run(ctx, []string{"register", "-p", demoProject, "-d", demoDomain, "--version", "content", "--dry-run", "-o", "json"}); code != 0 {
		return fmt.Errorf("serialise the Go example (exit code %d): %s", code, strings.TrimSpace(errs.String()))
	}
	sum := sha256.Sum256(dry.Bytes())
	version := "go-" + hex.EncodeToString(sum[:])[:12]

	app.Stdout, app.Stderr = out, out
	reg := []string{"register", "-h", host, "-p", demoProject, "-d", demoDomain, "--version", version}
	fmt.Fprintf(out, "\nDemo: the Go SDK example (examples/go), as `go run ./examples/go/cmd/pipeline %s`\n", strings.Join(reg, " "))
	if code := app.Run(ctx, reg); code != 0 {
		return fmt.Errorf("registering the Go example failed (exit code %d)", code)
	}
	// Only the workflow's own launch plan is activated: the nightly one
	// has a schedule, which a demo should not start.
	activate := []string{"update", "launchplan", "data_pipeline", "-h", host, "-p", demoProject, "-d", demoDomain, "--version", version, "--activate"}
	fmt.Fprintf(out, "\nDemo: flyte-cli %s\n", strings.Join(activate, " "))
	if code := cli.Main(activate, out, out); code != 0 {
		return fmt.Errorf("activating the Go example's launch plan failed (exit code %d)", code)
	}
	return runDemoExecution(host, "data_pipeline", out)
}
