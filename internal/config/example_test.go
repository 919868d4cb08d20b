package config_test

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/flyte-go/flyte/internal/config"
)

// The environment overrides the file and a flag overrides both.
func ExampleLoad() {
	fs := pflag.NewFlagSet("flyte", pflag.ContinueOnError)
	config.RegisterFlags(fs)
	if err := fs.Parse([]string{"--logging-level=debug"}); err != nil {
		fmt.Println(err)
		return
	}
	env := config.EnvLookup([]string{
		"FLYTE_DATA_DIR=/srv/flyte",
		"FLYTE_SERVER_PORT=9000",
		"FLYTE_LOGGING_LEVEL=warn",
	})
	cfg, err := config.Load("testdata/sandbox.good.yaml", env, fs)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cfg.DataDir, cfg.Server.Port, cfg.Logging.Level)
	fmt.Println(cfg.Database.DSN, cfg.Storage.URL)
	// Output:
	// /srv/flyte 9000 debug
	// /srv/flyte/flyte.db file:///srv/flyte/blobs
}
