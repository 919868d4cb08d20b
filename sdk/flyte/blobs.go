package flyte

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"

	"github.com/flyte-go/flyte/internal/storage"
)

// Environment variables that configure access to an S3-compatible object
// store, the same the platform reads (storage.url, storage.endpoint,
// storage.region, storage.usePathStyle, storage.accessKeyID,
// storage.secretAccessKey); the local plugin passes the platform's own.
// Without them the standard AWS chain applies.
const (
	envStorageURL       = "FLYTE_STORAGE_URL"
	envStorageEndpoint  = "FLYTE_STORAGE_ENDPOINT"
	envStorageRegion    = "FLYTE_STORAGE_REGION"
	envStoragePathStyle = "FLYTE_STORAGE_USE_PATH_STYLE"
	envStorageKeyID     = "FLYTE_STORAGE_ACCESS_KEY_ID"
	envStorageSecret    = "FLYTE_STORAGE_SECRET_ACCESS_KEY"
)

// blobs reads and writes objects named by full URIs (file://, s3://,
// gs://, azblob://, mem:// is not reachable from another process). file://
// URIs are plain local paths; other schemes open one storage.Store per
// bucket, kept until close.
type blobs struct {
	getenv func(string) string

	mu     sync.Mutex
	stores map[string]*storage.Store
}

func newBlobs(getenv func(string) string) *blobs {
	if getenv == nil {
		getenv = os.Getenv
	}
	return &blobs{getenv: getenv, stores: map[string]*storage.Store{}}
}

// close closes every store opened.
func (b *blobs) close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	for _, s := range b.stores {
		errs = append(errs, s.Close())
	}
	b.stores = map[string]*storage.Store{}
	return errors.Join(errs...)
}

// localPath returns the path of a file:// URI.
func localPath(uri string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, "file://")
	if !ok {
		return "", false
	}
	if u, err := url.Parse(uri); err == nil && u.Path != "" {
		return filepath.FromSlash(u.Path), true
	}
	return filepath.FromSlash(rest), true
}

// fileURI returns the file:// URI of an absolute local path.
func fileURI(p string) string {
	return "file://" + filepath.ToSlash(p)
}

// store opens (once) the store holding uri and returns it with the key of
// uri in it.
func (b *blobs) store(ctx context.Context, uri string) (*storage.Store, string, error) {
	scheme, rest, ok := strings.Cut(uri, "://")
	bucket, key, _ := strings.Cut(rest, "/")
	if !ok || scheme == "" || bucket == "" {
		return nil, "", fmt.Errorf("%q is not an object store URI (want scheme://bucket/key)", uri)
	}
	base := scheme + "://" + bucket
	b.mu.Lock()
	defer b.mu.Unlock()
	if s, ok := b.stores[base]; ok {
		return s, key, nil
	}
	open := base
	var opts storage.Options
	if scheme == "s3" {
		q := url.Values{}
		// The platform's own store URL may carry the S3 settings in its
		// query (s3://bucket?endpoint=...); the variables below win.
		if u, err := url.Parse(b.getenv(envStorageURL)); err == nil && u.Scheme == scheme && u.Host == bucket {
			q = u.Query()
		}
		if v := b.getenv(envStorageEndpoint); v != "" {
			q.Set("endpoint", v)
		}
		if v := b.getenv(envStorageRegion); v != "" {
			q.Set("region", v)
		}
		if v := b.getenv(envStoragePathStyle); v == "true" || v == "1" {
			q.Set("use_path_style", "true")
		}
		if len(q) > 0 {
			open += "?" + q.Encode()
		}
		opts.AccessKeyID = b.getenv(envStorageKeyID)
		opts.SecretAccessKey = b.getenv(envStorageSecret)
	}
	s, err := storage.Open(ctx, open, opts)
	if err != nil {
		return nil, "", err
	}
	b.stores[base] = s
	return s, key, nil
}

