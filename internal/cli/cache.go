package cli

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/spf13/cobra"
	"google.golang.org/protobuf/types/known/timestamppb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/gen/flyte/datacatalog/v1/datacatalogv1connect"
	"github.com/flyte-go/flyte/internal/cachekey"
	"github.com/flyte-go/flyte/internal/rawio/rawvalue"
)

// The task cache lives in the data catalog, which the platform serves on
// the admin's port: a task's cached outputs are the artifacts of its
// datasets (one per cache version and interface, see package cachekey),
// each named by the tag computed from its inputs.

// Metadata keys the engine records on the artifacts it caches.
const (
	metaExecution = "execution" // "project/domain/name"
	metaNodeID    = "node_id"
)

// cacheFlags are the flags of `get cache` and `delete cache`.
type cacheFlags struct {
	task, cacheVersion, olderThan string
	inputs                        []string
}

// getCacheCommand is `get cache --task NAME`.
func (a *app) getCacheCommand() *cobra.Command {
	var f cacheFlags
	cmd := &cobra.Command{
		Use:   "cache --task NAME [--cache-version V] [--inputs name=value ...]",
		Short: "List the cached outputs of a task",
		Long: "List the cached outputs of a task in a project and domain, newest first: each\n" +
			"entry's key (the tag computed from the inputs), cache version, the execution and\n" +
			"node that produced it, its age (since the outputs were stored or last overwritten)\n" +
			"and its size in the catalog. --cache-version keeps\n" +
			"one cache version. --inputs (repeatable, name=value as for 'create execution')\n" +
			"computes the key of those inputs against the newest registered version of the\n" +
			"task and shows only its entry.",
		Args: noArgs,
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			return a.getCache(ctx, cmd, &f)
		}),
	}
	addCacheFlags(cmd, &f)
	return cmd
}

// deleteCacheCommand is `delete cache --task NAME`.
func (a *app) deleteCacheCommand() *cobra.Command {
	var f cacheFlags
	cmd := &cobra.Command{
		Use:   "cache --task NAME [--cache-version V] [--older-than 30d] [--inputs name=value ...]",
		Short: "Evict cached outputs of a task",
		Long: "Evict cached outputs of a task in a project and domain, so that the next run\n" +
			"computes them again. Without other flags every entry of the task goes;\n" +
			"--cache-version, --older-than (a duration: 12h, 90m, 30d) and --inputs narrow\n" +
			"what is evicted, and all given must hold. Prints how many entries were evicted.",
		Args: noArgs,
		RunE: runE(func(ctx context.Context, cmd *cobra.Command, _ []string) error {
			return a.deleteCache(ctx, cmd, &f)
		}),
	}
	addCacheFlags(cmd, &f)
	cmd.Flags().StringVar(&f.olderThan, "older-than", "", "evict only entries whose outputs were stored longer ago than this (12h, 90m, 30d)")
	return cmd
}

func addCacheFlags(cmd *cobra.Command, f *cacheFlags) {
	fl := cmd.Flags()
	fl.StringVar(&f.task, "task", "", "task name (required)")
	fl.StringVar(&f.cacheVersion, "cache-version", "", "only this cache version of the task")
	fl.StringArrayVar(&f.inputs, "inputs", nil, "input as name=value (repeatable): only the entry of these inputs")
}

// cacheScope is what a cache command works on: the task's datasets that
// match --cache-version, and with --inputs the tag of the inputs.
type cacheScope struct {
	catalog  datacatalogv1connect.DataCatalogClient
	s        settings
	task     string
	tag      string // empty without --inputs
	datasets []*datacatalogv1.DatasetID
}

// resolveCache checks the flags, connects and lists the task's datasets.
func (a *app) resolveCache(ctx context.Context, cmd *cobra.Command, f *cacheFlags) (*cacheScope, error) {
	if f.task == "" {
		return nil, usageErrorf("--task is required: the name of the task whose cache to use")
	}
	if cmd.Flags().Changed("cache-version") && f.cacheVersion == "" {
		return nil, usageErrorf("--cache-version must not be empty")
	}
	adminClient, s, err := a.scopedClient(cmd)
	if err != nil {
		return nil, err
	}
	catalog, err := newCatalogClient(s, a.timeout, a.env.ReadFile)
	if err != nil {
		return nil, err
	}
	sc := &cacheScope{catalog: catalog, s: s, task: f.task}
	if len(f.inputs) > 0 {
		if sc.tag, err = a.inputsTag(ctx, adminClient, s, f); err != nil {
			return nil, err
		}
	}
	if sc.datasets, err = taskDatasets(ctx, catalog, s, f.task, f.cacheVersion); err != nil {
		return nil, err
	}
	return sc, nil
}

