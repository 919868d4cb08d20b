package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/storage/storagetest"
)

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	staticCreds := storage.Options{AccessKeyID: "AK", SecretAccessKey: "SK"}
	tests := []struct {
		name    string
		url     string
		opts    storage.Options
		wantErr string
	}{
		{"empty", "", storage.Options{}, "URL is empty"},
		{"no scheme", "/var/data", storage.Options{}, "URL has no scheme"},
		{"unknown scheme", "ftp://host/dir", storage.Options{}, `unsupported scheme "ftp"`},
		{"file with host", "file://host/dir", storage.Options{}, `file URL has host "host"`},
		{"file relative", "file:relative/dir", storage.Options{}, "is not absolute"},
		{"file query", "file:///tmp/x?create_dir=1", storage.Options{}, "does not accept query parameters"},
		{"mem path", "mem:///some/path", storage.Options{}, `mem URL has path "/some/path"`},
		{"s3 no bucket", "s3://?region=us-east-1", storage.Options{}, "s3 URL has no bucket name"},
		{"s3 bad bool", "s3://b?use_path_style=maybe", storage.Options{}, `use_path_style="maybe" is not a boolean`},
		{"s3 unknown param", "s3://b?colour=blue", storage.Options{}, `unknown query parameter "colour"`},
		{"s3 repeated param", "s3://b?region=a&region=b", storage.Options{}, `"region" is given 2 times`},
		{"s3 bad sse", "s3://b?ssetype=rot13", storage.Options{}, `ssetype="rot13" is not one of`},
		{"s3 bad prefix", "s3://b/a/../c", storage.Options{}, `contains a ".." segment`},
		{"gs no bucket", "gs:///path", storage.Options{}, "gs URL has no bucket name"},
		{"fragment", "s3://b#frag", storage.Options{}, "URL has a fragment"},
		{"static keys on file", "file:///tmp/x", staticCreds, "only supported for s3 URLs"},
		{"key without secret", "s3://b", storage.Options{AccessKeyID: "AK"}, "secret access key is empty"},
		{"secret without key", "s3://b", storage.Options{SecretAccessKey: "SK"}, "access key id is empty"},
		{"token without key", "s3://b", storage.Options{SessionToken: "T"}, "session token is set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := storage.Open(t.Context(), tt.url, tt.opts)
			require.ErrorContains(t, err, tt.wantErr)
			require.Nil(t, s)
		})
	}
}

func TestOpenHidesURLPassword(t *testing.T) {
	t.Parallel()
	_, err := storage.Open(t.Context(), "s3://user:hunter2@bucket", storage.Options{})
	require.ErrorContains(t, err, "user info in the URL is not supported")
	require.NotContains(t, err.Error(), "hunter2")
}

func TestOptionsHideSecrets(t *testing.T) {
	t.Parallel()
	opts := storage.Options{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "s3cr3t-value", SessionToken: "t0ken-value"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("open", "storage", opts)
	for _, out := range []string{fmt.Sprint(opts), fmt.Sprintf("%+v", opts), logged.String()} {
		require.Contains(t, out, "AKIDEXAMPLE")
		require.NotContains(t, out, "s3cr3t-value")
		require.NotContains(t, out, "t0ken-value")
	}
}

func TestOptionsDefaults(t *testing.T) {
	t.Parallel()
	require.Equal(t, storage.Options{Region: storage.DefaultRegion}, storage.Options{}.WithDefaults())
	require.Equal(t, storage.Options{Region: "eu-west-1"}, storage.Options{Region: "eu-west-1"}.WithDefaults())
	require.NoError(t, storage.Options{}.Validate())
	err := storage.Options{SecretAccessKey: "x", SessionToken: "y"}.Validate()
	require.ErrorContains(t, err, "access key id is empty")
	require.ErrorContains(t, err, "session token is set")
}

func TestFileStoreLayout(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "not", "yet", "there")
	s := openStore(t, "file://"+dir, storage.Options{})
	require.NoError(t, s.WriteAll(ctx, "p/d/exec/n0/outputs.pb", []byte("out")))

	// Objects are plain files at dir/key with no metadata sidecars, so
	// tasks and people can read them directly.
	got, err := os.ReadFile(filepath.Join(dir, "p", "d", "exec", "n0", "outputs.pb"))
	require.NoError(t, err)
	require.Equal(t, "out", string(got))
	entries, err := os.ReadDir(filepath.Join(dir, "p", "d", "exec", "n0"))
	require.NoError(t, err)
	require.Len(t, entries, 1)

	// A second store over the same directory sees the same objects.
	again := openStore(t, "file://"+dir+"/", storage.Options{})
	require.Equal(t, s.URL("k"), again.URL("k"))
	keys, err := again.List(ctx, "")
	require.NoError(t, err)
	require.Equal(t, []string{"p/d/exec/n0/outputs.pb"}, keys)
}

