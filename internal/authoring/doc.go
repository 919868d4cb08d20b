// Package authoring decodes the files people write to register tasks,
// workflows and launch plans into the create requests of the admin API.
//
// A file holds one or more YAML documents (JSON is YAML too). Each document
// is in one of two formats, told apart by its top-level "format" key:
//
//   - format: idl/v1 — the IDL format: the protobuf create requests in their
//     protojson form, under tasks, workflows and launchPlans. Nothing is
//     added; empty project, domain and version fields of identifiers are
//     completed (see below).
//   - format: compact/v1, or no format key — the compact format people write
//     by hand: tasks with commands and typed inputs and outputs, workflows
//     of nodes whose inputs are bound with $references, launch plans with
//     defaults, schedules and notifications. Every workflow also gets a
//     default launch plan of its own name unless the file defines one.
//
// docs/authoring.md is the reference of the compact format.
//
// Where entities go: a compact document may say project, domain and version
// at its top; Options (the command-line flags) say them too. Either one
// alone is used; both set must agree, so a file pinned to one project is
// never registered into another by accident; neither set is an error. In
// the IDL format the same rule applies to the identifier of every entity,
// and references inside an entity default to the entity's own project,
// domain and version.
//
// References by name (task: sum) resolve across every file decoded
// together and must name an entity defined there; naming a version
// (task: {name: sum, version: v0}) refers to an entity registered before.
//
// Errors name the file, the line and the entity and field, and every
// problem is reported, not only the first (see Errors).
package authoring