// inputsTag computes the cache tag of --inputs, parsed against the
// interface of the newest registered version of the task, leaving out the
// inputs its cache ignores.
func (a *app) inputsTag(ctx context.Context, c adminv1connect.AdminServiceClient, s settings, f *cacheFlags) (string, error) {
	res, err := c.ListTasks(ctx, connect.NewRequest(&adminv1.ResourceListRequest{
		Id:    &corev1.NamedEntityIdentifier{Project: s.Project, Domain: s.Domain, Name: f.task},
		Limit: 1, SortBy: &adminv1.Sort{Key: "created_at", Direction: adminv1.Sort_DIRECTION_DESCENDING},
	}))
	if err != nil {
		return "", fmt.Errorf("find task %s: %w", f.task, err)
	}
	if len(res.Msg.GetTasks()) == 0 {
		return "", fmt.Errorf("task %s/%s/%s is not registered, so --inputs cannot be read", s.Project, s.Domain, f.task)
	}
	tmpl := res.Msg.GetTasks()[0].GetClosure().GetCompiledTask().GetTemplate()
	ignore := tmpl.GetMetadata().GetCacheIgnoreInputVars()
	inputs, err := parseCacheInputs(f.inputs, tmpl.GetInterface().GetInputs().GetVariables(), ignore)
	if err != nil {
		return "", err
	}
	return cachekey.Tag(inputs, ignore), nil
}

// parseCacheInputs parses name=value pairs by the types of the task's
// inputs, as `create execution --input` does. Every input that is part of
// the cache key must be given: a key computed from fewer inputs would match
// nothing.
func parseCacheInputs(kvs []string, vars map[string]*corev1.Variable, ignore []string) (*corev1.LiteralMap, error) {
	expected := make(map[string]*corev1.LiteralType, len(vars))
	for n, v := range vars {
		expected[n] = v.GetType()
	}
	out := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	if err := parseInputFlags("--inputs", kvs, expected, out); err != nil {
		return nil, err
	}
	var missing []string
	for n, t := range expected {
		if _, given := out.Literals[n]; !given && !slices.Contains(ignore, n) {
			missing = append(missing, n+": "+formatType(t))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, usageErrorf("--inputs: missing %s (every input the cache does not ignore is part of the key)", strings.Join(missing, ", "))
	}
	return out, nil
}

// taskDatasets lists the datasets of a task in the settings' project and
// domain, keeping those of cacheVersion when it is set.
func taskDatasets(ctx context.Context, c datacatalogv1connect.DataCatalogClient, s settings, task, cacheVersion string) ([]*datacatalogv1.DatasetID, error) {
	prop := func(p *datacatalogv1.DatasetPropertyFilter) *datacatalogv1.SinglePropertyFilter {
		return &datacatalogv1.SinglePropertyFilter{PropertyFilter: &datacatalogv1.SinglePropertyFilter_DatasetFilter{DatasetFilter: p}}
	}
	filter := &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{
		prop(&datacatalogv1.DatasetPropertyFilter{Property: &datacatalogv1.DatasetPropertyFilter_Project{Project: s.Project}}),
		prop(&datacatalogv1.DatasetPropertyFilter{Property: &datacatalogv1.DatasetPropertyFilter_Domain{Domain: s.Domain}}),
		prop(&datacatalogv1.DatasetPropertyFilter{Property: &datacatalogv1.DatasetPropertyFilter_Name{Name: cachekey.DatasetName(task)}}),
	}}
	var out []*datacatalogv1.DatasetID
	token := ""
	for {
		res, err := c.ListDatasets(ctx, connect.NewRequest(&datacatalogv1.ListDatasetsRequest{
			Filter: filter, Pagination: &datacatalogv1.PaginationOptions{Limit: 1000, Token: token},
		}))
		if err != nil {
			return nil, fmt.Errorf("list cache datasets of task %s: %w", task, err)
		}
		for _, d := range res.Msg.GetDatasets() {
			if cacheVersion == "" || cacheVersionOf(d.GetId().GetVersion()) == cacheVersion {
				out = append(out, d.GetId())
			}
		}
		if token = res.Msg.GetNextToken(); token == "" {
			return out, nil
		}
	}
}

