// Package rawio converts between literals and files: the contract of raw
// tasks, which read each input from a file and write one file per output.
//
// WriteInputs materialises a task's inputs in a directory before it runs:
// one file per input, named after it, holding the value as plain text
// (numbers, booleans, datetimes, durations, strings) or JSON (lists, maps,
// structs, unions); a file input is the file itself, a directory input a
// directory; inputs.json holds every value at once. ReadOutputs reads one
// file (or directory) per declared output back after the task exits and
// uploads files and directories to the blob store.
//
// The local plugin uses it around each process; a Kubernetes init container
// and sidecar running the flyte binary can use it around a pod.
// docs/tasks.md describes the encoding for task authors.
package rawio

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
	"github.com/flyte-go/flyte/internal/storage"
)

// InputsJSON is the name of the file holding every input as one JSON object.
const InputsJSON = "inputs.json"

// blobDir holds files and directories nested in list, map and union inputs;
// its leading dot keeps it apart from input names.
const blobDir = ".blobs"

// MaxValueSize is the largest output file read as a value (not a file or
// directory output), in bytes.
const MaxValueSize = 64 << 20

// InputError is a problem with one input that retrying cannot fix: it is
// missing, its name cannot be a file name, or the file it refers to does not
// exist.
type InputError struct {
	Input   string
	Problem string
}

// Error is `input "NAME": PROBLEM`.
func (e *InputError) Error() string { return fmt.Sprintf("input %q: %s", e.Input, e.Problem) }

// OutputError is a problem with one output the task wrote: missing, or not
// a value of the declared type.
type OutputError struct {
	Output  string
	Problem string
}

// Error is `output "NAME": PROBLEM`, for example `output "total": "abc" is
// not an integer`.
func (e *OutputError) Error() string { return fmt.Sprintf("output %q: %s", e.Output, e.Problem) }

// storeError marks a failure of the blob store inside a conversion, so that
// it is reported as a platform problem rather than the task's.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// WriteInputs writes each input to a file in dir (created if missing) and
// returns the path of each, by input name, plus InputsJSON. Every input the
// interface declares must be present. Files and directories are downloaded
// from the blob store (or copied, for file:// URIs outside it). Problems the
// task's data causes are *InputError; other errors come from the store or
// the local disk.
func WriteInputs(ctx context.Context, blobs *storage.Store, inputs *corev1.LiteralMap, iface *corev1.VariableMap, dir string) (map[string]string, error) {
	lits := inputs.GetLiterals()
	for _, name := range slices.Sorted(maps.Keys(iface.GetVariables())) {
		if _, ok := lits[name]; !ok {
			return nil, &InputError{Input: name, Problem: "is missing: the task declares it but no value was given"}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write inputs: %w", err)
	}
	paths := make(map[string]string, len(lits))
	all := make(map[string]any, len(lits))
	for _, name := range slices.Sorted(maps.Keys(lits)) {
		if err := checkName(name); err != nil {
			return nil, &InputError{Input: name, Problem: err.Error()}
		}
		l, err := resolveOffloaded(ctx, blobs, lits[name])
		if err != nil {
			return nil, fmt.Errorf("input %q: %w", name, err)
		}
		p := filepath.Join(dir, name)
		v, err := writeInput(ctx, blobs, name, l, iface.GetVariables()[name].GetType(), dir, p)
		if err != nil {
			return nil, err
		}
		paths[name] = p
		all[name] = v
	}
	data, err := json.Marshal(all)
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", InputsJSON, err)
	}
	if err := os.WriteFile(filepath.Join(dir, InputsJSON), data, 0o644); err != nil {
		return nil, fmt.Errorf("write inputs: %w", err)
	}
	return paths, nil
}

