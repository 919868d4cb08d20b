package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/flyte-go/flyte/internal/store"
	"github.com/flyte-go/flyte/internal/store/sqlshared"
)

var _ store.CatalogStore = (*Store)(nil)

// catalog writes the data catalog's queries for SQLite.
var catalog = sqlshared.CatalogDialect{
	Dialect:        dialect,
	TagsJSON:       `(SELECT json_group_array(xt.name) FROM tags xt WHERE xt.artifact_id = a.id)`,
	PartitionsJSON: `(SELECT json_group_array(json_array(xp.key, xp.value)) FROM partitions xp WHERE xp.artifact_id = a.id)`,
}

// Statements of ArtifactCreate, prepared once (see artifactCreate).
const (
	artifactInsertSQL = `INSERT INTO artifacts (id, dataset_id, data, size, metadata, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING`
	partitionInsertSQL = `INSERT INTO partitions (artifact_id, key, value) VALUES ($1, $2, $3)`
	tagInsertSQL       = `INSERT INTO tags (dataset_id, name, artifact_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (dataset_id, name) DO NOTHING`
)

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
	res, err := s.writer.ExecContext(ctx, `INSERT INTO datasets (`+sqlshared.DatasetColumns+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
		p.UUID, p.Key.Project, p.Key.Domain, p.Key.Name, p.Key.Version, sqlshared.NonNil(p.Metadata), keys, now)
	if err != nil {
		return nil, fmt.Errorf("create dataset %s: %w", p.Key, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("create dataset %s: %w", p.Key, err)
	} else if n == 0 {
		_, err := datasetID(ctx, s.writer, p.Key)
		return nil, sqlshared.DatasetTaken(p, err == nil)
	}
	return sqlshared.NewDataset(p, fromDB(now)), nil
}

// DatasetGet returns one dataset by UUID or key.
func (s *Store) DatasetGet(ctx context.Context, p store.DatasetGetParams) (*store.Dataset, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var row *sql.Row
	name := "dataset " + p.Key.String()
	if p.UUID != "" {
		name = "dataset with uuid " + p.UUID
		row = s.reader.QueryRowContext(ctx, `SELECT `+sqlshared.DatasetColumns+` FROM datasets WHERE uuid = $1`, p.UUID)
	} else {
		row = s.reader.QueryRowContext(ctx, `SELECT `+sqlshared.DatasetColumns+` FROM datasets d WHERE `+sqlshared.DatasetKeyCond,
			sqlshared.DatasetKeyArgs(p.Key)...)
	}
	ds, err := decode.Dataset(row)
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := s.reader.QueryContext(ctx, query, args...)
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
	err := q.QueryRowContext(ctx, sqlshared.DatasetIDQuery, sqlshared.DatasetKeyArgs(k)...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, store.NotFoundf("dataset %s", k)
	}
	if err != nil {
		return 0, fmt.Errorf("get dataset %s: %w", k, err)
	}
	return id, nil
}

