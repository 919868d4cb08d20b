package sqlshared

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/listsql"
)

// CatalogDialect holds what differs between engines in the data catalog's
// queries: the list dialect and two correlated subqueries over the artifact
// aliased "a", each yielding a JSON array as text (never NULL): its tag
// names, and its partitions as [key, value] pairs.
type CatalogDialect struct {
	listsql.Dialect
	TagsJSON       string
	PartitionsJSON string
}

// DatasetColumns lists the datasets columns that Decoder.Dataset scans.
const DatasetColumns = `uuid, project, domain, name, version, metadata, partition_keys, created_at`

// DatasetKeyCond is the condition on the datasets row "d" of a dataset key
// bound as $1..$4 (see DatasetKeyArgs).
const DatasetKeyCond = `d.project = $1 AND d.domain = $2 AND d.name = $3 AND d.version = $4`

// DatasetIDQuery selects the row id of the dataset whose key is bound as
// DatasetKeyArgs.
const DatasetIDQuery = `SELECT d.id FROM datasets d WHERE ` + DatasetKeyCond

// DatasetKeyArgs returns the arguments $1..$4 of a dataset key.
func DatasetKeyArgs(k store.DatasetKey) []any {
	return []any{k.Project, k.Domain, k.Name, k.Version}
}

// Dataset scans a row of DatasetColumns; partition keys are stored as a
// JSON array.
func (d Decoder[T]) Dataset(row Scanner) (*store.Dataset, error) {
	var (
		ds        store.Dataset
		keys      string
		createdAt T
	)
	if err := row.Scan(&ds.UUID, &ds.Key.Project, &ds.Key.Domain, &ds.Key.Name, &ds.Key.Version,
		&ds.Metadata, &keys, &createdAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(keys), &ds.PartitionKeys); err != nil {
		return nil, fmt.Errorf("decode partition keys of dataset %s: %w", ds.Key, err)
	}
	if len(ds.PartitionKeys) == 0 {
		ds.PartitionKeys = nil
	}
	ds.Metadata, ds.CreatedAt = NonNil(ds.Metadata), d.FromDB(createdAt)
	return &ds, nil
}

// EncodePartitionKeys returns partition keys as the JSON array stored for them.
func EncodePartitionKeys(keys []string) (string, error) {
	if len(keys) == 0 {
		return "[]", nil
	}
	b, err := json.Marshal(keys)
	if err != nil {
		return "", fmt.Errorf("encode partition keys: %w", err)
	}
	return string(b), nil
}

// NewDataset returns the dataset that DatasetCreate stores for p, with its
// creation time as read back from the database.
func NewDataset(p store.DatasetCreateParams, createdAt time.Time) *store.Dataset {
	return &store.Dataset{
		UUID: p.UUID, Key: p.Key, Metadata: slices.Clone(NonNil(p.Metadata)),
		PartitionKeys: slices.Clone(p.PartitionKeys), CreatedAt: createdAt,
	}
}

// DatasetTaken returns the ErrAlreadyExists of a DatasetCreate that
// changed nothing, naming what was taken: the key when keyTaken, else the
// UUID.
func DatasetTaken(p store.DatasetCreateParams, keyTaken bool) error {
	if keyTaken {
		return fmt.Errorf("dataset %s: %w", p.Key, store.ErrAlreadyExists)
	}
	return fmt.Errorf("dataset uuid %s (another dataset has it): %w", p.UUID, store.ErrAlreadyExists)
}

// DatasetListQuery returns the SELECT of DatasetColumns for one page of a
// dataset list prepared by store.PrepareDatasetList, and its arguments
// bound for dialect d.
func DatasetListQuery(d listsql.Dialect, p store.DatasetListParams, q *store.ListQuery) (string, []any, error) {
	b := listsql.New(d)
	var conds []string
	for _, f := range []struct{ col, value string }{
		{"project", p.Key.Project}, {"domain", p.Key.Domain}, {"name", p.Key.Name}, {"version", p.Key.Version},
	} {
		if f.value != "" {
			conds = append(conds, f.col+" = "+b.Arg(f.value))
		}
	}
	if p.VersionPrefix != "" {
		conds = append(conds, hasPrefix(b, "version", p.VersionPrefix))
	}
	cols := listsql.Columns{Fields: map[string]string{"created_at": "created_at"}, Key: "uuid"}
	more, err := b.Conditions(q, cols)
	if err != nil {
		return "", nil, err
	}
	order, err := b.OrderLimit(q, cols)
	if err != nil {
		return "", nil, err
	}
	return `SELECT ` + DatasetColumns + ` FROM datasets` + listsql.Where(append(conds, more...)) + order, b.Args(), nil
}

