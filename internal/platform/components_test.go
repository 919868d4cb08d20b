package platform

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/config"
)

func TestStorageEnvPassesTheConfiguredStoreToTasks(t *testing.T) {
	t.Parallel()
	cfg := config.Config{Storage: config.Storage{
		URL: "s3://bucket?region=eu-west-1", Endpoint: "http://127.0.0.1:9000",
		AccessKeyID: "key", SecretAccessKey: "secret", UsePathStyle: true,
	}}
	require.Equal(t, []string{
		"FLYTE_STORAGE_URL=s3://bucket?region=eu-west-1",
		"FLYTE_STORAGE_ENDPOINT=http://127.0.0.1:9000",
		"FLYTE_STORAGE_ACCESS_KEY_ID=key",
		"FLYTE_STORAGE_SECRET_ACCESS_KEY=secret",
		"FLYTE_STORAGE_USE_PATH_STYLE=true",
	}, storageEnv(cfg))

	require.Equal(t, []string{"FLYTE_STORAGE_URL=file:///data/blobs"}, storageEnv(config.Config{Storage: config.Storage{URL: "file:///data/blobs"}}),
		"empty and false settings are left out")
}
