package compiler

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Types.

func simple(s corev1.SimpleType) *corev1.LiteralType { return simpleType(s) }

var (
	tInt      = simple(corev1.SimpleType_SIMPLE_TYPE_INTEGER)
	tFloat    = simple(corev1.SimpleType_SIMPLE_TYPE_FLOAT)
	tStr      = simple(corev1.SimpleType_SIMPLE_TYPE_STRING)
	tBool     = simple(corev1.SimpleType_SIMPLE_TYPE_BOOLEAN)
	tNone     = simple(corev1.SimpleType_SIMPLE_TYPE_NONE)
	tDatetime = simple(corev1.SimpleType_SIMPLE_TYPE_DATETIME)
	tDuration = simple(corev1.SimpleType_SIMPLE_TYPE_DURATION)
	tBinary   = simple(corev1.SimpleType_SIMPLE_TYPE_BINARY)
	tError    = simple(corev1.SimpleType_SIMPLE_TYPE_ERROR)
	tStruct   = simple(corev1.SimpleType_SIMPLE_TYPE_STRUCT)
)

func tList(t *corev1.LiteralType) *corev1.LiteralType { return listOf(t) }
func tMap(t *corev1.LiteralType) *corev1.LiteralType  { return mapOf(t) }

func tUnion(vs ...*corev1.LiteralType) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_UnionType{UnionType: &corev1.UnionType{Variants: vs}}}
}

func tOpt(t *corev1.LiteralType) *corev1.LiteralType { return tUnion(t, tNone) }

func tEnum(vs ...string) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_EnumType{EnumType: &corev1.EnumType{Values: vs}}}
}

func tFile(format string) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: &corev1.BlobType{Format: format}}}
}

func tDir(format string) *corev1.LiteralType {
	return &corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: &corev1.BlobType{
		Format: format, Dimensionality: corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART,
	}}}
}

func tDataset(format string, cols ...any) *corev1.LiteralType {
	d := &corev1.StructuredDatasetType{Format: format}
	for i := 0; i < len(cols); i += 2 {
		d.Columns = append(d.Columns, &corev1.StructuredDatasetType_DatasetColumn{
			Name: cols[i].(string), LiteralType: cols[i+1].(*corev1.LiteralType),
		})
	}
	return &corev1.LiteralType{Type: &corev1.LiteralType_StructuredDatasetType{StructuredDatasetType: d}}
}

// tRecord is a struct whose field types are known.
func tRecord(fields map[string]*corev1.LiteralType) *corev1.LiteralType {
	t := simple(corev1.SimpleType_SIMPLE_TYPE_STRUCT)
	t.Structure = &corev1.TypeStructure{DataclassType: fields}
	return t
}

// Literals.

func lScalar(s *corev1.Scalar) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Scalar{Scalar: s}}
}

func sPrim(p *corev1.Primitive) *corev1.Scalar {
	return &corev1.Scalar{Value: &corev1.Scalar_Primitive{Primitive: p}}
}

func sInt(i int64) *corev1.Scalar {
	return sPrim(&corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}})
}
func sStr(s string) *corev1.Scalar {
	return sPrim(&corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}})
}
func sFloat(f float64) *corev1.Scalar {
	return sPrim(&corev1.Primitive{Value: &corev1.Primitive_FloatValue{FloatValue: f}})
}
func sBool(b bool) *corev1.Scalar {
	return sPrim(&corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: b}})
}
func sNone() *corev1.Scalar {
	return &corev1.Scalar{Value: &corev1.Scalar_NoneType{NoneType: &corev1.Void{}}}
}

func lInt(i int64) *corev1.Literal     { return lScalar(sInt(i)) }
func lStr(s string) *corev1.Literal    { return lScalar(sStr(s)) }
func lFloat(f float64) *corev1.Literal { return lScalar(sFloat(f)) }
func lBool(b bool) *corev1.Literal     { return lScalar(sBool(b)) }
func lNone() *corev1.Literal           { return lScalar(sNone()) }

func lTime(t time.Time) *corev1.Literal {
	return lScalar(sPrim(&corev1.Primitive{Value: &corev1.Primitive_Datetime{Datetime: timestamppb.New(t)}}))
}

