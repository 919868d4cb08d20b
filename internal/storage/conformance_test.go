package storage_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/flyte-go/flyte/internal/storage"
	"github.com/flyte-go/flyte/internal/storage/storagetest"
)

// backend opens a store of one kind and says which URI prefix it must use.
type backend struct {
	name string
	open func(t *testing.T) (s *storage.Store, wantBase string)
}

func backends() []backend {
	return []backend{
		{name: "file", open: func(t *testing.T) (*storage.Store, string) {
			dir := filepath.Join(t.TempDir(), "store")
			return openStore(t, "file://"+dir, storage.Options{}), "file://" + dir + "/"
		}},
		{name: "mem", open: func(t *testing.T) (*storage.Store, string) {
			return openStore(t, "mem://", storage.Options{}), "mem:///"
		}},
		{name: "s3", open: func(t *testing.T) (*storage.Store, string) {
			url, creds := storagetest.StartS3(t)
			return openStore(t, url, creds), "s3://" + storagetest.Bucket + "/"
		}},
	}
}

func openStore(t *testing.T, url string, opts storage.Options) *storage.Store {
	t.Helper()
	s, err := storage.Open(t.Context(), url, opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	return s
}

// conformanceCase runs against one shared store; ns is a key prefix unique
// to the case, so cases can run in parallel.
type conformanceCase struct {
	name string
	run  func(t *testing.T, s *storage.Store, ns, base string)
}

func TestConformance(t *testing.T) {
	t.Parallel()
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s, base := b.open(t)
			for _, c := range conformanceCases() {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					c.run(t, s, c.name+"/", base)
				})
			}
		})
	}
}

func conformanceCases() []conformanceCase {
	return []conformanceCase{
		{"round_trip", testRoundTrip},
		{"proto_round_trip", testProtoRoundTrip},
		{"not_found", testNotFound},
		{"exists", testExists},
		{"delete", testDelete},
		{"copy", testCopy},
		{"list_by_prefix", testListByPrefix},
		{"large_stream", testLargeStream},
		{"abort_write", testAbortWrite},
		{"url_key_mapping", testURLKeyMapping},
		{"invalid_keys", testInvalidKeys},
		{"ping", testPing},
		{"local_files", testLocalFiles},
		{"local_dirs", testLocalDirs},
	}
}

func testRoundTrip(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	key := ns + "a/b/data.txt"
	require.NoError(t, s.WriteAll(ctx, key, []byte("first")))
	got, err := s.ReadAll(ctx, key)
	require.NoError(t, err)
	require.Equal(t, "first", string(got))

	require.NoError(t, s.WriteAll(ctx, key, []byte("second, longer")))
	got, err = s.ReadAll(ctx, key)
	require.NoError(t, err)
	require.Equal(t, "second, longer", string(got))

	empty := ns + "empty"
	require.NoError(t, s.WriteAll(ctx, empty, nil))
	got, err = s.ReadAll(ctx, empty)
	require.NoError(t, err)
	require.Empty(t, got)
}

func testProtoRoundTrip(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	want, err := structpb.NewStruct(map[string]any{
		"name":    "train",
		"retries": 3.0,
		"tags":    []any{"a", "b"},
		"nested":  map[string]any{"ok": true},
	})
	require.NoError(t, err)
	key := ns + "inputs.pb"
	require.NoError(t, s.WriteProto(ctx, key, want))
	got := &structpb.Struct{}
	require.NoError(t, s.ReadProto(ctx, key, got))
	require.Empty(t, cmp.Diff(want, got, protocmp.Transform()))

	// Deterministic encoding: the same message gives the same bytes.
	first, err := s.ReadAll(ctx, key)
	require.NoError(t, err)
	require.NoError(t, s.WriteProto(ctx, key, want))
	second, err := s.ReadAll(ctx, key)
	require.NoError(t, err)
	require.Equal(t, first, second)

	garbage := ns + "garbage.pb"
	require.NoError(t, s.WriteAll(ctx, garbage, []byte{0xff, 0xff, 0xff}))
	err = s.ReadProto(ctx, garbage, &structpb.Struct{})
	require.ErrorContains(t, err, "decode "+s.URL(garbage)+" as google.protobuf.Struct")
}

func testNotFound(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	key := ns + "missing/outputs.pb"
	checks := map[string]error{}
	_, checks["ReadAll"] = s.ReadAll(ctx, key)
	checks["ReadProto"] = s.ReadProto(ctx, key, &structpb.Struct{})
	_, checks["NewReader"] = s.NewReader(ctx, key)
	checks["Delete"] = s.Delete(ctx, key)
	checks["Copy"] = s.Copy(ctx, ns+"copy", key)
	checks["CopyToFile"] = s.CopyToFile(ctx, key, filepath.Join(t.TempDir(), "out"))
	for op, err := range checks {
		require.ErrorIs(t, err, storage.ErrNotFound, op)
		require.ErrorContains(t, err, s.URL(key), op)
	}
	exists, err := s.Exists(ctx, ns+"copy")
	require.NoError(t, err)
	require.False(t, exists, "a failed copy must not create its destination")
}

