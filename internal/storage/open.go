package storage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	gcaws "gocloud.dev/aws"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // registers azblob:// with the default URL mux
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/gcsblob" // registers gs:// with the default URL mux
	"gocloud.dev/blob/memblob"
	"gocloud.dev/blob/s3blob"
)

// parseStoreURL parses rawURL without echoing it in errors, since a URL may
// carry credentials in its user info.
func parseStoreURL(rawURL string) (*url.URL, error) {
	if rawURL == "" {
		return nil, errors.New("open storage: URL is empty")
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("open storage: parse URL: %w", err)
	}
	if u.Scheme == "" {
		return nil, fmt.Errorf("open storage %s: URL has no scheme (want file, mem, s3, gs or azblob)", u.Redacted())
	}
	if u.User != nil {
		return nil, fmt.Errorf("open storage %s: user info in the URL is not supported; pass credentials in Options", u.Redacted())
	}
	if u.Fragment != "" {
		return nil, fmt.Errorf("open storage %s: URL has a fragment", u.Redacted())
	}
	return u, nil
}

// redactURL returns rawURL with any password hidden.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparseable URL)"
	}
	return u.Redacted()
}

// openFile opens a file:///abs/dir URL, creating the directory if needed.
func openFile(u *url.URL) (*blob.Bucket, string, error) {
	if u.Host != "" && u.Host != "localhost" {
		return nil, "", fmt.Errorf("file URL has host %q; want file:///absolute/dir", u.Host)
	}
	if len(u.Query()) > 0 {
		return nil, "", fmt.Errorf("file URL does not accept query parameters (got %s)", u.RawQuery)
	}
	dir := u.Path
	if dir == "" || !filepath.IsAbs(dir) {
		return nil, "", fmt.Errorf("file URL path %q is not absolute; want file:///absolute/dir", dir)
	}
	dir = filepath.Clean(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", fmt.Errorf("create directory: %w", err)
	}
	crossDevice, err := tempDirCrossesDevice(dir)
	if err != nil {
		return nil, "", err
	}
	bucket, err := fileblob.OpenBucket(dir, &fileblob.Options{
		// Metadata sidecar files would litter directories that tasks read.
		Metadata: fileblob.MetadataDontWrite,
		// fileblob writes to a temporary file and renames it into place; the
		// rename fails across devices, so the temporary file must then sit
		// beside its target (where listings can briefly see it).
		NoTempDir: crossDevice,
	})
	if err != nil {
		return nil, "", err
	}
	return bucket, "file://" + strings.TrimSuffix(filepath.ToSlash(dir), "/") + "/", nil
}

// tempDirCrossesDevice reports whether a file cannot be renamed from
// os.TempDir into dir, and fails if dir is not writable.
func tempDirCrossesDevice(dir string) (bool, error) {
	probe, err := os.CreateTemp("", "flyte-storage-probe-*")
	if err != nil {
		// Without a usable temporary directory, write beside the targets.
		return true, nil
	}
	name := probe.Name()
	if err := probe.Close(); err != nil {
		return false, fmt.Errorf("probe temporary directory: %w", err)
	}
	target := filepath.Join(dir, filepath.Base(name))
	err = os.Rename(name, target)
	if errors.Is(err, syscall.EXDEV) {
		_ = os.Remove(name)
		return true, nil
	}
	if err != nil {
		_ = os.Remove(name)
		return false, fmt.Errorf("directory %s is not writable: %w", dir, err)
	}
	if err := os.Remove(target); err != nil {
		return false, fmt.Errorf("directory %s: remove probe file: %w", dir, err)
	}
	return false, nil
}

// openMem opens a fresh in-memory bucket; the host, if any, only names it in
// URIs.
func openMem(u *url.URL) (*blob.Bucket, string, error) {
	if u.Path != "" && u.Path != "/" {
		return nil, "", fmt.Errorf("mem URL has path %q; want mem:// or mem://name", u.Path)
	}
	if len(u.Query()) > 0 {
		return nil, "", fmt.Errorf("mem URL does not accept query parameters (got %s)", u.RawQuery)
	}
	return memblob.OpenBucket(nil), "mem://" + u.Host + "/", nil
}

// openByMux opens a URL through gocloud's default mux (gs, azblob), with
// credentials from the provider's own default chain.
func openByMux(ctx context.Context, u *url.URL) (*blob.Bucket, string, error) {
	if u.Host == "" {
		return nil, "", fmt.Errorf("%s URL has no bucket name", u.Scheme)
	}
	prefix, err := urlPrefix(u)
	if err != nil {
		return nil, "", err
	}
	bare := *u
	bare.Path, bare.RawPath = "", ""
	bucket, err := blob.OpenBucket(ctx, bare.String())
	if err != nil {
		return nil, "", err
	}
	return withPrefix(bucket, prefix), u.Scheme + "://" + u.Host + "/" + prefix, nil
}

