package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"gocloud.dev/blob"
	"google.golang.org/protobuf/proto"
)

const (
	contentTypeBinary = "application/octet-stream"
	contentTypeProto  = "application/x-protobuf"
)

// ReadAll returns the whole content of the object at key.
func (s *Store) ReadAll(ctx context.Context, key string) ([]byte, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	data, err := s.bucket.ReadAll(ctx, key)
	if err != nil {
		return nil, mapError("read", s.URL(key), err)
	}
	return data, nil
}

// WriteAll stores data at key, replacing any existing object. Readers see
// either the old or the new content, never a mix.
func (s *Store) WriteAll(ctx context.Context, key string, data []byte) error {
	return s.writeAll(ctx, key, data, contentTypeBinary)
}

func (s *Store) writeAll(ctx context.Context, key string, data []byte, contentType string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := s.bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: contentType}); err != nil {
		return mapError("write", s.URL(key), err)
	}
	return nil
}

// ReadProto reads the object at key and decodes it as binary protobuf into m.
func (s *Store) ReadProto(ctx context.Context, key string, m proto.Message) error {
	data, err := s.ReadAll(ctx, key)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(data, m); err != nil {
		return fmt.Errorf("decode %s as %s: %w", s.URL(key), m.ProtoReflect().Descriptor().FullName(), err)
	}
	return nil
}

// WriteProto encodes m as deterministic binary protobuf and stores it at key,
// so that equal messages always produce equal objects.
func (s *Store) WriteProto(ctx context.Context, key string, m proto.Message) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode %s for %s: %w", m.ProtoReflect().Descriptor().FullName(), s.URL(key), err)
	}
	return s.writeAll(ctx, key, data, contentTypeProto)
}

// Exists reports whether an object exists at key.
func (s *Store) Exists(ctx context.Context, key string) (bool, error) {
	if err := ValidateKey(key); err != nil {
		return false, err
	}
	ok, err := s.bucket.Exists(ctx, key)
	if err != nil {
		return false, fmt.Errorf("check %s: %w", s.URL(key), err)
	}
	return ok, nil
}

// Delete removes the object at key. Deleting a missing object fails with an
// error wrapping ErrNotFound, which callers that only want it gone may ignore.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	if err := s.bucket.Delete(ctx, key); err != nil {
		return mapError("delete", s.URL(key), err)
	}
	return nil
}

// Copy copies the object at src to dst inside the store, replacing dst.
func (s *Store) Copy(ctx context.Context, dst, src string) error {
	if err := ValidateKey(src); err != nil {
		return fmt.Errorf("copy source: %w", err)
	}
	if err := ValidateKey(dst); err != nil {
		return fmt.Errorf("copy destination: %w", err)
	}
	if err := s.bucket.Copy(ctx, dst, src, nil); err != nil {
		return mapError("copy "+s.URL(src)+" to", s.URL(dst), err)
	}
	return nil
}

// Keys yields, in lexicographic order, the key of every object whose key
// starts with prefix. The prefix is a plain string prefix: pass "a/b/" to
// list the "directory" a/b, or "" for everything. A failure is yielded once
// as the last element.
func (s *Store) Keys(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if err := validatePrefix(prefix); err != nil {
			yield("", err)
			return
		}
		it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
		for {
			obj, err := it.Next(ctx)
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				yield("", fmt.Errorf("list %s: %w", s.URL(prefix), err))
				return
			}
			if obj.IsDir {
				continue
			}
			if !yield(obj.Key, nil) {
				return
			}
		}
	}
}

// List returns the keys that Keys yields, all at once. Prefer Keys for
// prefixes that may hold many objects.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	for key, err := range s.Keys(ctx, prefix) {
		if err != nil {
			return nil, err
		}
		keys = append(keys, key)
	}
	return keys, nil
}

// NewReader opens the object at key for streaming. The caller must close the
// reader. A missing object fails here, with an error wrapping ErrNotFound.
func (s *Store) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, mapError("read", s.URL(key), err)
	}
	return r, nil
}

// Writer streams an object into the store. The object appears, replacing any
// previous one, only when Close returns nil; Abort discards it instead.
type Writer struct {
	w      *blob.Writer
	cancel context.CancelFunc
	uri    string
}

// NewWriter starts streaming an object to key. The caller must call Close
// (to commit) or Abort (to discard). Cancelling ctx before Close also
// discards the object.
func (s *Store) NewWriter(ctx context.Context, key string) (*Writer, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	w, err := s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentTypeBinary})
	if err != nil {
		cancel()
		return nil, mapError("write", s.URL(key), err)
	}
	return &Writer{w: w, cancel: cancel, uri: s.URL(key)}, nil
}

// Write appends p to the object.
func (w *Writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	if err != nil {
		return n, fmt.Errorf("write %s: %w", w.uri, err)
	}
	return n, nil
}

// ReadFrom copies r to the object until EOF. It lets io.Copy hand the whole
// stream to the backend's uploader.
func (w *Writer) ReadFrom(r io.Reader) (int64, error) {
	n, err := w.w.ReadFrom(r)
	if err != nil {
		return n, fmt.Errorf("write %s: %w", w.uri, err)
	}
	return n, nil
}

// Close commits the object.
func (w *Writer) Close() error {
	defer w.cancel()
	if err := w.w.Close(); err != nil {
		return mapError("write", w.uri, err)
	}
	return nil
}

// Abort discards the object; nothing is stored at its key and a previous
// object there is left unchanged. It returns nothing because the write is
// cancelled whatever the backend answers.
func (w *Writer) Abort() {
	w.cancel()
	_ = w.w.Close()
}
