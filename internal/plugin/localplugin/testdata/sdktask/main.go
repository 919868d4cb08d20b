// Command sdktask is a tiny task program that follows the SDK contract, for
// the local plugin's tests: `sdktask MODE INPUTS_URI OUTPUT_PREFIX`.
//
// Modes: ok copies input x to output y; fail writes a recoverable system
// error.pb; none exits 0 without writing anything; env checks that the
// FLYTE_* variables agree with the arguments; dynamic writes a futures.pb
// (a DynamicJobSpec with one node per unit of input x, whose output y is
// the list of their outputs) instead of outputs.pb; badfutures writes a
// futures.pb that is not a DynamicJobSpec.
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
	case "dynamic":
		data, err := os.ReadFile(in)
		if err != nil {
			return err
		}
		m := &corev1.LiteralMap{}
		if err := proto.Unmarshal(data, m); err != nil {
			return err
		}
		return write(filepath.Join(out, "futures.pb"), fanOut(m.GetLiterals()["x"].GetScalar().GetPrimitive().GetInteger()))
	case "badfutures":
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(out, "futures.pb"), []byte("\xff\xff not a protobuf"), 0o644)
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// fanOut is a spec of n nodes "e<i>" running the task "echo" on the
// constant i, gathered into the output y.
func fanOut(n int64) *corev1.DynamicJobSpec {
	echo := &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "p", Domain: "d", Name: "echo", Version: "v1"}
	spec := &corev1.DynamicJobSpec{}
	var ys []*corev1.BindingData
	for i := range n {
		id := fmt.Sprintf("e%d", i)
		spec.Nodes = append(spec.Nodes, &corev1.Node{
			Id: id,
			Inputs: []*corev1.Binding{{Var: "x", Binding: &corev1.BindingData{Value: &corev1.BindingData_Scalar{Scalar: &corev1.Scalar{
				Value: &corev1.Scalar_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}}}}}}}},
			Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: echo}},
		})
		ys = append(ys, &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: &corev1.OutputReference{NodeId: id, Var: "x"}}})
	}
	spec.Outputs = []*corev1.Binding{{Var: "y", Binding: &corev1.BindingData{Value: &corev1.BindingData_Collection{Collection: &corev1.BindingDataCollection{Bindings: ys}}}}}
	spec.Tasks = []*corev1.TaskTemplate{{Id: echo, Type: "echo"}}
	return spec
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