func lDuration(d time.Duration) *corev1.Literal {
	return lScalar(sPrim(&corev1.Primitive{Value: &corev1.Primitive_Duration{Duration: durationpb.New(d)}}))
}

func lList(ls ...*corev1.Literal) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Collection{Collection: &corev1.LiteralCollection{Literals: ls}}}
}

func lMap(m map[string]*corev1.Literal) *corev1.Literal {
	return &corev1.Literal{Value: &corev1.Literal_Map{Map: &corev1.LiteralMap{Literals: m}}}
}

func lBlob(uri string, t *corev1.LiteralType) *corev1.Literal {
	return lScalar(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{
		Uri: uri, Metadata: &corev1.BlobMetadata{Type: t.GetBlob()},
	}}})
}

func lUnion(v *corev1.Literal, t *corev1.LiteralType) *corev1.Literal {
	return lScalar(&corev1.Scalar{Value: &corev1.Scalar_Union{Union: &corev1.Union{Value: v, Type: t}}})
}

func lGeneric(fields map[string]any) *corev1.Literal {
	s, err := structpb.NewStruct(fields)
	if err != nil {
		panic(err)
	}
	return lScalar(&corev1.Scalar{Value: &corev1.Scalar_Generic{Generic: s}})
}

func lBinary(b []byte) *corev1.Literal {
	return lScalar(&corev1.Scalar{Value: &corev1.Scalar_Binary{Binary: &corev1.Binary{Value: b, Tag: "msgpack"}}})
}

func lDataset(uri string, t *corev1.LiteralType) *corev1.Literal {
	return lScalar(&corev1.Scalar{Value: &corev1.Scalar_StructuredDataset{StructuredDataset: &corev1.StructuredDataset{
		Uri: uri, Metadata: &corev1.StructuredDatasetMetadata{StructuredDatasetType: t.GetStructuredDatasetType()},
	}}})
}

// Identifiers and interfaces.

func id(rt corev1.ResourceType, name string) *corev1.Identifier {
	return &corev1.Identifier{ResourceType: rt, Project: "p", Domain: "development", Name: name, Version: "v1"}
}

func taskID(name string) *corev1.Identifier { return id(corev1.ResourceType_RESOURCE_TYPE_TASK, name) }
func lpID(name string) *corev1.Identifier {
	return id(corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, name)
}
func wfID(name string) *corev1.Identifier {
	return id(corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, name)
}

// vars is a shorthand for a variable map: name, type, name, type, ...
type vars []any

func (v vars) vm() *corev1.VariableMap {
	m := &corev1.VariableMap{Variables: map[string]*corev1.Variable{}}
	for i := 0; i < len(v); i += 2 {
		m.Variables[v[i].(string)] = &corev1.Variable{Type: v[i+1].(*corev1.LiteralType)}
	}
	return m
}

func iface(in, out vars) *corev1.TypedInterface {
	return &corev1.TypedInterface{Inputs: in.vm(), Outputs: out.vm()}
}

func task(name string, in, out vars) *corev1.TaskTemplate {
	return &corev1.TaskTemplate{Id: taskID(name), Type: "container", Interface: iface(in, out),
		Target: &corev1.TaskTemplate_Container{Container: &corev1.Container{Image: "alpine:3", Command: []string{"true"}}}}
}

// Bindings.

func bind(v string, d *corev1.BindingData) *corev1.Binding {
	return &corev1.Binding{Var: v, Binding: d}
}

func prom(node, v string, path ...any) *corev1.BindingData {
	ref := &corev1.OutputReference{NodeId: node, Var: v}
	for _, p := range path {
		switch x := p.(type) {
		case string:
			ref.AttrPath = append(ref.AttrPath, &corev1.PromiseAttribute{Value: &corev1.PromiseAttribute_StringValue{StringValue: x}})
		case int:
			ref.AttrPath = append(ref.AttrPath, &corev1.PromiseAttribute{Value: &corev1.PromiseAttribute_IntValue{IntValue: int32(x)}})
		default:
			panic(fmt.Sprintf("bad path step %T", p))
		}
	}
	return &corev1.BindingData{Value: &corev1.BindingData_Promise{Promise: ref}}
}

func in(v string) *corev1.BindingData { return prom(StartNodeID, v) }

func konst(s *corev1.Scalar) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Scalar{Scalar: s}}
}