func testExists(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	key := ns + "x"
	exists, err := s.Exists(ctx, key)
	require.NoError(t, err)
	require.False(t, exists)
	require.NoError(t, s.WriteAll(ctx, key, []byte("1")))
	exists, err = s.Exists(ctx, key)
	require.NoError(t, err)
	require.True(t, exists)
	// A "directory" holding objects is not itself an object.
	require.NoError(t, s.WriteAll(ctx, ns+"dir/y", []byte("1")))
	exists, err = s.Exists(ctx, ns+"dir")
	require.NoError(t, err)
	require.False(t, exists)
}

func testDelete(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	key := ns + "doomed"
	keep := ns + "kept"
	require.NoError(t, s.WriteAll(ctx, key, []byte("x")))
	require.NoError(t, s.WriteAll(ctx, keep, []byte("y")))
	require.NoError(t, s.Delete(ctx, key))
	exists, err := s.Exists(ctx, key)
	require.NoError(t, err)
	require.False(t, exists)
	_, err = s.ReadAll(ctx, key)
	require.ErrorIs(t, err, storage.ErrNotFound)
	require.ErrorIs(t, s.Delete(ctx, key), storage.ErrNotFound)
	got, err := s.ReadAll(ctx, keep)
	require.NoError(t, err)
	require.Equal(t, "y", string(got))
}

func testCopy(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	require.NoError(t, s.WriteAll(ctx, ns+"src", []byte("payload")))
	require.NoError(t, s.Copy(ctx, ns+"sub/dst", ns+"src"))
	got, err := s.ReadAll(ctx, ns+"sub/dst")
	require.NoError(t, err)
	require.Equal(t, "payload", string(got))
	require.ErrorIs(t, s.Copy(ctx, ns+"dst", "../src"), storage.ErrInvalidKey)
	require.ErrorIs(t, s.Copy(ctx, "/dst", ns+"src"), storage.ErrInvalidKey)
}

func testListByPrefix(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	for _, k := range []string{"dir/a", "dir/b/c", "dir/b/d", "dirx/e", "other"} {
		require.NoError(t, s.WriteAll(ctx, ns+k, []byte(k)))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"dir/", []string{"dir/a", "dir/b/c", "dir/b/d"}},
		{"dir", []string{"dir/a", "dir/b/c", "dir/b/d", "dirx/e"}},
		{"dir/b/", []string{"dir/b/c", "dir/b/d"}},
		{"", []string{"dir/a", "dir/b/c", "dir/b/d", "dirx/e", "other"}},
		{"none/", nil},
	}
	for _, tt := range tests {
		got, err := s.List(ctx, ns+tt.prefix)
		require.NoError(t, err, tt.prefix)
		var want []string
		for _, k := range tt.want {
			want = append(want, ns+k)
		}
		require.Empty(t, cmp.Diff(want, got), "prefix %q", tt.prefix)
	}

	// Stopping the iteration early is allowed.
	var first []string
	for key, err := range s.Keys(ctx, ns) {
		require.NoError(t, err)
		first = append(first, key)
		break
	}
	require.Equal(t, []string{ns + "dir/a"}, first)

	_, err := s.List(ctx, ns+"../")
	require.ErrorIs(t, err, storage.ErrInvalidKey)
}

// streamSize is large enough to need multipart uploads on S3.
const streamSize = 20 << 20

func testLargeStream(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	key := ns + "big.bin"
	rng := rand.NewChaCha8([32]byte{1, 2, 3})
	wantHash := sha256.New()
	w, err := s.NewWriter(ctx, key)
	require.NoError(t, err)
	chunk := make([]byte, 1<<20)
	for written := 0; written < streamSize; written += len(chunk) {
		_, _ = rng.Read(chunk) // ChaCha8.Read never fails
		wantHash.Write(chunk)
		n, err := w.Write(chunk)
		require.NoError(t, err)
		require.Equal(t, len(chunk), n)
	}
	require.NoError(t, w.Close())

	r, err := s.NewReader(ctx, key)
	require.NoError(t, err)
	gotHash := sha256.New()
	n, err := io.Copy(gotHash, r)
	require.NoError(t, err)
	require.NoError(t, r.Close())
	require.Equal(t, int64(streamSize), n)
	require.Equal(t, wantHash.Sum(nil), gotHash.Sum(nil))
}

func testAbortWrite(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	fresh := ns + "never"
	w, err := s.NewWriter(ctx, fresh)
	require.NoError(t, err)
	_, err = w.Write([]byte("partial"))
	require.NoError(t, err)
	w.Abort()
	exists, err := s.Exists(ctx, fresh)
	require.NoError(t, err)
	require.False(t, exists)

	old := ns + "old"
	require.NoError(t, s.WriteAll(ctx, old, []byte("previous")))
	w, err = s.NewWriter(ctx, old)
	require.NoError(t, err)
	_, err = w.Write([]byte("replacement"))
	require.NoError(t, err)
	w.Abort()
	got, err := s.ReadAll(ctx, old)
	require.NoError(t, err)
	require.Equal(t, "previous", string(got))
}

