// Package storage is the platform's object store: a concrete Store over
// gocloud.dev/blob, opened by URL, that holds inputs, outputs, errors and raw
// user data of executions.
//
// Supported URLs:
//
//	file:///abs/dir        a local directory (the embedded default), created if missing
//	mem://[name]           an in-process bucket, empty on every Open (tests)
//	s3://bucket[/prefix]?endpoint=http://127.0.0.1:9000&region=us-east-1&use_path_style=true
//	gs://bucket[/prefix]   Google Cloud Storage, credentials from the Google default chain
//	azblob://container[/prefix]  Azure Blob Storage, credentials from the Azure environment
//
// Every operation takes a key: a relative, slash-separated path validated by
// ValidateKey. URL maps a key to the full URI stored in the database and
// passed to tasks; Key maps such a URI back. Missing objects are reported
// with errors wrapping ErrNotFound.
package storage

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// ErrNotFound is wrapped by errors about an object that does not exist.
var ErrNotFound = errors.New("object not found")

// DefaultRegion is the S3 region used when neither the URL, Options.Region nor
// the AWS configuration chain names one.
const DefaultRegion = "us-east-1"

// Options holds settings that do not belong in the storage URL, chiefly
// secrets. The zero value is valid.
type Options struct {
	// AccessKeyID is a static S3 access key, used together with
	// SecretAccessKey. Default: empty, meaning credentials come from the
	// standard AWS chain (environment, shared config and credentials files,
	// web identity, container or instance role). Only s3:// URLs accept it.
	AccessKeyID string
	// SecretAccessKey is the secret for AccessKeyID. Default: empty.
	SecretAccessKey string
	// SessionToken is an optional session token for temporary static
	// credentials. Default: empty.
	SessionToken string
	// Region is the S3 region used when the URL has no region parameter and
	// the AWS configuration chain supplies none. Default: DefaultRegion.
	Region string
}

// WithDefaults returns o with every unset field given its default.
func (o Options) WithDefaults() Options {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	return o
}

// Validate returns every problem with o, joined, or nil.
func (o Options) Validate() error {
	var errs []error
	if o.AccessKeyID != "" && o.SecretAccessKey == "" {
		errs = append(errs, errors.New("storage options: access key id is set but secret access key is empty"))
	}
	if o.AccessKeyID == "" && o.SecretAccessKey != "" {
		errs = append(errs, errors.New("storage options: secret access key is set but access key id is empty"))
	}
	if o.AccessKeyID == "" && o.SessionToken != "" {
		errs = append(errs, errors.New("storage options: session token is set but access key id is empty"))
	}
	return errors.Join(errs...)
}

// hasStaticCredentials reports whether o carries static S3 credentials.
func (o Options) hasStaticCredentials() bool {
	return o.AccessKeyID != "" || o.SecretAccessKey != "" || o.SessionToken != ""
}

// String describes o without its secrets, so that printing it is safe.
func (o Options) String() string {
	return fmt.Sprintf("{AccessKeyID:%s SecretAccessKey:%s SessionToken:%s Region:%s}",
		o.AccessKeyID, redact(o.SecretAccessKey), redact(o.SessionToken), o.Region)
}

// LogValue describes o for log/slog without its secrets.
func (o Options) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("access_key_id", o.AccessKeyID),
		slog.String("secret_access_key", redact(o.SecretAccessKey)),
		slog.String("session_token", redact(o.SessionToken)),
		slog.String("region", o.Region),
	)
}

func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return "REDACTED"
}

// Store reads and writes objects in one bucket (or one directory). It is
// safe for concurrent use. Close it when done.
type Store struct {
	bucket *blob.Bucket
	// base is the URI prefix of every key: "s3://bucket/", "file:///dir/".
	base string
}

// Open opens the store named by rawURL; see the package documentation for
// the URL forms. For file URLs the directory is created if missing. Open does
// not contact remote backends: use Ping to check that one is reachable.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	u, err := parseStoreURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.hasStaticCredentials() && u.Scheme != "s3" {
		return nil, fmt.Errorf("open storage %s: static access keys are only supported for s3 URLs", redactURL(rawURL))
	}
	var (
		bucket *blob.Bucket
		base   string
	)
	switch u.Scheme {
	case "file":
		bucket, base, err = openFile(u)
	case "mem":
		bucket, base, err = openMem(u)
	case "s3":
		bucket, base, err = openS3(ctx, u, opts)
	case "gs", "azblob":
		bucket, base, err = openByMux(ctx, u)
	default:
		err = fmt.Errorf("unsupported scheme %q (want file, mem, s3, gs or azblob)", u.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("open storage %s: %w", redactURL(rawURL), err)
	}
	return &Store{bucket: bucket, base: base}, nil
}

// Close releases the store's resources. Readers and writers must be closed
// first.
func (s *Store) Close() error {
	if err := s.bucket.Close(); err != nil {
		return fmt.Errorf("close storage %s: %w", s.base, err)
	}
	return nil
}

// Ping checks that the backend is reachable and the bucket accessible by
// listing at most one object.
func (s *Store) Ping(ctx context.Context) error {
	ok, err := s.bucket.IsAccessible(ctx)
	if err != nil {
		return fmt.Errorf("ping storage %s: %w", s.base, err)
	}
	if !ok {
		return fmt.Errorf("ping storage %s: bucket does not exist", s.base)
	}
	return nil
}

// URL returns the full URI of key, such as "s3://bucket/key" or
// "file:///dir/key". The key is not validated; use Key to go back.
func (s *Store) URL(key string) string {
	return s.base + key
}

// Base returns the URI prefix that URL puts before every key, ending in "/".
func (s *Store) Base() string {
	return s.base
}

// Key maps a URI produced by URL back to its key. It fails with an error
// wrapping ErrInvalidKey if the URI belongs to another bucket, directory or
// scheme, or if the key part is not a valid key.
func (s *Store) Key(uri string) (string, error) {
	key, ok := strings.CutPrefix(uri, s.base)
	if !ok {
		return "", fmt.Errorf("%w: URI %q is outside store %s", ErrInvalidKey, uri, s.base)
	}
	if err := ValidateKey(key); err != nil {
		return "", fmt.Errorf("URI %q: %w", uri, err)
	}
	return key, nil
}

// mapError wraps err from an operation on key with op and the key, turning
// the portable NotFound code into ErrNotFound.
func mapError(op, key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return fmt.Errorf("%s %s: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("%s %s: %w", op, key, err)
}
