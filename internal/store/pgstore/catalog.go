package pgstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

var _ store.CatalogStore = (*Store)(nil)

// catalog writes the data catalog's queries for PostgreSQL.
var catalog = sqlshared.CatalogDialect{
	Dialect:        dialect,
	TagsJSON:       `(SELECT coalesce(json_agg(xt.name), '[]')::text FROM tags xt WHERE xt.artifact_id = a.id)`,
	PartitionsJSON: `(SELECT coalesce(json_agg(json_build_array(xp.key, xp.value)), '[]')::text FROM partitions xp WHERE xp.artifact_id = a.id)`,
}

// artifactCreateSQL stores an artifact, its partitions and its tags in one
// statement, and returns whether the dataset was found and whether the
// artifact was inserted. A tag that names another artifact fails the whole
// statement with a unique violation, so nothing is stored then.
const artifactCreateSQL = `WITH d AS (` + sqlshared.DatasetIDQuery + `),
a AS (
    INSERT INTO artifacts (id, dataset_id, data, size, metadata, created_at, updated_at)
    SELECT $5, d.id, $6, $7, $8, $9, $9 FROM d
    ON CONFLICT (id) DO NOTHING
    RETURNING id, dataset_id
),
p AS (
    INSERT INTO partitions (artifact_id, key, value)
    SELECT a.id, x.key, x.value FROM a, unnest($10::text[], $11::text[]) AS x (key, value)
),
t AS (
    INSERT INTO tags (dataset_id, name, artifact_id, created_at)
    SELECT a.dataset_id, x.name, a.id, $9 FROM a, unnest($12::text[]) AS x (name)
)
SELECT EXISTS (SELECT 1 FROM d), EXISTS (SELECT 1 FROM a)`

// maxRaceRetries bounds how often a one-statement write is retried when a
// concurrent delete removed the row that explained why it changed nothing.
const maxRaceRetries = 3

// DatasetCreate stores a new dataset.
func (s *Store) DatasetCreate(ctx context.Context, p store.DatasetCreateParams) (*store.Dataset, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	keys, err := sqlshared.EncodePartitionKeys(p.PartitionKeys)
	if err != nil {
		return nil, err
	}
	now := toDB(p.Now)
	tag, err := s.pool.Exec(ctx, `INSERT INTO datasets (`+sqlshared.DatasetColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		p.UUID, p.Key.Project, p.Key.Domain, p.Key.Name, p.Key.Version, sqlshared.NonNil(p.Metadata), keys, now)
	if err != nil {
		return nil, fmt.Errorf("create dataset %s: %w", p.Key, err)
	}
	if tag.RowsAffected() == 0 {
		_, err := datasetID(ctx, s.pool, p.Key)
		return nil, sqlshared.DatasetTaken(p, err == nil)
	}
	return sqlshared.NewDataset(p, now), nil
}

// DatasetGet returns one dataset by UUID or key.
func (s *Store) DatasetGet(ctx context.Context, p store.DatasetGetParams) (*store.Dataset, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var row pgx.Row
	name := "dataset " + p.Key.String()
	if p.UUID != "" {
		name = "dataset with uuid " + p.UUID
		row = s.pool.QueryRow(ctx, `SELECT `+sqlshared.DatasetColumns+` FROM datasets WHERE uuid = $1`, p.UUID)
	} else {
		row = s.pool.QueryRow(ctx, `SELECT `+sqlshared.DatasetColumns+` FROM datasets d WHERE `+sqlshared.DatasetKeyCond,
			sqlshared.DatasetKeyArgs(p.Key)...)
	}
	ds, err := decode.Dataset(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.NotFoundf("%s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	return ds, nil
}

// DatasetList returns one page of datasets.
func (s *Store) DatasetList(ctx context.Context, p store.DatasetListParams) (*store.Page[*store.Dataset], error) {
	q, err := store.PrepareDatasetList(p)
	if err != nil {
		return nil, err
	}
	query, args, err := sqlshared.DatasetListQuery(dialect, p, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	defer rows.Close()
	items, err := sqlshared.Collect(rows, decode.Dataset)
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	return sqlshared.NewDatasetPage(q, items), nil
}

// datasetID returns the row id of a dataset (ErrNotFound).
func datasetID(ctx context.Context, q querier, k store.DatasetKey) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, sqlshared.DatasetIDQuery, sqlshared.DatasetKeyArgs(k)...).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, store.NotFoundf("dataset %s", k)
	}
	if err != nil {
		return 0, fmt.Errorf("get dataset %s: %w", k, err)
	}
	return id, nil
}