func bList(ds ...*corev1.BindingData) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Collection{Collection: &corev1.BindingDataCollection{Bindings: ds}}}
}

func bMap(m map[string]*corev1.BindingData) *corev1.BindingData {
	return &corev1.BindingData{Value: &corev1.BindingData_Map{Map: &corev1.BindingDataMap{Bindings: m}}}
}

func asVariant(d *corev1.BindingData, t *corev1.LiteralType) *corev1.BindingData {
	d.Union = &corev1.UnionInfo{TargetType: t}
	return d
}

// Nodes.

func taskNode(nodeID, taskName string, bs ...*corev1.Binding) *corev1.Node {
	return &corev1.Node{Id: nodeID, Inputs: bs, Target: &corev1.Node_TaskNode{TaskNode: &corev1.TaskNode{ReferenceId: taskID(taskName)}}}
}

func subNode(nodeID, wfName string, bs ...*corev1.Binding) *corev1.Node {
	return &corev1.Node{Id: nodeID, Inputs: bs, Target: &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{
		Reference: &corev1.WorkflowNode_SubWorkflowRef{SubWorkflowRef: wfID(wfName)},
	}}}
}

func lpNode(nodeID, lpName string, bs ...*corev1.Binding) *corev1.Node {
	return &corev1.Node{Id: nodeID, Inputs: bs, Target: &corev1.Node_WorkflowNode{WorkflowNode: &corev1.WorkflowNode{
		Reference: &corev1.WorkflowNode_LaunchplanRef{LaunchplanRef: lpID(lpName)},
	}}}
}

func gateNode(nodeID string, g *corev1.GateNode, upstream ...string) *corev1.Node {
	return &corev1.Node{Id: nodeID, UpstreamNodeIds: upstream, Target: &corev1.Node_GateNode{GateNode: g}}
}

func approve(signal string) *corev1.GateNode {
	return &corev1.GateNode{Condition: &corev1.GateNode_Approve{Approve: &corev1.ApproveCondition{SignalId: signal}}}
}

func signal(sig string, t *corev1.LiteralType, out string) *corev1.GateNode {
	return &corev1.GateNode{Condition: &corev1.GateNode_Signal{Signal: &corev1.SignalCondition{SignalId: sig, Type: t, OutputVariableName: out}}}
}

func sleep(d *durationpb.Duration) *corev1.GateNode {
	return &corev1.GateNode{Condition: &corev1.GateNode_Sleep{Sleep: &corev1.SleepCondition{Duration: d}}}
}

func arrayNode(nodeID string, sub *corev1.Node, ratio float32, bs ...*corev1.Binding) *corev1.Node {
	an := &corev1.ArrayNode{Node: sub, SuccessCriteria: &corev1.ArrayNode_MinSuccessRatio{MinSuccessRatio: ratio}}
	return &corev1.Node{Id: nodeID, Inputs: bs, Target: &corev1.Node_ArrayNode{ArrayNode: an}}
}

// Conditions.

func opVar(v string) *corev1.Operand { return &corev1.Operand{Val: &corev1.Operand_Var{Var: v}} }
func opInt(i int64) *corev1.Operand {
	return &corev1.Operand{Val: &corev1.Operand_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Integer{Integer: i}}}}
}
func opStr(s string) *corev1.Operand {
	return &corev1.Operand{Val: &corev1.Operand_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_StringValue{StringValue: s}}}}
}
func opBool(b bool) *corev1.Operand {
	return &corev1.Operand{Val: &corev1.Operand_Primitive{Primitive: &corev1.Primitive{Value: &corev1.Primitive_Boolean{Boolean: b}}}}
}
func opNone() *corev1.Operand { return &corev1.Operand{Val: &corev1.Operand_Scalar{Scalar: sNone()}} }

func cmpExpr(l *corev1.Operand, op corev1.ComparisonExpression_Operator, r *corev1.Operand) *corev1.BooleanExpression {
	return &corev1.BooleanExpression{Expr: &corev1.BooleanExpression_Comparison{Comparison: &corev1.ComparisonExpression{
		Operator: op, LeftValue: l, RightValue: r,
	}}}
}