// cacheVersionOf is the cache version in a dataset version: what comes
// before the last "-", which starts the interface signature (hex digits).
func cacheVersionOf(datasetVersion string) string {
	if i := strings.LastIndexByte(datasetVersion, '-'); i >= 0 {
		return datasetVersion[:i]
	}
	return datasetVersion
}

// getCache lists the entries in scope.
func (a *app) getCache(ctx context.Context, cmd *cobra.Command, f *cacheFlags) error {
	sc, err := a.resolveCache(ctx, cmd, f)
	if err != nil {
		return err
	}
	var all []*datacatalogv1.Artifact
	for _, ds := range sc.datasets {
		arts, err := listCached(ctx, sc.catalog, ds, sc.tag)
		if err != nil {
			return err
		}
		all = append(all, arts...)
	}
	if sc.tag != "" && len(all) == 0 {
		return fmt.Errorf("nothing is cached for task %s in %s/%s%s for these inputs (key %s)",
			f.task, sc.s.Project, sc.s.Domain, versionNote(f.cacheVersion), sc.tag)
	}
	if len(all) == 0 && a.printer().format == formatTable {
		// An empty table says nothing about why: a typo in the task name
		// and a task that never ran look the same otherwise.
		fmt.Fprintf(a.stderr, "nothing is cached for task %s in %s/%s%s\n", f.task, sc.s.Project, sc.s.Domain, versionNote(f.cacheVersion))
		return nil
	}
	// Newest outputs first.
	slices.SortStableFunc(all, func(x, y *datacatalogv1.Artifact) int {
		return storedAt(y).Compare(storedAt(x))
	})
	now := time.Now()
	return a.printer().print(&datacatalogv1.ListArtifactsResponse{Artifacts: all}, func() table {
		t := table{header: []string{"KEY", "CACHE VERSION", "PRODUCED BY", "AGE", "SIZE"}}
		for _, art := range all {
			var tags []string
			for _, tg := range art.GetTags() {
				tags = append(tags, tg.GetName())
			}
			t.add(strings.Join(tags, ","), cacheVersionOf(art.GetDataset().GetVersion()), producedBy(art.GetMetadata()),
				formatAge(now.Sub(storedAt(art))), formatSize(art.GetSizeBytes()))
		}
		return t
	})
}

// listCached lists every artifact of a dataset, only those tagged tag when
// it is set.
func listCached(ctx context.Context, c datacatalogv1connect.DataCatalogClient, ds *datacatalogv1.DatasetID, tag string) ([]*datacatalogv1.Artifact, error) {
	var filter *datacatalogv1.FilterExpression
	if tag != "" {
		filter = &datacatalogv1.FilterExpression{Filters: []*datacatalogv1.SinglePropertyFilter{{
			PropertyFilter: &datacatalogv1.SinglePropertyFilter_TagFilter{
				TagFilter: &datacatalogv1.TagPropertyFilter{Property: &datacatalogv1.TagPropertyFilter_TagName{TagName: tag}},
			},
		}}}
	}
	var out []*datacatalogv1.Artifact
	token := ""
	for {
		res, err := c.ListArtifacts(ctx, connect.NewRequest(&datacatalogv1.ListArtifactsRequest{
			Dataset: ds, Filter: filter, Pagination: &datacatalogv1.PaginationOptions{Limit: 1000, Token: token},
		}))
		if err != nil {
			return nil, fmt.Errorf("list cached outputs in dataset %s: %w", ds.GetVersion(), err)
		}
		out = append(out, res.Msg.GetArtifacts()...)
		if token = res.Msg.GetNextToken(); token == "" {
			return out, nil
		}
	}
}

