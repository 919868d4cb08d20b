// Command flyte is the platform: `flyte start` runs every component in one
// process, `flyte serve admin` one component, `flyte migrate` the schema.
package main

import (
	"os"

	"github.com/flyte-go/flyte/internal/platform"
)

func main() {
	os.Exit(platform.Main(os.Args[1:], os.Stdout, os.Stderr))
}