// read returns the object at uri; a missing object wraps fs.ErrNotExist.
func (b *blobs) read(ctx context.Context, uri string) ([]byte, error) {
	if p, ok := localPath(uri); ok {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", uri, err)
		}
		return data, nil
	}
	s, key, err := b.store(ctx, uri)
	if err != nil {
		return nil, err
	}
	data, err := s.ReadAll(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("read %s: %w", uri, fs.ErrNotExist)
	}
	return data, err
}

// write stores data at uri.
func (b *blobs) write(ctx context.Context, uri string, data []byte) error {
	if p, ok := localPath(uri); ok {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("write %s: %w", uri, err)
		}
		tmp, err := os.CreateTemp(filepath.Dir(p), ".flyte-sdk-*")
		if err != nil {
			return fmt.Errorf("write %s: %w", uri, err)
		}
		_, werr := tmp.Write(data)
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("write %s: %w", uri, err)
		}
		if err := os.Rename(tmp.Name(), p); err != nil {
			os.Remove(tmp.Name())
			return fmt.Errorf("write %s: %w", uri, err)
		}
		return nil
	}
	s, key, err := b.store(ctx, uri)
	if err != nil {
		return err
	}
	return s.WriteAll(ctx, key, data)
}

// readProto decodes the protobuf message at uri into m.
func (b *blobs) readProto(ctx context.Context, uri string, m proto.Message) error {
	data, err := b.read(ctx, uri)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(data, m); err != nil {
		return fmt.Errorf("decode %s: %w", uri, err)
	}
	return nil
}

// writeProto stores m at uri.
func (b *blobs) writeProto(ctx context.Context, uri string, m proto.Message) error {
	data, err := proto.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s: %w", uri, err)
	}
	return b.write(ctx, uri, data)
}

// download copies the file (or, when dir, the directory) at uri to dst.
func (b *blobs) download(ctx context.Context, uri, dst string, dir bool) error {
	if p, ok := localPath(uri); ok {
		return copyTree(p, dst, dir)
	}
	s, key, err := b.store(ctx, uri)
	if err != nil {
		return err
	}
	key = strings.TrimSuffix(key, "/")
	if dir {
		if _, err := s.DownloadDir(ctx, key+"/", dst); err != nil {
			return err
		}
		return nil
	}
	if err := s.CopyToFile(ctx, key, dst); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("file %s does not exist", uri)
		}
		return err
	}
	return nil
}

// upload copies the local file (or directory) src to uri.
func (b *blobs) upload(ctx context.Context, src, uri string, dir bool) error {
	info, err := os.Stat(src)
	if err != nil {
		return err
	}
	if info.IsDir() != dir {
		if dir {
			return fmt.Errorf("%s is a file, want a directory", src)
		}
		return fmt.Errorf("%s is a directory, want a file", src)
	}
	if p, ok := localPath(uri); ok {
		return copyTree(src, p, dir)
	}
	s, key, err := b.store(ctx, uri)
	if err != nil {
		return err
	}
	if dir {
		_, err := s.UploadDir(ctx, strings.TrimSuffix(key, "/")+"/", src)
		return err
	}
	return s.CopyFromFile(ctx, key, src)
}

// joinURI appends slash-separated elements to a URI prefix.
func joinURI(prefix string, elem ...string) string {
	return strings.TrimSuffix(prefix, "/") + "/" + path.Join(elem...)
}

// copyTree copies a file, or a directory tree when dir, from src to dst.
func copyTree(src, dst string, dir bool) error {
	info, err := os.Stat(src)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s does not exist", src)
		}
		return err
	}
	if info.IsDir() != dir {
		if dir {
			return fmt.Errorf("%s is a file, want a directory", src)
		}
		return fmt.Errorf("%s is a directory, want a file", src)
	}
	if !dir {
		return copyFile(src, dst)
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil // sockets, devices and links are not data
		}
		return copyFile(p, target)
	})
}

func copyFile(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