// urlPrefix returns the key prefix named by a bucket URL's path ("" or
// "a/b/"), validated like a key.
func urlPrefix(u *url.URL) (string, error) {
	p := strings.TrimPrefix(u.Path, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return "", nil
	}
	if err := checkPath(p); err != nil {
		return "", fmt.Errorf("URL path: %w", err)
	}
	return p + "/", nil
}

func withPrefix(b *blob.Bucket, prefix string) *blob.Bucket {
	if prefix == "" {
		return b
	}
	return blob.PrefixedBucket(b, prefix)
}

// s3 URL parameters handled here rather than by the AWS configuration chain.
const (
	paramUsePathStyle       = "use_path_style"
	paramLegacyUsePathStyle = "s3ForcePathStyle"
	paramDisableHTTPS       = "disable_https"
	paramSSEType            = "ssetype"
	paramKMSKeyID           = "kmskeyid"
)

// openS3 opens an s3://bucket[/prefix]?... URL. Parameters understood by
// gocloud.dev/aws.V2ConfigFromURLParams (region, endpoint, profile,
// anonymous, hostname_immutable, ...) configure the client; the S3-specific
// ones are listed above. Static credentials in opts replace the AWS chain.
func openS3(ctx context.Context, u *url.URL, opts Options) (*blob.Bucket, string, error) {
	if u.Host == "" {
		return nil, "", errors.New("s3 URL has no bucket name")
	}
	prefix, err := urlPrefix(u)
	if err != nil {
		return nil, "", err
	}
	q := u.Query()
	var clientOpts []func(*s3.Options)
	for _, name := range []string{paramUsePathStyle, paramLegacyUsePathStyle} {
		v, set, err := boolParam(q, name)
		if err != nil {
			return nil, "", err
		}
		if set {
			clientOpts = append(clientOpts, func(o *s3.Options) { o.UsePathStyle = v })
		}
	}
	disableHTTPS, set, err := boolParam(q, paramDisableHTTPS)
	if err != nil {
		return nil, "", err
	}
	if set {
		clientOpts = append(clientOpts, func(o *s3.Options) { o.EndpointOptions.DisableHTTPS = disableHTTPS })
	}
	var blobOpts s3blob.Options
	if v := q.Get(paramSSEType); v != "" {
		q.Del(paramSSEType)
		sse, err := parseSSEType(v)
		if err != nil {
			return nil, "", err
		}
		blobOpts.EncryptionType = sse
	}
	if v := q.Get(paramKMSKeyID); v != "" {
		q.Del(paramKMSKeyID)
		blobOpts.KMSEncryptionID = v
	}
	for name, values := range q {
		if len(values) > 1 {
			return nil, "", fmt.Errorf("s3 URL parameter %q is given %d times", name, len(values))
		}
	}
	cfg, err := gcaws.V2ConfigFromURLParams(ctx, q)
	if err != nil {
		return nil, "", fmt.Errorf("s3 URL parameters: %w", err)
	}
	if opts.AccessKeyID != "" {
		cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(
			opts.AccessKeyID, opts.SecretAccessKey, opts.SessionToken))
	}
	if cfg.Region == "" {
		cfg.Region = opts.Region
	}
	client := s3.NewFromConfig(cfg, clientOpts...)
	// The upload manager does not inherit the client's checksum setting.
	blobOpts.RequestChecksumCalculation = cfg.RequestChecksumCalculation
	bucket, err := s3blob.OpenBucket(ctx, client, u.Host, &blobOpts)
	if err != nil {
		return nil, "", err
	}
	return withPrefix(bucket, prefix), "s3://" + u.Host + "/" + prefix, nil
}

// boolParam removes the boolean parameter name from q and returns its value
// and whether it was present.
func boolParam(q url.Values, name string) (value, set bool, err error) {
	raw := q.Get(name)
	if raw == "" {
		return false, false, nil
	}
	q.Del(name)
	v, err := strconv.ParseBool(raw)
	if err != nil {
		return false, false, fmt.Errorf("s3 URL parameter %s=%q is not a boolean", name, raw)
	}
	return v, true, nil
}

func parseSSEType(v string) (s3types.ServerSideEncryption, error) {
	known := s3types.ServerSideEncryptionAes256.Values()
	if i := slices.IndexFunc(known, func(k s3types.ServerSideEncryption) bool {
		return strings.EqualFold(string(k), v)
	}); i >= 0 {
		return known[i], nil
	}
	return "", fmt.Errorf("s3 URL parameter %s=%q is not one of %v", paramSSEType, v, known)
}
