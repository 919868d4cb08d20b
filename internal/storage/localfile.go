package storage

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// CopyFromFile uploads the regular file at localPath to key. If reading the
// file fails, nothing is stored.
func (s *Store) CopyFromFile(ctx context.Context, key, localPath string) error {
	if err := ValidateKey(key); err != nil {
		return err
	}
	f, err := os.Open(localPath)
	if err != nil {
		return fmt.Errorf("upload %s: %w", localPath, err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fmt.Errorf("upload %s: %w", localPath, err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("upload %s: not a regular file (mode %s)", localPath, info.Mode().Type())
	}
	w, err := s.NewWriter(ctx, key)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Abort()
		return fmt.Errorf("upload %s: %w", localPath, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("upload %s: %w", localPath, err)
	}
	return nil
}

// CopyToFile downloads the object at key to localPath, creating parent
// directories. The file is written under a temporary name and renamed into
// place, so localPath never holds a partial download.
func (s *Store) CopyToFile(ctx context.Context, key, localPath string) error {
	r, err := s.NewReader(ctx, key)
	if err != nil {
		return err
	}
	defer r.Close()
	dir := filepath.Dir(localPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("download %s: %w", s.URL(key), err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(localPath)+".*.part")
	if err != nil {
		return fmt.Errorf("download %s: %w", s.URL(key), err)
	}
	if err := fillAndRename(tmp, r, localPath); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("download %s to %s: %w", s.URL(key), localPath, err)
	}
	return nil
}

// fillAndRename copies r into tmp, closes it, makes it readable like a
// normally created file and renames it to dst.
func fillAndRename(tmp *os.File, r io.Reader, dst string) error {
	if _, err := io.Copy(tmp, r); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; downloads are shared with task processes.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// UploadDir uploads every regular file under localDir to prefix + its
// slash-separated relative path, and returns the keys written in walk order.
// prefix must be empty or end with "/". Symbolic links and other special
// files are refused rather than followed, so that a task cannot make the
// platform upload files outside its directory. Files uploaded before a
// failure stay stored.
func (s *Store) UploadDir(ctx context.Context, prefix, localDir string) ([]string, error) {
	if err := checkDirPrefix(prefix); err != nil {
		return nil, err
	}
	var keys []string
	err := filepath.WalkDir(localDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file (mode %s)", p, d.Type())
		}
		rel, err := filepath.Rel(localDir, p)
		if err != nil {
			return err
		}
		key := prefix + filepath.ToSlash(rel)
		if err := s.CopyFromFile(ctx, key, p); err != nil {
			return err
		}
		keys = append(keys, key)
		return nil
	})
	if err != nil {
		return keys, fmt.Errorf("upload directory %s to %s: %w", localDir, s.URL(prefix), err)
	}
	return keys, nil
}

// DownloadDir downloads every object under prefix to localDir + the key's
// remainder after prefix, creating directories, and returns the local paths
// written. prefix must be empty or end with "/". Every listed key is
// validated, so a key written by another tool cannot escape localDir.
func (s *Store) DownloadDir(ctx context.Context, prefix, localDir string) ([]string, error) {
	if err := checkDirPrefix(prefix); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(localDir, 0o755); err != nil {
		return nil, fmt.Errorf("download directory %s: %w", s.URL(prefix), err)
	}
	var paths []string
	for key, err := range s.Keys(ctx, prefix) {
		if err != nil {
			return paths, fmt.Errorf("download directory: %w", err)
		}
		if err := ValidateKey(key); err != nil {
			return paths, fmt.Errorf("download directory %s: listed %w", s.URL(prefix), err)
		}
		rel := strings.TrimPrefix(key, prefix)
		dst := filepath.Join(localDir, filepath.FromSlash(path.Clean(rel)))
		if err := s.CopyToFile(ctx, key, dst); err != nil {
			return paths, fmt.Errorf("download directory: %w", err)
		}
		paths = append(paths, dst)
	}
	return paths, nil
}

// checkDirPrefix accepts "" or a valid prefix ending in "/".
func checkDirPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("%w: directory prefix %q must end with \"/\"", ErrInvalidKey, prefix)
	}
	return validatePrefix(prefix)
}
