package storagetest_test

import (
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/storage/storagetest"
)

// TestStartS3 checks that the server serves the bucket while the test runs
// and is gone once the test's cleanup has run.
func TestStartS3(t *testing.T) {
	t.Parallel()
	var endpointHost string
	t.Run("serve", func(t *testing.T) {
		rawURL, creds := storagetest.StartS3(t)
		u, err := url.Parse(rawURL)
		require.NoError(t, err)
		require.Equal(t, "s3", u.Scheme)
		require.Equal(t, storagetest.Bucket, u.Host)
		require.Equal(t, "true", u.Query().Get("use_path_style"))
		endpoint, err := url.Parse(u.Query().Get("endpoint"))
		require.NoError(t, err)
		endpointHost = endpoint.Host
		require.NotEmpty(t, creds.AccessKeyID)
		require.NotEmpty(t, creds.SecretAccessKey)

		s, err := storage.Open(t.Context(), rawURL, creds)
		require.NoError(t, err)
		defer func() { require.NoError(t, s.Close()) }()
		require.NoError(t, s.Ping(t.Context()))
		require.NoError(t, s.WriteAll(t.Context(), "hello", []byte("world")))
	})
	conn, err := net.DialTimeout("tcp", endpointHost, time.Second)
	if err == nil {
		_ = conn.Close()
	}
	require.Error(t, err, "versitygw still listens on %s after cleanup", endpointHost)
}

// TestStartS3Twice checks that two servers run side by side with separate
// data.
func TestStartS3Twice(t *testing.T) {
	t.Parallel()
	urlA, credsA := storagetest.StartS3(t)
	urlB, credsB := storagetest.StartS3(t)
	require.NotEqual(t, urlA, urlB)
	a, err := storage.Open(t.Context(), urlA, credsA)
	require.NoError(t, err)
	defer func() { require.NoError(t, a.Close()) }()
	b, err := storage.Open(t.Context(), urlB, credsB)
	require.NoError(t, err)
	defer func() { require.NoError(t, b.Close()) }()
	require.NoError(t, a.WriteAll(t.Context(), "only-in-a", []byte("x")))
	exists, err := b.Exists(t.Context(), "only-in-a")
	require.NoError(t, err)
	require.False(t, exists)
}