// deleteCache evicts the entries in scope.
func (a *app) deleteCache(ctx context.Context, cmd *cobra.Command, f *cacheFlags) error {
	var before time.Time
	if f.olderThan != "" {
		d, err := rawvalue.ParseDuration(f.olderThan)
		if err != nil || d <= 0 {
			return usageErrorf("--older-than %q: want a positive duration such as 12h, 90m or 30d", f.olderThan)
		}
		before = time.Now().Add(-d)
	}
	sc, err := a.resolveCache(ctx, cmd, f)
	if err != nil {
		return err
	}
	var total uint64
	for _, ds := range sc.datasets {
		n, err := evict(ctx, sc.catalog, ds, sc.tag, before)
		if err != nil {
			return err
		}
		total += n
	}
	p := a.printer()
	if p.format != formatTable {
		return p.print(&datacatalogv1.DeleteArtifactsResponse{DeletedCount: total}, nil)
	}
	entries := "entries"
	if total == 1 {
		entries = "entry"
	}
	_, err = fmt.Fprintf(a.stdout, "evicted %d cached %s of task %s in %s/%s%s\n", total, entries, f.task, sc.s.Project, sc.s.Domain, versionNote(f.cacheVersion))
	return err
}

// evict deletes the artifacts of a dataset tagged tag (all when tag is
// empty) whose outputs were stored before before (any time when it is
// zero), and returns how many it deleted. The age of an entry counts from
// when its outputs were stored or last overwritten (updated_at), as the
// engine's catalog.maxCacheAge does; the catalog's own created_before
// criterion would count from the first store, so entries are picked from a
// list and deleted by id.
func evict(ctx context.Context, c datacatalogv1connect.DataCatalogClient, ds *datacatalogv1.DatasetID, tag string, before time.Time) (uint64, error) {
	if before.IsZero() {
		res, err := c.DeleteArtifacts(ctx, connect.NewRequest(&datacatalogv1.DeleteArtifactsRequest{Dataset: ds, TagName: tag}))
		if err != nil {
			return 0, fmt.Errorf("evict from dataset %s: %w", ds.GetVersion(), err)
		}
		return res.Msg.GetDeletedCount(), nil
	}
	arts, err := listCached(ctx, c, ds, tag)
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, a := range arts {
		if !storedAt(a).Before(before) {
			continue
		}
		res, err := c.DeleteArtifacts(ctx, connect.NewRequest(&datacatalogv1.DeleteArtifactsRequest{
			Dataset: ds, ArtifactId: a.GetId(), CreatedBefore: timestamppb.New(before),
		}))
		if err != nil {
			return n, fmt.Errorf("evict %s from dataset %s: %w", a.GetId(), ds.GetVersion(), err)
		}
		n += res.Msg.GetDeletedCount()
	}
	return n, nil
}

// storedAt is when an artifact's outputs were stored: its last update, or
// its creation.
func storedAt(a *datacatalogv1.Artifact) time.Time {
	if a.GetUpdatedAt() != nil {
		return a.GetUpdatedAt().AsTime()
	}
	return a.GetCreatedAt().AsTime()
}

// versionNote names the cache version in messages, when one was given.
func versionNote(v string) string {
	if v == "" {
		return ""
	}
	return " (cache version " + v + ")"
}

// producedBy names the execution and node that produced an artifact.
func producedBy(m *datacatalogv1.Metadata) string {
	kv := m.GetKeyMap()
	switch exec, node := kv[metaExecution], kv[metaNodeID]; {
	case exec != "" && node != "":
		return exec + " node " + node
	default:
		return cmp.Or(exec, node)
	}
}

// formatAge renders a duration in its largest whole unit (45s, 12m, 3h, 5d).
func formatAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(int(d/time.Second), 0))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	default:
		return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
	}
}

// formatSize renders a byte count in binary units (512 B, 1.5 KiB).
func formatSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i])
}

// newCatalogClient returns a DataCatalog client for the service the
// platform serves beside the admin API, on the same address and with the
// same transport rules (see newAdminClient).
func newCatalogClient(s settings, timeout time.Duration, readFile func(string) ([]byte, error)) (datacatalogv1connect.DataCatalogClient, error) {
	httpClient, err := newHTTPClient(s, readFile)
	if err != nil {
		return nil, err
	}
	return datacatalogv1connect.NewDataCatalogClient(httpClient, s.Endpoint.BaseURL,
		connect.WithInterceptors(timeoutInterceptor(timeout))), nil
}