func and(l, r *corev1.BooleanExpression) *corev1.BooleanExpression {
	return &corev1.BooleanExpression{Expr: &corev1.BooleanExpression_Conjunction{Conjunction: &corev1.ConjunctionExpression{
		Operator: corev1.ConjunctionExpression_LOGICAL_OPERATOR_AND, LeftExpression: l, RightExpression: r,
	}}}
}

const (
	opEQ = corev1.ComparisonExpression_OPERATOR_EQ
	opGT = corev1.ComparisonExpression_OPERATOR_GT
	opLT = corev1.ComparisonExpression_OPERATOR_LT
)

// ifCase is one case of a branch.
func ifCase(cond *corev1.BooleanExpression, then *corev1.Node) *corev1.IfBlock {
	return &corev1.IfBlock{Condition: cond, ThenNode: then}
}

// branchNode builds a branch; def is an *corev1.Node (else) or a string (error message) or nil.
func branchNode(nodeID string, bs []*corev1.Binding, def any, cases ...*corev1.IfBlock) *corev1.Node {
	ie := &corev1.IfElseBlock{}
	if len(cases) > 0 {
		ie.Case, ie.Other = cases[0], cases[1:]
	}
	switch d := def.(type) {
	case *corev1.Node:
		ie.Default = &corev1.IfElseBlock_ElseNode{ElseNode: d}
	case string:
		ie.Default = &corev1.IfElseBlock_Error{Error: &corev1.Error{Message: d}}
	}
	return &corev1.Node{Id: nodeID, Inputs: bs, Target: &corev1.Node_BranchNode{BranchNode: &corev1.BranchNode{IfElse: ie}}}
}

// Workflows.

func workflow(name string, in, out vars, nodes []*corev1.Node, outputs ...*corev1.Binding) *corev1.WorkflowTemplate {
	return &corev1.WorkflowTemplate{Id: wfID(name), Interface: iface(in, out), Nodes: nodes, Outputs: outputs}
}

func nodes(ns ...*corev1.Node) []*corev1.Node { return ns }

// testTasks are the tasks every workflow test can reference.
var testTasks = []*corev1.TaskTemplate{
	task("add", vars{"a", tInt, "b", tInt}, vars{"sum", tInt}),
	task("double", vars{"x", tInt}, vars{"y", tInt}),
	task("hello", nil, vars{"greeting", tStr}),
	task("opt", vars{"x", tInt, "maybe", tOpt(tStr)}, vars{"o", tInt}),
	task("strlen", vars{"s", tStr}, vars{"n", tInt}),
	task("half", vars{"f", tFloat}, vars{"g", tFloat}),
	task("total", vars{"xs", tList(tInt)}, vars{"total", tInt}),
	task("keys", vars{"m", tMap(tInt)}, vars{"keys", tList(tStr)}),
	task("cleanup", vars{"err", tError, "name", tStr}, nil),
	task("point", nil, vars{"p", tRecord(map[string]*corev1.LiteralType{"x": tInt, "label": tStr}), "raw", tStruct}),
	task("color", vars{"c", tEnum("red", "green")}, nil),
	task("flag", nil, vars{"ok", tBool, "maybe", tOpt(tInt), "when", tDatetime, "n", tInt}),
	task("ints", nil, vars{"xs", tList(tInt), "m", tMap(tInt)}),
}

var testLaunchPlans = []*corev1.LaunchPlanTemplate{
	{Id: lpID("lp_add"), Interface: iface(vars{"a", tInt, "b", tInt}, vars{"sum", tInt})},
}

func testResolver() *StaticResolver { return NewStaticResolver(testTasks, testLaunchPlans) }

// failingResolver fails every lookup with an error that is not "not found".
type failingResolver struct{ err error }

func (f failingResolver) Task(context.Context, *corev1.Identifier) (*corev1.TaskTemplate, error) {
	return nil, f.err
}

func (f failingResolver) LaunchPlanInterface(context.Context, *corev1.Identifier) (*corev1.TypedInterface, error) {
	return nil, f.err
}

// defaultsResolver is a plain Resolver whose launch plans come with defaults, through the
// LaunchPlanResolver capability.
type defaultsResolver struct {
	*StaticResolver
	lp *LaunchPlan
}

func (d defaultsResolver) LaunchPlan(context.Context, *corev1.Identifier) (*LaunchPlan, error) {
	return d.lp, nil
}