// hasPrefix returns a condition true when col starts with prefix. Both
// engines count substr positions and lengths in characters, and neither
// gives LIKE's wildcards a meaning here.
func hasPrefix(b *listsql.Builder, col, prefix string) string {
	return "substr(" + col + ", 1, " + b.Arg(utf8.RuneCountInString(prefix)) + ") = " + b.Arg(prefix)
}

// NewDatasetPage builds a page of a dataset list from its rows.
func NewDatasetPage(q *store.ListQuery, items []*store.Dataset) *store.Page[*store.Dataset] {
	return catalogPage(q, items, func(d *store.Dataset) store.Cursor { return store.Cursor{Sort: d.CreatedAt, Key: d.UUID} })
}

// NewArtifactPage builds a page of an artifact list from its rows.
func NewArtifactPage(q *store.ListQuery, items []*store.Artifact) *store.Page[*store.Artifact] {
	return catalogPage(q, items, func(a *store.Artifact) store.Cursor { return store.Cursor{Sort: a.CreatedAt, Key: a.ID} })
}

// catalogPage builds the page of a catalog list fetched with LIMIT
// q.Limit+1, as store.NewPage does for the registration lists.
func catalogPage[T any](q *store.ListQuery, rows []T, pos func(T) store.Cursor) *store.Page[T] {
	if len(rows) <= q.Limit {
		return &store.Page[T]{Items: rows}
	}
	rows = rows[:q.Limit]
	return &store.Page[T]{Items: rows, NextToken: q.Token(pos(rows[len(rows)-1]))}
}

// NewArtifact returns the artifact that ArtifactCreate stores for p, with
// its creation time as read back from the database.
func NewArtifact(p store.ArtifactCreateParams, createdAt time.Time) *store.Artifact {
	a := &store.Artifact{
		ID: p.ID, Dataset: p.Dataset, Data: slices.Clone(NonNil(p.Data)), Size: int64(len(p.Data)),
		Metadata: slices.Clone(NonNil(p.Metadata)), Partitions: slices.Clone(p.Partitions), Tags: slices.Clone(p.Tags),
		CreatedAt: createdAt, UpdatedAt: createdAt,
	}
	slices.Sort(a.Tags)
	slices.SortFunc(a.Partitions, func(x, y store.Partition) int { return strings.Compare(x.Key, y.Key) })
	return a
}

// ArtifactColumns returns the columns that Decoder.Artifact scans, from an
// artifact "a" joined with its dataset "d".
func (cd CatalogDialect) ArtifactColumns() string {
	return `a.id, d.project, d.domain, d.name, d.version, a.data, a.size, a.metadata, a.created_at, a.updated_at, ` +
		cd.TagsJSON + `, ` + cd.PartitionsJSON
}

// Artifact scans a row of CatalogDialect.ArtifactColumns. Tags are sorted
// and partitions sorted by key.
func (d Decoder[T]) Artifact(row Scanner) (*store.Artifact, error) {
	var (
		a                    store.Artifact
		createdAt, updatedAt T
		tags, parts          string
	)
	if err := row.Scan(&a.ID, &a.Dataset.Project, &a.Dataset.Domain, &a.Dataset.Name, &a.Dataset.Version,
		&a.Data, &a.Size, &a.Metadata, &createdAt, &updatedAt, &tags, &parts); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(tags), &a.Tags); err != nil {
		return nil, fmt.Errorf("decode tags of artifact %s: %w", a.ID, err)
	}
	var pairs [][2]string
	if err := json.Unmarshal([]byte(parts), &pairs); err != nil {
		return nil, fmt.Errorf("decode partitions of artifact %s: %w", a.ID, err)
	}
	slices.Sort(a.Tags)
	if len(a.Tags) == 0 {
		a.Tags = nil
	}
	for _, kv := range pairs {
		a.Partitions = append(a.Partitions, store.Partition{Key: kv[0], Value: kv[1]})
	}
	slices.SortFunc(a.Partitions, func(x, y store.Partition) int { return strings.Compare(x.Key, y.Key) })
	a.Data, a.Metadata = NonNil(a.Data), NonNil(a.Metadata)
	a.CreatedAt, a.UpdatedAt = d.FromDB(createdAt), d.FromDB(updatedAt)
	return &a, nil
}

