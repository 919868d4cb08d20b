// Package examples holds the bundled example workflows (see README.md here)
// so that `flyte start --demo` can register them without a checkout.
package examples

import "embed"

// Files are the example workflow files, at their paths in this directory.
//
//go:embed *.yaml idl/*.json
var Files embed.FS
