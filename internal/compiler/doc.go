// Package compiler validates tasks, workflows and launch plans at registration (and dynamic
// workflows at run time) and produces the compiled closure the engine executes.
//
// A workflow is checked as a whole and every problem is reported, each naming the node and the
// variable it concerns (see Problem and the Code constants). The rules, beyond the type rules of
// AreTypesCastable and CheckLiteral:
//
//   - Node ids are unique within a workflow (nested nodes included), made of letters, digits,
//     '-' and '_', at most 63 characters, and never start-node or end-node.
//   - A node's interface comes from what it runs: a task's interface, a sub-workflow's declared
//     interface, a launch plan's expected inputs and outputs. Sub-workflows must be among those
//     given to CompileWorkflow; they are compiled too, once, and may not run themselves.
//   - A branch node's own bindings are the values its conditions read (operands of kind var
//     name them); its outputs are the outputs every case produces (cases ending in an error
//     excepted), typed by a type all cases' types fit. The nodes of its cases bind values from
//     the workflow like any node; their dependencies become the branch node's.
//   - Gates: approve and sleep have no inputs and no outputs; signal has one output,
//     output_variable_name, of the signal's type. Signal ids are unique within a workflow.
//   - An array node runs its sub-node (a task, sub-workflow or launch plan node) once per list
//     element. Inputs the sub-node binds itself ("bound inputs") are passed unchanged to every
//     element; every other sub-node input becomes a list input of the array node, and every
//     output a list output. At least one input must be a list input. min_success_ratio is
//     within [0, 1].
//   - Every input is bound exactly once, except optional inputs (union with none), launch plan
//     inputs that have a default (when the Resolver is a LaunchPlanResolver), and failure node
//     inputs of type error, which the engine fills with the workflow's error. The failure node may
//     only bind workflow inputs.
//   - Promises name a top-level node of the same workflow and one of its outputs (after output
//     aliases), or start-node and a workflow input; attribute paths step into lists (int),
//     maps (string) and structs whose field types are known (TypeStructure.dataclass_type).
//   - Dependencies are those of promises plus upstream_node_ids; cycles are reported with their
//     path, and nodes that depend on a cycle as unreachable.
//   - Every declared workflow output is bound, from values whose types fit.
//
// The closure holds the primary workflow and the referenced sub-workflows with their connections
// (upstream and downstream ids, including start-node and end-node; the failure node is not in
// them), and every referenced task and launch plan once, sorted by identifier.
package compiler