// ArtifactGetQuery returns the SELECT of ArtifactColumns for the artifact
// named by p (by ID when set, else by tag) and its arguments. The query text
// depends only on which of the two names it, so drivers can prepare it once.
func (cd CatalogDialect) ArtifactGetQuery(p store.ArtifactGetParams) (string, []any) {
	args := DatasetKeyArgs(p.Dataset)
	if p.ID != "" {
		return `SELECT ` + cd.ArtifactColumns() + ` FROM artifacts a JOIN datasets d ON d.id = a.dataset_id
WHERE ` + DatasetKeyCond + ` AND a.id = $5`, append(args, p.ID)
	}
	return `SELECT ` + cd.ArtifactColumns() + ` FROM datasets d
JOIN tags t ON t.dataset_id = d.id JOIN artifacts a ON a.id = t.artifact_id
WHERE ` + DatasetKeyCond + ` AND t.name = $5`, append(args, p.TagName)
}

// ArtifactNotFound returns the ErrNotFound of an artifact named by ID or tag.
func ArtifactNotFound(ds store.DatasetKey, id, tag string) error {
	if id != "" {
		return store.NotFoundf("artifact %s in dataset %s", id, ds)
	}
	return store.NotFoundf("artifact tagged %s in dataset %s", tag, ds)
}

// ArtifactListQuery returns the SELECT of ArtifactColumns for one page of
// an artifact list prepared by store.PrepareArtifactList, and its arguments.
func (cd CatalogDialect) ArtifactListQuery(p store.ArtifactListParams, q *store.ListQuery) (string, []any, error) {
	b := listsql.New(cd.Dialect)
	for _, v := range DatasetKeyArgs(p.Dataset) {
		b.Arg(v)
	}
	// The dataset's id as a scalar subquery, rather than a join condition,
	// lets the planner walk artifacts_dataset_created_at in order and stop
	// at the page size; PostgreSQL otherwise sorts the whole dataset.
	conds := []string{"a.dataset_id = (SELECT d.id FROM datasets d WHERE " + DatasetKeyCond + ")"}
	if p.ID != "" {
		conds = append(conds, "a.id = "+b.Arg(p.ID))
	}
	if p.TagName != "" {
		conds = append(conds, "EXISTS (SELECT 1 FROM tags t WHERE t.dataset_id = a.dataset_id AND t.name = "+
			b.Arg(p.TagName)+" AND t.artifact_id = a.id)")
	}
	for _, pt := range p.Partitions {
		conds = append(conds, "EXISTS (SELECT 1 FROM partitions p WHERE p.artifact_id = a.id AND p.key = "+
			b.Arg(pt.Key)+" AND p.value = "+b.Arg(pt.Value)+")")
	}
	if !p.CreatedBefore.IsZero() {
		conds = append(conds, "a.created_at < "+b.Value(store.Timestamp(p.CreatedBefore)))
	}
	cols := listsql.Columns{Fields: map[string]string{"created_at": "a.created_at"}, Key: "a.id"}
	more, err := b.Conditions(q, cols)
	if err != nil {
		return "", nil, err
	}
	order, err := b.OrderLimit(q, cols)
	if err != nil {
		return "", nil, err
	}
	return `SELECT ` + cd.ArtifactColumns() + ` FROM artifacts a JOIN datasets d ON d.id = a.dataset_id` +
		listsql.Where(append(conds, more...)) + order, b.Args(), nil
}