// ArtifactCreate stores an artifact with its partitions and tags in one
// statement (see artifactCreateSQL).
func (s *Store) ArtifactCreate(ctx context.Context, p store.ArtifactCreateParams) (*store.Artifact, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	keys, values := make([]string, len(p.Partitions)), make([]string, len(p.Partitions))
	for i, pt := range p.Partitions {
		keys[i], values[i] = pt.Key, pt.Value
	}
	tags := append([]string{}, p.Tags...)
	data, now := sqlshared.NonNil(p.Data), toDB(p.Now)
	args := append(sqlshared.DatasetKeyArgs(p.Dataset),
		p.ID, data, int64(len(data)), sqlshared.NonNil(p.Metadata), now, keys, values, tags)
	var foundDataset, inserted bool
	err := s.pool.QueryRow(ctx, artifactCreateSQL, args...).Scan(&foundDataset, &inserted)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == uniqueViolation && pgErr.ConstraintName == "tags_pkey":
		return nil, s.tagTaken(ctx, p)
	case err != nil:
		return nil, fmt.Errorf("create artifact %s: %w", p.ID, err)
	case !foundDataset:
		return nil, store.NotFoundf("dataset %s", p.Dataset)
	case !inserted:
		return nil, fmt.Errorf("artifact %s: %w", p.ID, store.ErrAlreadyExists)
	}
	return sqlshared.NewArtifact(p, now), nil
}

// uniqueViolation is the SQLSTATE of a unique constraint violation.
const uniqueViolation = "23505"

// tagTaken returns the ErrAlreadyExists of an ArtifactCreate whose tags
// collided, naming a tag that names another artifact.
func (s *Store) tagTaken(ctx context.Context, p store.ArtifactCreateParams) error {
	var tag string
	err := s.pool.QueryRow(ctx, `SELECT t.name FROM datasets d JOIN tags t ON t.dataset_id = d.id
WHERE `+sqlshared.DatasetKeyCond+` AND t.name = ANY($5) ORDER BY t.name LIMIT 1`,
		append(sqlshared.DatasetKeyArgs(p.Dataset), p.Tags)...).Scan(&tag)
	if err != nil {
		// The colliding artifact was deleted since; the tags were taken
		// when the artifact was created all the same.
		return fmt.Errorf("a tag of artifact %s in dataset %s names another artifact: %w", p.ID, p.Dataset, store.ErrAlreadyExists)
	}
	return fmt.Errorf("tag %s in dataset %s names another artifact: %w", tag, p.Dataset, store.ErrAlreadyExists)
}

// ArtifactGet returns one artifact by ID or tag, in one indexed query.
func (s *Store) ArtifactGet(ctx context.Context, p store.ArtifactGetParams) (*store.Artifact, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return artifactGet(ctx, s.pool, p)
}

func artifactGet(ctx context.Context, q querier, p store.ArtifactGetParams) (*store.Artifact, error) {
	query, args := catalog.ArtifactGetQuery(p)
	a, err := decode.Artifact(q.QueryRow(ctx, query, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, sqlshared.ArtifactNotFound(p.Dataset, p.ID, p.TagName)
	}
	if err != nil {
		return nil, fmt.Errorf("get artifact in dataset %s: %w", p.Dataset, err)
	}
	return a, nil
}

// ArtifactList returns one page of a dataset's artifacts.
func (s *Store) ArtifactList(ctx context.Context, p store.ArtifactListParams) (*store.Page[*store.Artifact], error) {
	q, err := store.PrepareArtifactList(p)
	if err != nil {
		return nil, err
	}
	query, args, err := catalog.ArtifactListQuery(p, q)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list artifacts of dataset %s: %w", p.Dataset, err)
	}
	defer rows.Close()
	items, err := sqlshared.Collect(rows, decode.Artifact)
	if err != nil {
		return nil, fmt.Errorf("list artifacts of dataset %s: %w", p.Dataset, err)
	}
	if len(items) == 0 {
		// An empty page may mean that the dataset does not exist.
		if _, err := datasetID(ctx, s.pool, p.Dataset); err != nil {
			return nil, err
		}
	}
	return sqlshared.NewArtifactPage(q, items), nil
}

// ArtifactUpdate replaces the data and metadata of an artifact.
func (s *Store) ArtifactUpdate(ctx context.Context, p store.ArtifactUpdateParams) (*store.Artifact, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var a *store.Artifact
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		query, args := catalog.ArtifactUpdateQuery(p)
		var id string
		err := tx.QueryRow(ctx, query, args...).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return sqlshared.ArtifactNotFound(p.Dataset, p.ID, p.TagName)
		}
		if err != nil {
			return fmt.Errorf("update artifact in dataset %s: %w", p.Dataset, err)
		}
		// The updated row stays locked until commit, so it is still there.
		a, err = artifactGet(ctx, tx, store.ArtifactGetParams{Dataset: p.Dataset, ID: id})
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// ArtifactDelete deletes the matching artifacts of a dataset with their
// tags and partitions.
func (s *Store) ArtifactDelete(ctx context.Context, p store.ArtifactDeleteParams) (int64, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	// Datasets are never deleted, so the id stays valid for the DELETE.
	dsID, err := datasetID(ctx, s.pool, p.Dataset)
	if err != nil {
		return 0, err
	}
	query, args := catalog.ArtifactDeleteQuery(dsID, p)
	tag, err := s.pool.Exec(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("delete artifacts of dataset %s: %w", p.Dataset, err)
	}
	return tag.RowsAffected(), nil
}

