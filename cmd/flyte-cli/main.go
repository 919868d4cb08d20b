// Command flyte-cli is the command-line client of the flyte admin service.
// See docs/cli.md.
package main

import (
	"os"

	"github.com/flyte-go/flyte/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
