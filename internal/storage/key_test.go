package storage_test

import (
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/storage"
)

func TestValidateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key     string
		wantErr string // empty: valid
	}{
		{"a", ""},
		{"proj/dev/exec-1/n0/0/outputs.pb", ""},
		{".hidden/..dots../x.y", ""},
		{"spaces are fine/and ünïcode", ""},
		{"a?b=c&d#e", ""},
		{strings.Repeat("k", storage.MaxKeyLength), ""},
		{"", "key is empty"},
		{"/abs", `starts with "/"`},
		{"dir/", `ends with "/"`},
		{"a//b", "empty segment"},
		{"..", `contains a ".." segment`},
		{"a/../b", `contains a ".." segment`},
		{"a/..", `contains a ".." segment`},
		{"./a", `contains a "." segment`},
		{"a/./b", `contains a "." segment`},
		{"a\\b", "backslash"},
		{"a\x00b", "control character U+0000"},
		{"a\nb", "control character U+000A"},
		{"a\x7fb", "control character U+007F"},
		{"bad\xffutf8", "not valid UTF-8"},
		{"x.attrs", `suffix ".attrs" is reserved`},
		{strings.Repeat("k", storage.MaxKeyLength+1), "longer than 1024 bytes"},
	}
	for _, tt := range tests {
		err := storage.ValidateKey(tt.key)
		if tt.wantErr == "" {
			require.NoError(t, err, "key %q", tt.key)
			continue
		}
		require.ErrorIs(t, err, storage.ErrInvalidKey, "key %q", tt.key)
		require.ErrorContains(t, err, tt.wantErr, "key %q", tt.key)
	}
}

// FuzzValidateKey checks that every accepted key is a clean relative path
// that survives the URL/Key round trip unchanged.
func FuzzValidateKey(f *testing.F) {
	for _, seed := range []string{"a", "a/b/c.pb", "", "/a", "a/../b", "a//b", "a/", ".", "a\\b", "\x00", "x.attrs", "é/ü"} {
		f.Add(seed)
	}
	s, err := storage.Open(f.Context(), "mem://fuzz", storage.Options{})
	require.NoError(f, err)
	f.Cleanup(func() { require.NoError(f, s.Close()) })
	f.Fuzz(func(t *testing.T, key string) {
		if err := storage.ValidateKey(key); err != nil {
			require.ErrorIs(t, err, storage.ErrInvalidKey)
			return
		}
		require.Equal(t, path.Clean(key), key, "a valid key is a clean path")
		require.False(t, path.IsAbs(key))
		require.NotEqual(t, ".", key)
		require.False(t, key == ".." || strings.HasPrefix(key, "../"))
		got, err := s.Key(s.URL(key))
		require.NoError(t, err)
		require.Equal(t, key, got)
	})
}

// FuzzKey checks that Key either rejects a URI or returns the key whose URL
// is exactly that URI.
func FuzzKey(f *testing.F) {
	for _, seed := range []string{"s3://b/k", "mem://fuzz/a/b", "mem://fuzz/../x", "mem://fuzz/", "mem://other/a", "mem://fuzz//a", ""} {
		f.Add(seed)
	}
	s, err := storage.Open(f.Context(), "mem://fuzz", storage.Options{})
	require.NoError(f, err)
	f.Cleanup(func() { require.NoError(f, s.Close()) })
	f.Fuzz(func(t *testing.T, uri string) {
		key, err := s.Key(uri)
		if err != nil {
			require.ErrorIs(t, err, storage.ErrInvalidKey)
			return
		}
		require.NoError(t, storage.ValidateKey(key))
		require.Equal(t, uri, s.URL(key))
	})
}

// FuzzOpenURL checks that opening arbitrary in-process URLs never panics and
// that a store, when opened, maps keys under its own base.
func FuzzOpenURL(f *testing.F) {
	for _, seed := range []string{"mem://", "mem://name", "mem:///x", "file:relative", "s3://", "ftp://x", "%zz", "mem://a?b=c", "mem://a#f"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		// Only the mem scheme: file would touch the disk and cloud schemes
		// read credentials from the environment.
		if !strings.HasPrefix(raw, "mem:") {
			raw = "mem:" + raw
		}
		s, err := storage.Open(t.Context(), raw, storage.Options{})
		if err != nil {
			require.Nil(t, s)
			return
		}
		defer func() { require.NoError(t, s.Close()) }()
		require.True(t, strings.HasPrefix(s.URL("k"), "mem://"))
		key, err := s.Key(s.URL("k"))
		require.NoError(t, err)
		require.Equal(t, "k", key)
	})
}
