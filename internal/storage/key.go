package storage

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidKey is wrapped by every error about a malformed key, prefix or URI.
var ErrInvalidKey = errors.New("invalid storage key")

// MaxKeyLength is the longest key accepted, in bytes. It is S3's limit, the
// strictest of the supported backends.
const MaxKeyLength = 1024

// reservedSuffix is refused as a key ending because the file backend keeps
// metadata in files with this suffix; refusing it everywhere keeps every
// backend accepting the same keys.
const reservedSuffix = ".attrs"

// ValidateKey reports whether key can name an object in every backend: a
// non-empty, slash-separated, relative path of valid UTF-8 with no empty, "."
// or ".." segment, no leading or trailing slash, no backslash and no control
// character. The returned error wraps ErrInvalidKey and names the problem.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: key is empty", ErrInvalidKey)
	}
	if strings.HasSuffix(key, "/") {
		return fmt.Errorf("%w %q: ends with \"/\"", ErrInvalidKey, key)
	}
	if strings.HasSuffix(key, reservedSuffix) {
		return fmt.Errorf("%w %q: the suffix %q is reserved", ErrInvalidKey, key, reservedSuffix)
	}
	return checkPath(key)
}

// validatePrefix checks a listing prefix: empty (everything) or a key that
// may end with "/".
func validatePrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	trimmed := strings.TrimSuffix(prefix, "/")
	if trimmed == "" {
		return fmt.Errorf("%w: prefix %q starts with \"/\"", ErrInvalidKey, prefix)
	}
	if err := checkPath(trimmed); err != nil {
		return fmt.Errorf("prefix: %w", err)
	}
	return nil
}

// checkPath applies the rules shared by keys and prefixes.
func checkPath(p string) error {
	if len(p) > MaxKeyLength {
		return fmt.Errorf("%w: key of %d bytes is longer than %d bytes", ErrInvalidKey, len(p), MaxKeyLength)
	}
	if !utf8.ValidString(p) {
		return fmt.Errorf("%w %q: not valid UTF-8", ErrInvalidKey, p)
	}
	if strings.HasPrefix(p, "/") {
		return fmt.Errorf("%w %q: starts with \"/\"", ErrInvalidKey, p)
	}
	for _, r := range p {
		switch {
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("%w %q: contains control character %U", ErrInvalidKey, p, r)
		case r == '\\':
			return fmt.Errorf("%w %q: contains a backslash", ErrInvalidKey, p)
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w %q: contains an empty segment (\"//\")", ErrInvalidKey, p)
		case ".", "..":
			return fmt.Errorf("%w %q: contains a %q segment", ErrInvalidKey, p, seg)
		}
	}
	return nil
}
