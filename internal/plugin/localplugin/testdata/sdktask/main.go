// Command sdktask is a tiny task program that follows the SDK contract, for
// the local plugin's tests: `sdktask MODE INPUTS_URI OUTPUT_PREFIX`.
//
// Modes: ok copies input x to output y; fail writes a recoverable system
// error.pb; none exits 0 without writing anything; env checks that the
// FLYTE_* variables agree with the arguments.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/protobuf/proto"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func main() {
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func run(mode, inputs, prefix string) error {
	in := strings.TrimPrefix(inputs, "file://")
	out := strings.TrimPrefix(prefix, "file://")
	switch mode {
	case "ok", "env":
		if mode == "env" && (os.Getenv("FLYTE_INPUTS_URI") != inputs || os.Getenv("FLYTE_OUTPUT_PREFIX") != prefix) {
			return fmt.Errorf("env does not match arguments")
		}
		data, err := os.ReadFile(in)
		if err != nil {
			return err
		}
		m := &corev1.LiteralMap{}
		if err := proto.Unmarshal(data, m); err != nil {
			return err
		}
		res := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{"y": m.GetLiterals()["x"]}}
		return write(filepath.Join(out, "outputs.pb"), res)
	case "fail":
		doc := &corev1.ErrorDocument{Error: &corev1.ContainerError{
			Code: "Flaky", Message: "the database went away",
			Kind: corev1.ContainerError_KIND_RECOVERABLE, Origin: corev1.ExecutionError_ERROR_KIND_SYSTEM,
		}}
		if err := write(filepath.Join(out, "error.pb"), doc); err != nil {
			return err
		}
		os.Exit(1)
	case "none":
		return nil
	}
	return fmt.Errorf("unknown mode %q", mode)
}

func write(path string, m proto.Message) error {
	data, err := proto.Marshal(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
