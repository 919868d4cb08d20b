// Package idl guards the protobuf contract of the platform: its tests fail when the generated
// code under gen/ is stale against the IDL under proto/, when the IDL breaks its lint rules, or
// when the services stop exposing the methods other components and users rely on.
//
// The IDL lives in proto/flyte/{core,admin,event,datacatalog}/v1 and is generated into
// gen/flyte/... with `make generate`; `make check-generate` is the command-line staleness check.
package idl