func TestFileStoreUnwritableDir(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		// Root ignores permission bits; use a path below a regular file.
		file := filepath.Join(t.TempDir(), "file")
		require.NoError(t, os.WriteFile(file, nil, 0o644))
		_, err := storage.Open(t.Context(), "file://"+file+"/sub", storage.Options{})
		require.ErrorContains(t, err, "create directory")
		return
	}
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o555))
	_, err := storage.Open(t.Context(), "file://"+dir, storage.Options{})
	require.ErrorContains(t, err, "is not writable")
}

func TestMemStoresAreSeparate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	a := openStore(t, "mem://a", storage.Options{})
	b := openStore(t, "mem://a", storage.Options{})
	require.NoError(t, a.WriteAll(ctx, "k", []byte("v")))
	exists, err := b.Exists(ctx, "k")
	require.NoError(t, err)
	require.False(t, exists)
	require.Equal(t, "mem://a/k", a.URL("k"))
}

// TestOpenCloudURLs opens GCS and Azure stores without contacting them: both
// drivers connect lazily.
func TestOpenCloudURLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		wantURL string
	}{
		{"gs://my-bucket?anonymous=true", "gs://my-bucket/k/v.pb"},
		{"gs://my-bucket/team/a/?anonymous=true", "gs://my-bucket/team/a/k/v.pb"},
		{"azblob://container/pre?storage_account=acct", "azblob://container/pre/k/v.pb"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, tt.url, storage.Options{})
			require.Equal(t, tt.wantURL, s.URL("k/v.pb"))
			key, err := s.Key(tt.wantURL)
			require.NoError(t, err)
			require.Equal(t, "k/v.pb", key)
		})
	}
}

func TestPingUnreachableS3(t *testing.T) {
	t.Parallel()
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())

	s := openStore(t, "s3://bucket?endpoint=http://"+addr+"&use_path_style=true",
		storage.Options{AccessKeyID: "AK", SecretAccessKey: "SK"})
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	err = s.Ping(ctx)
	require.ErrorContains(t, err, "ping storage s3://bucket/")
	require.Less(t, time.Since(start), 10*time.Second, "ping must honour its context deadline")
}

// TestS3 covers what only S3 has: key prefixes in the URL, missing buckets
// and rejected credentials.
func TestS3(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url, creds := storagetest.StartS3(t)
	root := openStore(t, url, creds)

	t.Run("prefix", func(t *testing.T) {
		prefixed := openStore(t, strings.Replace(url, storagetest.Bucket, storagetest.Bucket+"/tenant/a", 1), creds)
		require.NoError(t, prefixed.WriteAll(ctx, "k/v", []byte("x")))
		require.Equal(t, "s3://"+storagetest.Bucket+"/tenant/a/k/v", prefixed.URL("k/v"))
		got, err := root.List(ctx, "tenant/")
		require.NoError(t, err)
		require.Equal(t, []string{"tenant/a/k/v"}, got)
		got, err = prefixed.List(ctx, "")
		require.NoError(t, err)
		require.Equal(t, []string{"k/v"}, got)
		// Both stores map the same URI, each to its own key.
		key, err := root.Key(prefixed.URL("k/v"))
		require.NoError(t, err)
		require.Equal(t, "tenant/a/k/v", key)
		_, err = prefixed.Key(root.URL("other"))
		require.ErrorIs(t, err, storage.ErrInvalidKey)
	})

	t.Run("missing bucket", func(t *testing.T) {
		missing := openStore(t, strings.Replace(url, storagetest.Bucket, "no-such-bucket", 1), creds)
		require.ErrorContains(t, missing.Ping(ctx), "bucket does not exist")
	})

	t.Run("wrong credentials", func(t *testing.T) {
		wrong := openStore(t, url, storage.Options{AccessKeyID: creds.AccessKeyID, SecretAccessKey: "wrong"})
		require.Error(t, wrong.Ping(ctx))
		_, err := wrong.ReadAll(ctx, "anything")
		require.Error(t, err)
		require.NotErrorIs(t, err, storage.ErrNotFound)
	})
}