func testURLKeyMapping(t *testing.T, s *storage.Store, ns, base string) {
	require.Equal(t, base, s.Base())
	key := ns + "proj/dev/exec-1/n0/outputs.pb"
	uri := s.URL(key)
	require.Equal(t, base+key, uri)
	got, err := s.Key(uri)
	require.NoError(t, err)
	require.Equal(t, key, got)

	for _, bad := range []string{
		"s3://another-bucket/" + key,
		"gs://" + strings.TrimPrefix(base, "s3://") + key,
		"file:///elsewhere/" + key,
		key,
		base,
		base + "a/../b",
		base + "/abs",
	} {
		_, err := s.Key(bad)
		require.ErrorIs(t, err, storage.ErrInvalidKey, bad)
	}
}

func testInvalidKeys(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	bad := []string{"", "/" + ns + "abs", ns + "a/../b", ns + "a//b", ns + "dir/", ns + "./x", ns + "meta.attrs", ns + "tab\tkey"}
	src := filepath.Join(t.TempDir(), "src")
	require.NoError(t, os.WriteFile(src, []byte("x"), 0o644))
	for _, key := range bad {
		ops := map[string]error{}
		ops["WriteAll"] = s.WriteAll(ctx, key, []byte("x"))
		ops["WriteProto"] = s.WriteProto(ctx, key, &structpb.Struct{})
		_, ops["ReadAll"] = s.ReadAll(ctx, key)
		ops["ReadProto"] = s.ReadProto(ctx, key, &structpb.Struct{})
		_, ops["Exists"] = s.Exists(ctx, key)
		ops["Delete"] = s.Delete(ctx, key)
		_, ops["NewReader"] = s.NewReader(ctx, key)
		_, ops["NewWriter"] = s.NewWriter(ctx, key)
		ops["CopyFromFile"] = s.CopyFromFile(ctx, key, src)
		for op, err := range ops {
			require.ErrorIs(t, err, storage.ErrInvalidKey, "%s(%q)", op, key)
		}
	}
	// Rejected requests stored nothing.
	got, err := s.List(ctx, ns)
	require.NoError(t, err)
	require.Empty(t, got)
}

func testPing(t *testing.T, s *storage.Store, _, _ string) {
	require.NoError(t, s.Ping(t.Context()))
}

func testLocalFiles(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	dir := t.TempDir()
	src := filepath.Join(dir, "model.bin")
	content := bytes.Repeat([]byte("weights "), 10000)
	require.NoError(t, os.WriteFile(src, content, 0o644))
	key := ns + "raw/model.bin"
	require.NoError(t, s.CopyFromFile(ctx, key, src))

	dst := filepath.Join(dir, "down", "nested", "model.bin")
	require.NoError(t, s.CopyToFile(ctx, key, dst))
	got, err := os.ReadFile(dst)
	require.NoError(t, err)
	require.Equal(t, content, got)
	entries, err := os.ReadDir(filepath.Dir(dst))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file may be left behind")

	err = s.CopyFromFile(ctx, ns+"nofile", filepath.Join(dir, "absent"))
	require.ErrorIs(t, err, os.ErrNotExist)
	err = s.CopyFromFile(ctx, ns+"dirfile", dir)
	require.ErrorContains(t, err, "not a regular file")
	exists, err := s.Exists(ctx, ns+"dirfile")
	require.NoError(t, err)
	require.False(t, exists)
}

func testLocalDirs(t *testing.T, s *storage.Store, ns, _ string) {
	ctx := t.Context()
	src := t.TempDir()
	files := map[string]string{"a.txt": "A", "sub/b.txt": "B", "sub/deeper/c.txt": "C"}
	for rel, data := range files {
		p := filepath.Join(src, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
	prefix := ns + "out/dir/"
	keys, err := s.UploadDir(ctx, prefix, src)
	require.NoError(t, err)
	require.Empty(t, cmp.Diff([]string{prefix + "a.txt", prefix + "sub/b.txt", prefix + "sub/deeper/c.txt"}, keys))

	dst := filepath.Join(t.TempDir(), "inputs")
	paths, err := s.DownloadDir(ctx, prefix, dst)
	require.NoError(t, err)
	require.Len(t, paths, len(files))
	for rel, data := range files {
		got, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(rel)))
		require.NoError(t, err)
		require.Equal(t, data, string(got))
	}

	_, err = s.UploadDir(ctx, ns+"no-slash", src)
	require.ErrorIs(t, err, storage.ErrInvalidKey)

	// Links could expose files outside the task's directory.
	linked := t.TempDir()
	require.NoError(t, os.Symlink("/etc/hostname", filepath.Join(linked, "link")))
	_, err = s.UploadDir(ctx, ns+"linked/", linked)
	require.ErrorContains(t, err, "not a regular file")
	got, err := s.List(ctx, ns+"linked/")
	require.NoError(t, err)
	require.Empty(t, got)

	_, err = s.UploadDir(ctx, ns+"gone/", filepath.Join(src, "absent"))
	require.True(t, errors.Is(err, os.ErrNotExist), "got %v", err)
}