// writeInput writes one input at p and returns its JSON form for inputs.json.
func writeInput(ctx context.Context, blobs *storage.Store, name string, l *corev1.Literal, t *corev1.LiteralType, dir, p string) (any, error) {
	inputErr := func(err error) error {
		var se *storeError
		if errors.As(err, &se) {
			return fmt.Errorf("input %q: %w", name, se.err)
		}
		return &InputError{Input: name, Problem: err.Error()}
	}
	s := l.GetScalar()
	if s.GetBlob() != nil || s.GetStructuredDataset() != nil {
		uri, multipart := blobTarget(s, t)
		if err := download(ctx, blobs, uri, multipart, p); err != nil {
			return nil, inputErr(err)
		}
		return p, nil
	}
	n := 0
	hooks := rawvalue.Hooks{ToLocal: func(uri string, multipart bool) (string, error) {
		dst := filepath.Join(dir, blobDir, name, strconv.Itoa(n), baseName(uri))
		n++
		return dst, download(ctx, blobs, uri, multipart, dst)
	}}
	v, err := rawvalue.ToJSON(l, hooks)
	if err != nil {
		return nil, inputErr(err)
	}
	var data []byte
	switch {
	case s.GetPrimitive() != nil || s.GetBinary() != nil || s.GetNoneType() != nil:
		data, err = rawvalue.Encode(l, rawvalue.Hooks{})
	default:
		data, err = json.Marshal(v)
	}
	if err != nil {
		return nil, inputErr(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return nil, fmt.Errorf("write input %q: %w", name, err)
	}
	return v, nil
}

// blobTarget returns the URI of a blob or dataset literal and whether it is a
// directory; a blob without metadata takes its dimensionality from the type.
func blobTarget(s *corev1.Scalar, t *corev1.LiteralType) (string, bool) {
	if d := s.GetStructuredDataset(); d != nil {
		return d.GetUri(), true
	}
	b := s.GetBlob()
	dim := b.GetMetadata().GetType().GetDimensionality()
	if b.GetMetadata().GetType() == nil {
		dim = t.GetBlob().GetDimensionality()
	}
	return b.GetUri(), dim == corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART
}

// resolveOffloaded replaces an offloaded literal by the literal it points at.
func resolveOffloaded(ctx context.Context, blobs *storage.Store, l *corev1.Literal) (*corev1.Literal, error) {
	off := l.GetOffloadedMetadata()
	if off == nil {
		return l, nil
	}
	key, err := blobs.Key(off.GetUri())
	if err != nil {
		return nil, fmt.Errorf("offloaded value: %w", err)
	}
	out := &corev1.Literal{}
	if err := blobs.ReadProto(ctx, key, out); err != nil {
		return nil, fmt.Errorf("offloaded value: %w", err)
	}
	return out, nil
}

// ReadOutputs reads each output the interface declares from dir: a file (or
// directory, for dir and dataset outputs) named after it, converted by its
// type. Files and directories, also those named by path inside list, map and
// union outputs, are uploaded under the key prefix rawPrefix and become blob
// literals. A missing or malformed output is an *OutputError; other errors
// come from the store or the local disk.
func ReadOutputs(ctx context.Context, blobs *storage.Store, dir string, iface *corev1.VariableMap, rawPrefix string) (*corev1.LiteralMap, error) {
	out := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for _, name := range slices.Sorted(maps.Keys(iface.GetVariables())) {
		if err := checkName(name); err != nil {
			return nil, &OutputError{Output: name, Problem: err.Error()}
		}
		l, err := readOutput(ctx, blobs, dir, name, iface.GetVariables()[name].GetType(), rawPrefix)
		if err != nil {
			var se *storeError
			if errors.As(err, &se) {
				return nil, fmt.Errorf("output %q: %w", name, se.err)
			}
			return nil, &OutputError{Output: name, Problem: err.Error()}
		}
		out.Literals[name] = l
	}
	return out, nil
}

func readOutput(ctx context.Context, blobs *storage.Store, dir, name string, t *corev1.LiteralType, rawPrefix string) (*corev1.Literal, error) {
	if t.GetType() == nil {
		return nil, errors.New("has no type")
	}
	p := filepath.Join(dir, name)
	info, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("is missing: the task wrote no file %q in its output directory", name)
	}
	if err != nil {
		return nil, err
	}
	n := 0
	hooks := rawvalue.Hooks{FromLocal: func(local string, multipart bool) (string, error) {
		if !filepath.IsAbs(local) {
			local = filepath.Join(dir, local)
		}
		key := joinKey(rawPrefix, name, strconv.Itoa(n), filepath.Base(local))
		n++
		return upload(ctx, blobs, local, multipart, key)
	}}
	switch x := t.GetType().(type) {
	case *corev1.LiteralType_Blob:
		multipart := x.Blob.GetDimensionality() == corev1.BlobType_BLOB_DIMENSIONALITY_MULTIPART
		if err := checkKind(info, multipart); err != nil {
			return nil, err
		}
		uri, err := upload(ctx, blobs, p, multipart, joinKey(rawPrefix, name))
		if err != nil {
			return nil, err
		}
		return rawvalue.FromJSON(uri, t, rawvalue.Hooks{})
	case *corev1.LiteralType_StructuredDatasetType:
		uri, err := upload(ctx, blobs, p, info.IsDir(), joinKey(rawPrefix, name))
		if err != nil {
			return nil, err
		}
		return rawvalue.FromJSON(uri, t, rawvalue.Hooks{})
	}
	if info.IsDir() {
		return nil, fmt.Errorf("is a directory, want a file holding a %s", compiler.FormatType(t))
	}
	if info.Size() > MaxValueSize {
		return nil, fmt.Errorf("is %d bytes, more than the %d a value may have (declare it as a file)", info.Size(), MaxValueSize)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return rawvalue.Decode(data, t, hooks)
}

func checkKind(info os.FileInfo, multipart bool) error {
	switch {
	case multipart && !info.IsDir():
		return errors.New("is a file, want a directory")
	case !multipart && info.IsDir():
		return errors.New("is a directory, want a file")
	}
	return nil
}

// upload stores the file or directory at local under key and returns its
// URI. A missing local path is the task's problem; store failures are
// *storeError.
func upload(ctx context.Context, blobs *storage.Store, local string, multipart bool, key string) (string, error) {
	info, err := os.Stat(local)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s does not exist", rawvalue.Quote(local))
		}
		return "", err
	}
	if err := checkKind(info, multipart); err != nil && multipart {
		return "", fmt.Errorf("%s: %w", rawvalue.Quote(local), err)
	}
	if err := storage.ValidateKey(key); err != nil {
		return "", fmt.Errorf("%s cannot be stored: %w", rawvalue.Quote(local), err)
	}
	if info.IsDir() {
		if _, err := blobs.UploadDir(ctx, key+"/", local); err != nil {
			return "", &storeError{err}
		}
		return blobs.URL(key), nil
	}
	if err := blobs.CopyFromFile(ctx, key, local); err != nil {
		return "", &storeError{err}
	}
	return blobs.URL(key), nil
}

