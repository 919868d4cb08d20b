package compiler

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is wrapped by Resolver errors about an entity that is not registered. The compiler
// turns such errors into a Problem naming the node and the reference; any other Resolver error
// aborts compilation and is returned as is (wrapped), since it says nothing about the workflow.
var ErrNotFound = errors.New("not found")

// Code classifies a Problem so callers and tests can match problems without parsing messages.
type Code string

// Problem codes.
const (
	// CodeInvalidNodeID is a node id that is empty, too long or has characters outside [A-Za-z0-9_-].
	CodeInvalidNodeID Code = "InvalidNodeId"
	// CodeReservedNodeID is a node id equal to start-node or end-node.
	CodeReservedNodeID Code = "ReservedNodeId"
	// CodeDuplicateNodeID is a node id used by more than one node of a workflow.
	CodeDuplicateNodeID Code = "DuplicateNodeId"
	// CodeMissingTarget is a node that does not say what it runs, or a part of it left unset.
	CodeMissingTarget Code = "MissingTarget"
	// CodeReferenceNotFound is a task, sub-workflow or launch plan reference that does not resolve.
	CodeReferenceNotFound Code = "ReferenceNotFound"
	// CodeRecursiveSubWorkflow is a sub-workflow that (indirectly) runs itself.
	CodeRecursiveSubWorkflow Code = "RecursiveSubWorkflow"
	// CodeInvalidReference is a reference with the wrong resource type or no identifier.
	CodeInvalidReference Code = "InvalidReference"
	// CodeInvalidInterface is a variable or type of an interface that is malformed.
	CodeInvalidInterface Code = "InvalidInterface"
	// CodeMissingInput is a required input that no binding sets.
	CodeMissingInput Code = "MissingInput"
	// CodeDuplicateBinding is a variable bound more than once.
	CodeDuplicateBinding Code = "DuplicateBinding"
	// CodeUnknownInput is a binding to a variable the target does not have.
	CodeUnknownInput Code = "UnknownInput"
	// CodeInvalidBinding is a binding without a value, or one malformed in another way.
	CodeInvalidBinding Code = "InvalidBinding"
	// CodeTypeMismatch is a bound value or output whose type does not fit the variable.
	CodeTypeMismatch Code = "TypeMismatch"
	// CodeUnknownNode is a promise or upstream id naming a node the workflow does not have.
	CodeUnknownNode Code = "UnknownNode"
	// CodeUnknownOutput is a promise naming an output the node does not have.
	CodeUnknownOutput Code = "UnknownOutput"
	// CodeInvalidAttributePath is an attribute path that does not fit the type it reads.
	CodeInvalidAttributePath Code = "InvalidAttributePath"
	// CodeCycle is a dependency cycle between nodes.
	CodeCycle Code = "Cycle"
	// CodeUnreachable is a node that cannot run because it is not reachable from start-node.
	CodeUnreachable Code = "Unreachable"
	// CodeMissingOutput is a declared workflow output that no binding sets.
	CodeMissingOutput Code = "MissingOutput"
	// CodeUnknownOutputBinding is a workflow output binding for an output not declared.
	CodeUnknownOutputBinding Code = "UnknownOutputBinding"
	// CodeInvalidCondition is a branch condition that is malformed or compares incompatible values.
	CodeInvalidCondition Code = "InvalidCondition"
	// CodeInvalidBranch is a branch without cases or default, or whose cases disagree on outputs.
	CodeInvalidBranch Code = "InvalidBranch"
	// CodeInvalidGate is a gate node whose condition is malformed.
	CodeInvalidGate Code = "InvalidGate"
	// CodeInvalidArrayNode is an array node whose sub-node or success criteria are malformed.
	CodeInvalidArrayNode Code = "InvalidArrayNode"
	// CodeInvalidAlias is an output alias naming an unknown output or clashing with another.
	CodeInvalidAlias Code = "InvalidAlias"
	// CodeInvalidMetadata is node or task metadata out of range (negative timeout, ...).
	CodeInvalidMetadata Code = "InvalidMetadata"
	// CodeInvalidTask is a task template that is malformed.
	CodeInvalidTask Code = "InvalidTask"
	// CodeInvalidValue is a literal (default or fixed input) that does not fit its type.
	CodeInvalidValue Code = "InvalidValue"
	// CodeInvalidWorkflow is a workflow template that is missing or malformed as a whole.
	CodeInvalidWorkflow Code = "InvalidWorkflow"
)

// Problem is one thing wrong with a compiled entity.
type Problem struct {
	// Workflow names the sub-workflow the problem is in; empty for the primary workflow, a task
	// or a launch plan.
	Workflow string
	// Node is the id of the node the problem is about; "end-node" for workflow outputs; empty
	// when it concerns the entity as a whole.
	Node string
	// Var is the variable (input, output or field) the problem is about, if any.
	Var string
	// Code classifies the problem.
	Code Code
	// Message says what is wrong, in words.
	Message string
}

// String renders the problem as "workflow W: node N: var V: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Workflow != "" {
		fmt.Fprintf(&b, "sub-workflow %s: ", p.Workflow)
	}
	if p.Node != "" {
		fmt.Fprintf(&b, "node %s: ", p.Node)
	}
	if p.Var != "" {
		fmt.Fprintf(&b, "%s: ", p.Var)
	}
	b.WriteString(p.Message)
	return b.String()
}

// CompileError is returned when an entity does not compile. It holds every problem found, in a
// deterministic order (the order of the nodes and variables in the input).
type CompileError struct {
	// Problems lists everything wrong; never empty.
	Problems []Problem
}

// Error lists every problem, separated by "; ".
func (e *CompileError) Error() string {
	if len(e.Problems) == 1 {
		return e.Problems[0].String()
	}
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("%d problems: %s", len(e.Problems), strings.Join(parts, "; "))
}

// problems collects Problems; its err method returns nil when there are none.
type problems struct {
	list []Problem
}

func (ps *problems) add(p Problem) { ps.list = append(ps.list, p) }

func (ps *problems) addf(node, v string, code Code, format string, args ...any) {
	ps.add(Problem{Node: node, Var: v, Code: code, Message: fmt.Sprintf(format, args...)})
}

func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &CompileError{Problems: ps.list}
}
