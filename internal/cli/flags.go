package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

// parseLabels parses "k=v,k2=v2" into a map. Whitespace around keys and
// values is dropped; a value may contain "="; an empty string is no labels.
func parseLabels(s string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for item := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(item, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch {
		case !ok:
			return nil, fmt.Errorf("label %q is not key=value", strings.TrimSpace(item))
		case k == "":
			return nil, fmt.Errorf("label %q has an empty key", strings.TrimSpace(item))
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("label %q is given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

// labelsValue is a --labels flag: "k=v,k2=v2", repeatable, the labels of
// every occurrence merged.
type labelsValue struct {
	labels map[string]string
	set    bool
}

// String implements pflag.Value.
func (l *labelsValue) String() string {
	keys := slices.Sorted(maps.Keys(l.labels))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l.labels[k]
	}
	return strings.Join(parts, ",")
}

// Set implements pflag.Value.
func (l *labelsValue) Set(s string) error {
	parsed, err := parseLabels(s)
	if err != nil {
		return err
	}
	if l.labels == nil {
		l.labels = map[string]string{}
	}
	for k, v := range parsed {
		if _, dup := l.labels[k]; dup {
			return fmt.Errorf("label %q is given twice", k)
		}
		l.labels[k] = v
	}
	l.set = true
	return nil
}

// Type implements pflag.Value.
func (l *labelsValue) Type() string { return "key=value,..." }

// labelsProto returns the labels as a message, nil when there are none.
func (l *labelsValue) labelsProto() *adminv1.Labels {
	if len(l.labels) == 0 {
		return nil
	}
	return &adminv1.Labels{Values: maps.Clone(l.labels)}
}

// listFlags are the paging, filtering and sorting flags of list commands.
type listFlags struct {
	filter string
	sort   string
	asc    bool
	limit  uint32
	token  string
	all    bool
}

// defaultLimit is the page size when --limit is not given.
const defaultLimit = 100

// add declares the flags on cmd.
func (l *listFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&l.filter, "filter", "", `filter expression, for example "eq(name,my_wf)+gte(created_at,2024-01-01T00:00:00Z)"`)
	f.StringVar(&l.sort, "sort", "", `field to sort by, for example "created_at" (default: the server's order)`)
	f.BoolVar(&l.asc, "asc", false, "sort ascending (default descending); without --sort sorts by created_at")
	f.Uint32Var(&l.limit, "limit", defaultLimit, "results per page")
	f.StringVar(&l.token, "token", "", "page token from a previous list (its json/yaml output, or the hint it printed)")
	f.BoolVar(&l.all, "all", false, "list every page, not only the first")
}

// check rejects contradictory flags.
func (l *listFlags) check() error {
	if l.limit == 0 {
		return usageErrorf("--limit must be at least 1")
	}
	if l.all && l.token != "" {
		return usageErrorf("--all and --token cannot be combined")
	}
	return nil
}

// sortBy is the requested order, nil for the server's default.
func (l *listFlags) sortBy() *adminv1.Sort {
	key := strings.TrimSpace(l.sort)
	if key == "" && !l.asc {
		return nil
	}
	if key == "" {
		key = "created_at"
	}
	dir := adminv1.Sort_DIRECTION_DESCENDING
	if l.asc {
		dir = adminv1.Sort_DIRECTION_ASCENDING
	}
	return &adminv1.Sort{Key: key, Direction: dir}
}

// maxPages bounds --all so a server that keeps returning tokens cannot
// keep the client listing forever.
const maxPages = 100000

// collect fetches pages with fetch (given a token, it returns the page's
// items and the next token) until the last page when --all is set, or
// just the first page otherwise. It returns the items and the token of the
// page after them ("" when there is none).
func collect[T any](l *listFlags, fetch func(token string) ([]T, string, error)) ([]T, string, error) {
	var items []T
	token := l.token
	seen := map[string]bool{}
	for range maxPages {
		page, next, err := fetch(token)
		if err != nil {
			return nil, "", err
		}
		items = append(items, page...)
		if !l.all || next == "" {
			return items, next, nil
		}
		if seen[next] {
			return nil, "", fmt.Errorf("server returned page token %q twice", next)
		}
		seen[next] = true
		token = next
	}
	return nil, "", fmt.Errorf("more than %d pages", maxPages)
}

// morePages tells a table reader that the list goes on.
func (a *app) morePages(next string) {
	if next != "" && a.printer().format == formatTable {
		fmt.Fprintf(a.stderr, "more results: pass --all to list them, or --token %s for the next page\n", next)
	}
}