// ArtifactUpdateQuery returns the UPDATE that replaces the data of the
// artifact named by p, returning its id (no row when there is none), and
// its arguments.
func (cd CatalogDialect) ArtifactUpdateQuery(p store.ArtifactUpdateParams) (string, []any) {
	data := NonNil(p.Data)
	args := append(DatasetKeyArgs(p.Dataset), data, int64(len(data)), NonNil(p.Metadata), cd.Value(store.Timestamp(p.Now)))
	set := `UPDATE artifacts SET data = $5, size = $6, metadata = $7, updated_at = $8 WHERE `
	if p.ID != "" {
		return set + `id = $9 AND dataset_id = (` + DatasetIDQuery + `) RETURNING id`, append(args, p.ID)
	}
	return set + `id = (SELECT t.artifact_id FROM datasets d JOIN tags t ON t.dataset_id = d.id
WHERE ` + DatasetKeyCond + ` AND t.name = $9) RETURNING id`, append(args, p.TagName)
}

// ArtifactDeleteQuery returns the DELETE of the artifacts of the dataset
// with row id datasetID that match p, and its arguments. Tags and
// partitions go with them by ON DELETE CASCADE.
func (cd CatalogDialect) ArtifactDeleteQuery(datasetID int64, p store.ArtifactDeleteParams) (string, []any) {
	b := listsql.New(cd.Dialect)
	ds := b.Arg(datasetID)
	conds := []string{"dataset_id = " + ds}
	if p.ID != "" {
		conds = append(conds, "id = "+b.Arg(p.ID))
	}
	if p.TagName != "" {
		conds = append(conds, "id IN (SELECT artifact_id FROM tags WHERE dataset_id = "+ds+" AND name = "+b.Arg(p.TagName)+")")
	}
	if !p.CreatedBefore.IsZero() {
		conds = append(conds, "created_at < "+b.Value(store.Timestamp(p.CreatedBefore)))
	}
	return `DELETE FROM artifacts` + listsql.Where(conds), b.Args()
}

// ReservationColumns lists the reservations columns that Decoder.Reservation scans.
const ReservationColumns = `project, domain, name, version, tag_name, owner_id, heartbeat_interval_ns, expires_at`

// ReservationKeyCond is the condition on a reservation's dataset key and
// tag bound as $1..$5 (see ReservationKeyArgs).
const ReservationKeyCond = `project = $1 AND domain = $2 AND name = $3 AND version = $4 AND tag_name = $5`

// ReservationUpsertQuery takes or extends a reservation, bound as
// ReservationKeyArgs followed by the owner ($6), the heartbeat interval in
// nanoseconds ($7), the new expiry ($8) and the current time ($9). It
// inserts a missing row, and replaces one held by the same owner or
// expired; otherwise it changes nothing and returns no row.
const ReservationUpsertQuery = `INSERT INTO reservations (` + ReservationColumns + `)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (project, domain, name, version, tag_name) DO UPDATE
SET owner_id = excluded.owner_id, heartbeat_interval_ns = excluded.heartbeat_interval_ns, expires_at = excluded.expires_at
WHERE reservations.owner_id = excluded.owner_id OR reservations.expires_at <= $9
RETURNING ` + ReservationColumns

// ReservationKeyArgs returns the arguments $1..$5 of a reservation's key.
func ReservationKeyArgs(ds store.DatasetKey, tag string) []any {
	return append(DatasetKeyArgs(ds), tag)
}

// Reservation scans a row of ReservationColumns.
func (d Decoder[T]) Reservation(row Scanner) (*store.Reservation, error) {
	var (
		r         store.Reservation
		heartbeat int64
		expiresAt T
	)
	if err := row.Scan(&r.Dataset.Project, &r.Dataset.Domain, &r.Dataset.Name, &r.Dataset.Version,
		&r.TagName, &r.OwnerID, &heartbeat, &expiresAt); err != nil {
		return nil, err
	}
	r.HeartbeatInterval, r.ExpiresAt = time.Duration(heartbeat), d.FromDB(expiresAt)
	return &r, nil
}

// ReservationHeldError reports a reservation that another owner holds; it
// matches store.ErrConflict.
type ReservationHeldError struct {
	Dataset store.DatasetKey
	TagName string
	// Owner is the holder.
	Owner string
}

// Error names the reservation and its holder.
func (e *ReservationHeldError) Error() string {
	return fmt.Sprintf("reservation of tag %s in dataset %s is held by %s", e.TagName, e.Dataset, e.Owner)
}

// Is makes the error match store.ErrConflict.
func (e *ReservationHeldError) Is(target error) bool { return target == store.ErrConflict }