// download fetches the file or directory at uri to dst. URIs of the store are
// read through it, file:// URIs elsewhere are copied, and other schemes are
// opened as a store of their own (with the default credentials).
func download(ctx context.Context, blobs *storage.Store, uri string, multipart bool, dst string) error {
	if uri == "" {
		return errors.New("has an empty URI")
	}
	store, key := blobs, ""
	if k, err := blobs.Key(uri); err == nil {
		key = k
	} else if local, ok := strings.CutPrefix(uri, "file://"); ok {
		return copyLocal(local, multipart, dst)
	} else {
		scheme, rest, ok := strings.Cut(uri, "://")
		bucket, k, _ := strings.Cut(rest, "/")
		if !ok || bucket == "" || k == "" {
			return fmt.Errorf("%s is not a URI of a file or directory", rawvalue.Quote(uri))
		}
		foreign, err := storage.Open(ctx, scheme+"://"+bucket, storage.Options{})
		if err != nil {
			return &storeError{err}
		}
		defer foreign.Close()
		store, key = foreign, strings.TrimSuffix(k, "/")
	}
	if multipart {
		files, err := store.DownloadDir(ctx, key+"/", dst)
		if err != nil {
			return &storeError{err}
		}
		if len(files) > 0 {
			return nil
		}
		// An empty directory, or a dataset stored as one object.
		if ok, err := store.Exists(ctx, key); err != nil || !ok {
			return err
		}
		if err := os.Remove(dst); err != nil {
			return err
		}
	}
	if err := store.CopyToFile(ctx, key, dst); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("file %s does not exist", uri)
		}
		return &storeError{err}
	}
	return nil
}

// copyLocal copies a local file or directory tree to dst.
func copyLocal(src string, multipart bool, dst string) error {
	info, err := os.Stat(src)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("file %s does not exist", rawvalue.Quote(src))
		}
		return err
	}
	if !info.IsDir() {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return copyFile(src, dst)
	}
	if !multipart {
		return fmt.Errorf("%s is a directory, want a file", rawvalue.Quote(src))
	}
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type().IsRegular():
			return copyFile(p, target)
		}
		return nil // special files and links are not copied
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		_ = out.Close()
		return err
	}
	return out.Close()
}

// checkName refuses names that are not a single, ordinary file name.
func checkName(name string) error {
	switch {
	case name == "":
		return errors.New("the name is empty")
	case strings.HasPrefix(name, "."), strings.ContainsAny(name, "/\\\x00"):
		return errors.New("the name cannot be a file name (no leading dot, slash or backslash)")
	case name == InputsJSON:
		return fmt.Errorf("the name %s is reserved", InputsJSON)
	}
	return nil
}

// baseName is the last segment of a URI, or "data" when it has none.
func baseName(uri string) string {
	b := uri[strings.LastIndex(strings.TrimSuffix(uri, "/"), "/")+1:]
	b = strings.TrimSuffix(b, "/")
	if b == "" || b == "." || b == ".." || strings.Contains(b, "://") || strings.ContainsAny(b, "\\\x00") {
		return "data"
	}
	return b
}

// joinKey joins key segments, skipping an empty prefix.
func joinKey(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.Trim(p, "/"); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "/")
}
