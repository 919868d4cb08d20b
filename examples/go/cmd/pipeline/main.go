// Command pipeline is the example data pipeline as a program: it registers
// the pipeline on a platform (pipeline register -h HOST -p P -d D --version
// V), runs it locally (pipeline run data_pipeline --input shards=3), and is what
// the platform runs for each task attempt (pipeline execute ...).
package main

import (
	"github.com/flyte-go/flyte/examples/go/pipeline"
	"github.com/flyte-go/flyte/sdk/flyte"
)

func main() {
	flyte.Main(pipeline.Pipeline, pipeline.Nightly)
}
