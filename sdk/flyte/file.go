package flyte

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"

	"google.golang.org/protobuf/types/known/structpb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// File is a file passed between tasks. Inside a task it is a local file:
// an input's Path is where the SDK downloaded it before calling the
// function. An output File with a Path is uploaded under the task's raw
// output prefix after the function returns; one with only a URI is passed
// on as it is (a file already in the object store). URI wins when both are
// set, so a File received as input can be returned unchanged without a
// copy.
type File struct {
	// Path is the file on this machine; empty when the file was not
	// downloaded.
	Path string
	// URI is where the file is in the object store (s3://..., gs://...,
	// file:///...); empty for a new file that is not uploaded yet.
	URI string
}

// Dir is a directory of files passed between tasks, with the same rules as
// File: Path is local, URI is the prefix in the object store.
type Dir struct {
	// Path is the directory on this machine.
	Path string
	// URI is the directory's prefix in the object store.
	URI string
}

// xfer moves the files and directories of values: decode downloads inputs
// into localDir, encode uploads local outputs under rawPrefix. A nil *xfer
// moves nothing: encoding a value that only has a local Path fails, and
// decoding sets Path only for file:// URIs.
type xfer struct {
	ctx       context.Context
	blobs     *blobs
	rawPrefix string
	localDir  string
	seq       atomic.Int64
}

// next returns a fresh name component, so files of the same base name do
// not collide.
func (x *xfer) next() string { return strconv.FormatInt(x.seq.Add(1), 10) }

// put uploads the local file or directory p and returns its URI.
func (x *xfer) put(p string, dir bool) (string, error) {
	if x == nil || x.rawPrefix == "" {
		return "", errNoXfer
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	info, err := os.Stat(abs)
	switch {
	case err != nil:
		return "", fmt.Errorf("cannot upload %s: %w", p, err)
	case info.IsDir() && !dir:
		return "", fmt.Errorf("%s is a directory, want a file", p)
	case !info.IsDir() && dir:
		return "", fmt.Errorf("%s is a file, want a directory", p)
	}
	uri := joinURI(x.rawPrefix, x.next(), filepath.Base(abs))
	if err := x.blobs.upload(x.ctx, abs, uri, dir); err != nil {
		return "", storageError(fmt.Errorf("upload %s: %w", p, err))
	}
	return uri, nil
}

// get makes the file or directory at uri available locally and returns its
// path ("" when nothing is downloaded).
func (x *xfer) get(uri string, dir bool) (string, error) {
	if x == nil || x.localDir == "" {
		if p, ok := localPath(uri); ok {
			return p, nil
		}
		return "", nil
	}
	base := path.Base(strings.TrimSuffix(uri, "/"))
	if base == "" || base == "." || base == "/" {
		base = "data"
	}
	dst := filepath.Join(x.localDir, x.next(), base)
	if dir {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return "", err
		}
	}
	if err := x.blobs.download(x.ctx, uri, dst, dir); err != nil {
		return "", storageError(fmt.Errorf("download %s: %w", uri, err))
	}
	return dst, nil
}

// blobLoc reads Path and URI of a File or Dir value.
func blobLoc(v reflect.Value) (p, uri string) {
	return v.Field(0).String(), v.Field(1).String()
}

// blobURI returns the URI a File or Dir value is stored at, uploading it
// first when it only has a local path.
func blobURI(x *xfer, v reflect.Value, dir bool) (string, error) {
	p, uri := blobLoc(v)
	switch {
	case uri != "":
		if !strings.Contains(uri, "://") {
			return "", fmt.Errorf("URI %q has no scheme (want s3://, gs://, file:///, ...)", uri)
		}
		return uri, nil
	case p != "":
		return x.put(p, dir)
	}
	what := "file"
	if dir {
		what = "directory"
	}
	return "", fmt.Errorf("%s has neither a Path nor a URI", what)
}

// setBlob stores the location of a decoded File or Dir, downloading it
// when x says so.
func setBlob(x *xfer, v reflect.Value, uri string, dir bool) error {
	p, err := x.get(uri, dir)
	if err != nil {
		return err
	}
	v.Field(0).SetString(p)
	v.Field(1).SetString(uri)
	return nil
}

func blobCodec(t reflect.Type, dir bool) *codec {
	dim := corev1.BlobType_BLOB_DIMENSIONALITY_SINGLE
	want := "file"
	if dir {
		dim = corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART
		want = "dir"
	}
	bt := &corev1.BlobType{Dimensionality: dim}
	return &codec{
		t:  t,
		lt: &corev1.LiteralType{Type: &corev1.LiteralType_Blob{Blob: bt}},
		enc: func(x *xfer, v reflect.Value) (*corev1.Literal, error) {
			uri, err := blobURI(x, v, dir)
			if err != nil {
				return nil, err
			}
			return scalarLit(&corev1.Scalar{Value: &corev1.Scalar_Blob{Blob: &corev1.Blob{
				Uri: uri, Metadata: &corev1.BlobMetadata{Type: &corev1.BlobType{Dimensionality: dim}},
			}}}), nil
		},
		dec: func(x *xfer, l *corev1.Literal, v reflect.Value) error {
			b := plain(l).GetScalar().GetBlob()
			if b == nil || b.GetMetadata().GetType().GetDimensionality() != dim {
				return wantErr(want, l)
			}
			return setBlob(x, v, b.GetUri(), dir)
		},
		encJ: func(x *xfer, v reflect.Value) (*structpb.Value, error) {
			uri, err := blobURI(x, v, dir)
			if err != nil {
				return nil, err
			}
			return structpb.NewStringValue(uri), nil
		},
		decJ: func(x *xfer, j *structpb.Value, v reflect.Value) error {
			s, ok := j.GetKind().(*structpb.Value_StringValue)
			if !ok || !strings.Contains(s.StringValue, "://") {
				return wantJSONErr("a URI string", j)
			}
			return setBlob(x, v, s.StringValue, dir)
		},
	}
}