// ArtifactCreate stores an artifact with its partitions and tags in one
// transaction.
func (s *Store) ArtifactCreate(ctx context.Context, p store.ArtifactCreateParams) (*store.Artifact, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	// The writer's single connection is held by the transaction, so its
	// statements are prepared before it begins.
	var stmts [4]*sql.Stmt
	for i, query := range []string{sqlshared.DatasetIDQuery, artifactInsertSQL, partitionInsertSQL, tagInsertSQL} {
		st, err := s.stmts.get(ctx, s.writer, query)
		if err != nil {
			return nil, fmt.Errorf("create artifact %s: prepare: %w", p.ID, err)
		}
		stmts[i] = st
	}
	now := toDB(p.Now)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var dsID int64
		err := tx.StmtContext(ctx, stmts[0]).QueryRowContext(ctx, sqlshared.DatasetKeyArgs(p.Dataset)...).Scan(&dsID)
		if errors.Is(err, sql.ErrNoRows) {
			return store.NotFoundf("dataset %s", p.Dataset)
		}
		if err != nil {
			return fmt.Errorf("create artifact %s: get dataset %s: %w", p.ID, p.Dataset, err)
		}
		data := sqlshared.NonNil(p.Data)
		res, err := tx.StmtContext(ctx, stmts[1]).ExecContext(ctx, p.ID, dsID, data, int64(len(data)), sqlshared.NonNil(p.Metadata), now)
		if err != nil {
			return fmt.Errorf("create artifact %s: %w", p.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("create artifact %s: %w", p.ID, err)
		} else if n == 0 {
			return fmt.Errorf("artifact %s: %w", p.ID, store.ErrAlreadyExists)
		}
		if len(p.Partitions) > 0 {
			ins := tx.StmtContext(ctx, stmts[2])
			for _, pt := range p.Partitions {
				if _, err := ins.ExecContext(ctx, p.ID, pt.Key, pt.Value); err != nil {
					return fmt.Errorf("create artifact %s: partition %s: %w", p.ID, pt.Key, err)
				}
			}
		}
		if len(p.Tags) > 0 {
			ins := tx.StmtContext(ctx, stmts[3])
			for _, tag := range p.Tags {
				res, err := ins.ExecContext(ctx, dsID, tag, p.ID, now)
				if err != nil {
					return fmt.Errorf("create artifact %s: tag %s: %w", p.ID, tag, err)
				}
				if n, err := res.RowsAffected(); err != nil {
					return fmt.Errorf("create artifact %s: tag %s: %w", p.ID, tag, err)
				} else if n == 0 {
					return fmt.Errorf("tag %s in dataset %s names another artifact: %w", tag, p.Dataset, store.ErrAlreadyExists)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return sqlshared.NewArtifact(p, fromDB(now)), nil
}

// ArtifactGet returns one artifact by ID or tag, in one indexed query.
func (s *Store) ArtifactGet(ctx context.Context, p store.ArtifactGetParams) (*store.Artifact, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	query, args := catalog.ArtifactGetQuery(p)
	st, err := s.stmts.get(ctx, s.reader, query)
	if err != nil {
		return nil, fmt.Errorf("get artifact: prepare: %w", err)
	}
	a, err := decode.Artifact(st.QueryRowContext(ctx, args...))
	if errors.Is(err, sql.ErrNoRows) {
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
	rows, err := s.reader.QueryContext(ctx, query, args...)
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
		if _, err := datasetID(ctx, s.reader, p.Dataset); err != nil {
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
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		query, args := catalog.ArtifactUpdateQuery(p)
		var id string
		err := tx.QueryRowContext(ctx, query, args...).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlshared.ArtifactNotFound(p.Dataset, p.ID, p.TagName)
		}
		if err != nil {
			return fmt.Errorf("update artifact in dataset %s: %w", p.Dataset, err)
		}
		query, args = catalog.ArtifactGetQuery(store.ArtifactGetParams{Dataset: p.Dataset, ID: id})
		if a, err = decode.Artifact(tx.QueryRowContext(ctx, query, args...)); err != nil {
			return fmt.Errorf("get updated artifact %s: %w", id, err)
		}
		return nil
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
	var n int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		dsID, err := datasetID(ctx, tx, p.Dataset)
		if err != nil {
			return err
		}
		query, args := catalog.ArtifactDeleteQuery(dsID, p)
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("delete artifacts of dataset %s: %w", p.Dataset, err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return fmt.Errorf("delete artifacts of dataset %s: %w", p.Dataset, err)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// TagAdd points a tag at an artifact of the same dataset.
func (s *Store) TagAdd(ctx context.Context, p store.TagAddParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		dsID, err := datasetID(ctx, tx, p.Dataset)
		if err != nil {
			return err
		}
		var one int
		err = tx.QueryRowContext(ctx, `SELECT 1 FROM artifacts WHERE id = $1 AND dataset_id = $2`, p.ArtifactID, dsID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return sqlshared.ArtifactNotFound(p.Dataset, p.ArtifactID, "")
		}
		if err != nil {
			return fmt.Errorf("tag artifact %s: %w", p.ArtifactID, err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO tags (dataset_id, name, artifact_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (dataset_id, name) DO NOTHING`, dsID, p.Name, p.ArtifactID, toDB(p.Now))
		if err != nil {
			return fmt.Errorf("tag artifact %s: %w", p.ArtifactID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("tag artifact %s: %w", p.ArtifactID, err)
		} else if n > 0 {
			return nil
		}
		var current string
		if err := tx.QueryRowContext(ctx, `SELECT artifact_id FROM tags WHERE dataset_id = $1 AND name = $2`,
			dsID, p.Name).Scan(&current); err != nil {
			return fmt.Errorf("tag artifact %s: %w", p.ArtifactID, err)
		}
		if current != p.ArtifactID {
			return fmt.Errorf("tag %s in dataset %s names artifact %s: %w", p.Name, p.Dataset, current, store.ErrAlreadyExists)
		}
		return nil
	})
}

// ReservationGetOrExtend acquires, extends or reports the reservation of a
// tag in one write transaction.
func (s *Store) ReservationGetOrExtend(ctx context.Context, p store.ReservationGetOrExtendParams) (*store.Reservation, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	var r *store.Reservation
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		args := append(sqlshared.ReservationKeyArgs(p.Dataset, p.TagName),
			p.OwnerID, int64(p.HeartbeatInterval), toDB(p.ExpiresAt()), toDB(p.Now))
		var err error
		r, err = decode.Reservation(tx.QueryRowContext(ctx, sqlshared.ReservationUpsertQuery, args...))
		if errors.Is(err, sql.ErrNoRows) {
			// Held by another owner: the write transaction keeps the row as it was.
			r, err = decode.Reservation(tx.QueryRowContext(ctx, `SELECT `+sqlshared.ReservationColumns+
				` FROM reservations WHERE `+sqlshared.ReservationKeyCond, sqlshared.ReservationKeyArgs(p.Dataset, p.TagName)...))
		}
		if err != nil {
			return fmt.Errorf("reserve tag %s in dataset %s: %w", p.TagName, p.Dataset, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// ReservationRelease deletes the owner's reservation of a tag.
func (s *Store) ReservationRelease(ctx context.Context, p store.ReservationReleaseParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		key := sqlshared.ReservationKeyArgs(p.Dataset, p.TagName)
		res, err := tx.ExecContext(ctx, `DELETE FROM reservations WHERE `+sqlshared.ReservationKeyCond+` AND owner_id = $6`,
			append(key, p.OwnerID)...)
		if err != nil {
			return fmt.Errorf("release reservation of tag %s in dataset %s: %w", p.TagName, p.Dataset, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("release reservation of tag %s in dataset %s: %w", p.TagName, p.Dataset, err)
		} else if n > 0 {
			return nil
		}
		var owner string
		err = tx.QueryRowContext(ctx, `SELECT owner_id FROM reservations WHERE `+sqlshared.ReservationKeyCond, key...).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("release reservation of tag %s in dataset %s: %w", p.TagName, p.Dataset, err)
		}
		return &sqlshared.ReservationHeldError{Dataset: p.Dataset, TagName: p.TagName, Owner: owner}
	})
}