// TagAdd points a tag at an artifact of the same dataset.
func (s *Store) TagAdd(ctx context.Context, p store.TagAddParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	args := append(sqlshared.DatasetKeyArgs(p.Dataset), p.ArtifactID, p.Name)
	for range maxRaceRetries {
		tag, err := s.pool.Exec(ctx, `INSERT INTO tags (dataset_id, name, artifact_id, created_at)
SELECT d.id, $6, a.id, $7 FROM datasets d JOIN artifacts a ON a.dataset_id = d.id
WHERE `+sqlshared.DatasetKeyCond+` AND a.id = $5
ON CONFLICT (dataset_id, name) DO NOTHING`, append(args, toDB(p.Now))...)
		if err != nil {
			return fmt.Errorf("tag artifact %s: %w", p.ArtifactID, err)
		}
		if tag.RowsAffected() > 0 {
			return nil
		}
		// Nothing inserted: say why, in one snapshot.
		var dsFound, artifactFound bool
		var current *string
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM datasets d WHERE `+sqlshared.DatasetKeyCond+`),
EXISTS (SELECT 1 FROM datasets d JOIN artifacts a ON a.dataset_id = d.id WHERE `+sqlshared.DatasetKeyCond+` AND a.id = $5),
(SELECT t.artifact_id FROM datasets d JOIN tags t ON t.dataset_id = d.id WHERE `+sqlshared.DatasetKeyCond+` AND t.name = $6)`,
			args...).Scan(&dsFound, &artifactFound, &current); err != nil {
			return fmt.Errorf("tag artifact %s: %w", p.ArtifactID, err)
		}
		switch {
		case !dsFound:
			return store.NotFoundf("dataset %s", p.Dataset)
		case !artifactFound:
			return sqlshared.ArtifactNotFound(p.Dataset, p.ArtifactID, "")
		case current == nil:
			continue // the artifact the tag named was deleted since: try again
		case *current != p.ArtifactID:
			return fmt.Errorf("tag %s in dataset %s names artifact %s: %w", p.Name, p.Dataset, *current, store.ErrAlreadyExists)
		default:
			return nil
		}
	}
	return fmt.Errorf("tag artifact %s: tag %s changed concurrently %d times", p.ArtifactID, p.Name, maxRaceRetries)
}

// ReservationGetOrExtend acquires, extends or reports the reservation of a
// tag. The upsert decides under the row's lock, so concurrent callers never
// both acquire it.
func (s *Store) ReservationGetOrExtend(ctx context.Context, p store.ReservationGetOrExtendParams) (*store.Reservation, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	key := sqlshared.ReservationKeyArgs(p.Dataset, p.TagName)
	args := append(key, p.OwnerID, int64(p.HeartbeatInterval), toDB(p.ExpiresAt()), toDB(p.Now))
	for range maxRaceRetries {
		r, err := decode.Reservation(s.pool.QueryRow(ctx, sqlshared.ReservationUpsertQuery, args...))
		if errors.Is(err, pgx.ErrNoRows) {
			// Another owner holds it: report that reservation.
			r, err = decode.Reservation(s.pool.QueryRow(ctx, `SELECT `+sqlshared.ReservationColumns+
				` FROM reservations WHERE `+sqlshared.ReservationKeyCond, key...))
			if errors.Is(err, pgx.ErrNoRows) {
				continue // released since: try to acquire it again
			}
		}
		if err != nil {
			return nil, fmt.Errorf("reserve tag %s in dataset %s: %w", p.TagName, p.Dataset, err)
		}
		return r, nil
	}
	return nil, fmt.Errorf("reserve tag %s in dataset %s: reservation changed concurrently %d times", p.TagName, p.Dataset, maxRaceRetries)
}

// ReservationRelease deletes the owner's reservation of a tag in one
// statement, which also reads the holder as it was before the delete.
func (s *Store) ReservationRelease(ctx context.Context, p store.ReservationReleaseParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	var deleted bool
	var owner *string
	err := s.pool.QueryRow(ctx, `WITH del AS (
    DELETE FROM reservations WHERE `+sqlshared.ReservationKeyCond+` AND owner_id = $6 RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM del), (SELECT owner_id FROM reservations WHERE `+sqlshared.ReservationKeyCond+`)`,
		append(sqlshared.ReservationKeyArgs(p.Dataset, p.TagName), p.OwnerID)...).Scan(&deleted, &owner)
	if err != nil {
		return fmt.Errorf("release reservation of tag %s in dataset %s: %w", p.TagName, p.Dataset, err)
	}
	if deleted || owner == nil {
		return nil
	}
	return &sqlshared.ReservationHeldError{Dataset: p.Dataset, TagName: p.TagName, Owner: *owner}
}
