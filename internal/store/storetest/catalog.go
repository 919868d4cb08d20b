package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/store"
)

// runCatalog runs the data-catalog part of the suite.
func runCatalog(t *testing.T, open OpenFunc) {
	t.Run("Datasets", func(t *testing.T) { testDatasets(t, open) })
	t.Run("DatasetList", func(t *testing.T) { testDatasetList(t, open) })
	t.Run("ArtifactCreateGet", func(t *testing.T) { testArtifactCreateGet(t, open) })
	t.Run("ArtifactList", func(t *testing.T) { testArtifactList(t, open) })
	t.Run("ArtifactUpdate", func(t *testing.T) { testArtifactUpdate(t, open) })
	t.Run("ArtifactDelete", func(t *testing.T) { testArtifactDelete(t, open) })
	t.Run("TagAdd", func(t *testing.T) { testTagAdd(t, open) })
	t.Run("Reservations", func(t *testing.T) { testReservations(t, open) })
	t.Run("ReservationRace", func(t *testing.T) { testReservationRace(t, open) })
	t.Run("ArtifactTagRace", func(t *testing.T) { testArtifactTagRace(t, open) })
	t.Run("CatalogMigration", func(t *testing.T) { testCatalogMigration(t, open) })
}

// cs returns the catalog store of the env's store.
func (e *env) cs() store.CatalogStore {
	e.t.Helper()
	cs, ok := e.s.(store.CatalogStore)
	require.True(e.t, ok, "%T does not implement store.CatalogStore", e.s)
	return cs
}

func dkey(project, domain, name, version string) store.DatasetKey {
	return store.DatasetKey{Project: project, Domain: domain, Name: name, Version: version}
}

// dataset creates a dataset with key k at the current clock.
func (e *env) dataset(k store.DatasetKey, partitionKeys ...string) *store.Dataset {
	e.t.Helper()
	ds, err := e.cs().DatasetCreate(e.ctx, store.DatasetCreateParams{
		UUID: "uuid-" + k.String(), Key: k, Metadata: []byte("meta of " + k.Name), PartitionKeys: partitionKeys, Now: e.now,
	})
	require.NoError(e.t, err)
	return ds
}

// artifactParams returns valid params to create artifact id in ds at now.
func artifactParams(ds store.DatasetKey, id string, now time.Time, tags []string, parts ...store.Partition) store.ArtifactCreateParams {
	return store.ArtifactCreateParams{
		Dataset: ds, ID: id, Data: []byte("outputs of " + id), Metadata: []byte("meta of " + id),
		Partitions: parts, Tags: tags, Now: now,
	}
}

// artifact creates an artifact at the current clock.
func (e *env) artifact(ds store.DatasetKey, id string, tags []string, parts ...store.Partition) *store.Artifact {
	e.t.Helper()
	a, err := e.cs().ArtifactCreate(e.ctx, artifactParams(ds, id, e.now, tags, parts...))
	require.NoError(e.t, err)
	return a
}

// getArtifact reads an artifact by id and fails on error.
func (e *env) getArtifact(ds store.DatasetKey, id string) *store.Artifact {
	e.t.Helper()
	a, err := e.cs().ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, ID: id})
	require.NoError(e.t, err)
	return a
}

func artifactIDs(items []*store.Artifact) []string {
	out := make([]string, len(items))
	for i, a := range items {
		out[i] = a.ID
	}
	return out
}

func datasetNames(items []*store.Dataset) []string {
	out := make([]string, len(items))
	for i, d := range items {
		out[i] = d.Key.Name + "@" + d.Key.Version
	}
	return out
}

func testDatasets(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	k := dkey("p", "d", "flyte_task-t1", "1.0-abc")
	created := e.dataset(k, "region", "day")
	want := &store.Dataset{UUID: "uuid-" + k.String(), Key: k, Metadata: []byte("meta of flyte_task-t1"),
		PartitionKeys: []string{"region", "day"}, CreatedAt: store.Timestamp(e.now)}
	requireDiff(t, want, created)

	byUUID, err := cs.DatasetGet(e.ctx, store.DatasetGetParams{UUID: want.UUID})
	require.NoError(t, err)
	requireDiff(t, want, byUUID)
	byKey, err := cs.DatasetGet(e.ctx, store.DatasetGetParams{Key: k})
	require.NoError(t, err)
	requireDiff(t, want, byKey)

	// Same key, another UUID: refused, and the stored row is unchanged.
	e.tick()
	_, err = cs.DatasetCreate(e.ctx, store.DatasetCreateParams{UUID: "other", Key: k, Metadata: []byte("x"), Now: e.now})
	require.ErrorIs(t, err, store.ErrAlreadyExists)
	require.ErrorContains(t, err, k.String())
	// Same UUID, another key.
	_, err = cs.DatasetCreate(e.ctx, store.DatasetCreateParams{UUID: want.UUID, Key: dkey("p", "d", "n", "v"), Now: e.now})
	require.ErrorIs(t, err, store.ErrAlreadyExists)
	require.ErrorContains(t, err, "uuid "+want.UUID)
	again, err := cs.DatasetGet(e.ctx, store.DatasetGetParams{Key: k})
	require.NoError(t, err)
	requireDiff(t, want, again)
	_, err = cs.DatasetGet(e.ctx, store.DatasetGetParams{UUID: "other"})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = cs.DatasetGet(e.ctx, store.DatasetGetParams{Key: dkey("p", "d", "n", "v")})
	require.ErrorIs(t, err, store.ErrNotFound)

	// No partition keys and no metadata read back as empty.
	bare, err := cs.DatasetCreate(e.ctx, store.DatasetCreateParams{UUID: "u2", Key: dkey("p", "d", "n", "v"), Now: e.now})
	require.NoError(t, err)
	got, err := cs.DatasetGet(e.ctx, store.DatasetGetParams{UUID: "u2"})
	require.NoError(t, err)
	requireDiff(t, bare, got)
	require.Empty(t, got.PartitionKeys)

	for _, tt := range []struct {
		name  string
		param string
		call  func() error
	}{
		{"create without uuid", "uuid", func() error {
			_, err := cs.DatasetCreate(e.ctx, store.DatasetCreateParams{Key: dkey("p", "d", "x", "v"), Now: e.now})
			return err
		}},
		{"create without version", "key.version", func() error {
			_, err := cs.DatasetCreate(e.ctx, store.DatasetCreateParams{UUID: "u3", Key: dkey("p", "d", "x", ""), Now: e.now})
			return err
		}},
		{"create with a duplicate partition key", "partition_keys[1]", func() error {
			_, err := cs.DatasetCreate(e.ctx, store.DatasetCreateParams{UUID: "u3", Key: dkey("p", "d", "x", "v"),
				PartitionKeys: []string{"a", "a"}, Now: e.now})
			return err
		}},
		{"create without time", "now", func() error {
			_, err := cs.DatasetCreate(e.ctx, store.DatasetCreateParams{UUID: "u3", Key: dkey("p", "d", "x", "v")})
			return err
		}},
		{"get by nothing", "uuid", func() error {
			_, err := cs.DatasetGet(e.ctx, store.DatasetGetParams{})
			return err
		}},
		{"get by a partial key", "key.domain", func() error {
			_, err := cs.DatasetGet(e.ctx, store.DatasetGetParams{Key: dkey("p", "", "n", "v")})
			return err
		}},
	} {
		err := tt.call()
		require.ErrorIs(t, err, store.ErrInvalidArgument, tt.name)
		require.ErrorContains(t, err, tt.param, tt.name)
	}
	_, err = cs.DatasetGet(e.ctx, store.DatasetGetParams{Key: dkey("p", "d", "x", "v")})
	require.ErrorIs(t, err, store.ErrNotFound, "refused creates store nothing")
}

func testDatasetList(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	// Two datasets share each creation time, so the UUID breaks ties.
	for i, k := range []store.DatasetKey{
		dkey("p", "d", "a", "1.0-x"), dkey("p", "d", "a", "1.1-x"),
		dkey("p", "d", "b", "1.0-x"), dkey("p", "prod", "a", "1.0-x"),
		dkey("q", "d", "a", "2.0-x"),
	} {
		if i%2 == 0 {
			e.tick()
		}
		e.dataset(k)
	}
	list := func(p store.DatasetListParams) []string {
		t.Helper()
		page, err := cs.DatasetList(e.ctx, p)
		require.NoError(t, err)
		require.Empty(t, page.NextToken)
		return datasetNames(page.Items)
	}
	requireDiff(t, []string{"a@2.0-x", "a@1.0-x", "b@1.0-x", "a@1.1-x", "a@1.0-x"}, list(store.DatasetListParams{}))
	requireDiff(t, []string{"a@1.0-x", "a@1.1-x", "b@1.0-x", "a@1.0-x", "a@2.0-x"}, list(store.DatasetListParams{Asc: true}))
	requireDiff(t, []string{"a@1.0-x", "b@1.0-x", "a@1.1-x", "a@1.0-x"}, list(store.DatasetListParams{Key: dkey("p", "", "", "")}))
	requireDiff(t, []string{"b@1.0-x", "a@1.1-x", "a@1.0-x"}, list(store.DatasetListParams{Key: dkey("p", "d", "", "")}))
	requireDiff(t, []string{"a@1.1-x", "a@1.0-x"}, list(store.DatasetListParams{Key: dkey("p", "d", "a", "")}))
	requireDiff(t, []string{"a@1.0-x"}, list(store.DatasetListParams{Key: dkey("p", "d", "a", "1.0-x")}))
	requireDiff(t, []string{"a@1.0-x", "b@1.0-x", "a@1.0-x"}, list(store.DatasetListParams{VersionPrefix: "1.0-"}))
	requireDiff(t, []string{"a@1.1-x", "a@1.0-x"}, list(store.DatasetListParams{Key: dkey("p", "d", "a", ""), VersionPrefix: "1."}))
	requireDiff(t, []string{}, list(store.DatasetListParams{VersionPrefix: "1._"}), "LIKE wildcards match themselves")
	requireDiff(t, []string{}, list(store.DatasetListParams{VersionPrefix: "1.0-xy"}))
	requireDiff(t, []string{}, list(store.DatasetListParams{Key: dkey("none", "", "", "")}))

	// Paging, both directions, two rows per page.
	for _, asc := range []bool{false, true} {
		var got []string
		token := ""
		for {
			page, err := cs.DatasetList(e.ctx, store.DatasetListParams{Asc: asc, Limit: 2, Token: token})
			require.NoError(t, err)
			got = append(got, datasetNames(page.Items)...)
			if token = page.NextToken; token == "" {
				break
			}
		}
		requireDiff(t, list(store.DatasetListParams{Asc: asc}), got, "asc=%v", asc)
	}

	page, err := cs.DatasetList(e.ctx, store.DatasetListParams{Limit: 1})
	require.NoError(t, err)
	_, err = cs.DatasetList(e.ctx, store.DatasetListParams{Limit: 1, Asc: true, Token: page.NextToken})
	require.ErrorIs(t, err, store.ErrInvalidArgument, "a token keeps its direction")
	_, err = cs.DatasetList(e.ctx, store.DatasetListParams{Limit: 1, Key: dkey("p", "", "", ""), Token: page.NextToken})
	require.ErrorIs(t, err, store.ErrInvalidArgument, "a token keeps its filters")
	_, err = cs.DatasetList(e.ctx, store.DatasetListParams{Token: "garbage"})
	require.ErrorIs(t, err, store.ErrInvalidArgument)
	_, err = cs.DatasetList(e.ctx, store.DatasetListParams{Limit: store.MaxLimit + 1})
	require.ErrorContains(t, err, "limit")
	_, err = cs.DatasetList(e.ctx, store.DatasetListParams{Limit: -1})
	require.ErrorIs(t, err, store.ErrInvalidArgument)
	_, err = cs.DatasetList(e.ctx, store.DatasetListParams{VersionPrefix: "a\x00"})
	require.ErrorContains(t, err, "version_prefix")
}

func testArtifactCreateGet(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	ds := dkey("p", "d", "flyte_task-t", "1-sig")
	other := dkey("p", "d", "flyte_task-u", "1-sig")
	e.dataset(ds, "region")
	e.dataset(other)

	created := e.artifact(ds, "a1", []string{"zeta", "alpha"}, store.Partition{Key: "region", Value: "eu"}, store.Partition{Key: "day", Value: "mon"})
	want := &store.Artifact{
		ID: "a1", Dataset: ds, Data: []byte("outputs of a1"), Size: int64(len("outputs of a1")), Metadata: []byte("meta of a1"),
		Partitions: []store.Partition{{Key: "day", Value: "mon"}, {Key: "region", Value: "eu"}},
		Tags:       []string{"alpha", "zeta"}, CreatedAt: store.Timestamp(e.now), UpdatedAt: store.Timestamp(e.now),
	}
	requireDiff(t, want, created)
	requireDiff(t, want, e.getArtifact(ds, "a1"))
	for _, tag := range []string{"alpha", "zeta"} {
		got, err := cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, TagName: tag})
		require.NoError(t, err)
		requireDiff(t, want, got)
	}
	got, err := cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, ID: "a1", TagName: "no-such-tag"})
	require.NoError(t, err, "the id wins over the tag")
	requireDiff(t, want, got)

	// An artifact without tags, partitions or data.
	empty, err := cs.ArtifactCreate(e.ctx, store.ArtifactCreateParams{Dataset: ds, ID: "empty", Now: e.now})
	require.NoError(t, err)
	requireDiff(t, &store.Artifact{ID: "empty", Dataset: ds, Data: []byte{}, Metadata: []byte{},
		CreatedAt: store.Timestamp(e.now), UpdatedAt: store.Timestamp(e.now)}, empty)
	requireDiff(t, empty, e.getArtifact(ds, "empty"))

	for _, tt := range []struct {
		name string
		p    store.ArtifactGetParams
	}{
		{"unknown id", store.ArtifactGetParams{Dataset: ds, ID: "nope"}},
		{"unknown tag", store.ArtifactGetParams{Dataset: ds, TagName: "nope"}},
		{"id of another dataset", store.ArtifactGetParams{Dataset: other, ID: "a1"}},
		{"tag of another dataset", store.ArtifactGetParams{Dataset: other, TagName: "alpha"}},
		{"missing dataset", store.ArtifactGetParams{Dataset: dkey("p", "d", "x", "y"), TagName: "alpha"}},
	} {
		_, err := cs.ArtifactGet(e.ctx, tt.p)
		require.ErrorIs(t, err, store.ErrNotFound, tt.name)
	}

	// Errors of create, each storing nothing.
	e.tick()
	_, err = cs.ArtifactCreate(e.ctx, artifactParams(dkey("p", "d", "x", "y"), "a2", e.now, []string{"t2"}))
	require.ErrorIs(t, err, store.ErrNotFound, "missing dataset")
	_, err = cs.ArtifactCreate(e.ctx, artifactParams(ds, "a1", e.now, []string{"fresh"}))
	require.ErrorIs(t, err, store.ErrAlreadyExists, "artifact id taken")
	_, err = cs.ArtifactCreate(e.ctx, artifactParams(other, "a1", e.now, nil))
	require.ErrorIs(t, err, store.ErrAlreadyExists, "artifact ids are unique across datasets")
	_, err = cs.ArtifactCreate(e.ctx, artifactParams(ds, "a3", e.now, []string{"fresh", "zeta"}, store.Partition{Key: "region", Value: "us"}))
	require.ErrorIs(t, err, store.ErrAlreadyExists, "tag zeta names a1")
	require.ErrorContains(t, err, "zeta")
	for _, p := range []store.ArtifactGetParams{
		{Dataset: ds, ID: "a3"}, {Dataset: ds, TagName: "fresh"}, {Dataset: other, ID: "a1"}, {Dataset: ds, ID: "a2"},
	} {
		_, err := cs.ArtifactGet(e.ctx, p)
		require.ErrorIs(t, err, store.ErrNotFound, "nothing stored: %+v", p)
	}
	requireDiff(t, want, e.getArtifact(ds, "a1"), "the existing artifact is unchanged")
	page, err := cs.ArtifactList(e.ctx, store.ArtifactListParams{Dataset: ds, Partitions: []store.Partition{{Key: "region", Value: "us"}}})
	require.NoError(t, err)
	require.Empty(t, page.Items, "no partitions of the refused artifact")
	// The refused artifact's id and tags are free afterwards.
	e.artifact(ds, "a3", []string{"fresh"})

	for _, tt := range []struct {
		param  string
		mutate func(p *store.ArtifactCreateParams)
	}{
		{"dataset.project", func(p *store.ArtifactCreateParams) { p.Dataset.Project = "" }},
		{"dataset.name", func(p *store.ArtifactCreateParams) { p.Dataset.Name = "" }},
		{"id", func(p *store.ArtifactCreateParams) { p.ID = "" }},
		{"tags[1]", func(p *store.ArtifactCreateParams) { p.Tags = []string{"x", "x"} }},
		{"tags[0]", func(p *store.ArtifactCreateParams) { p.Tags = []string{""} }},
		{"partitions[0].key", func(p *store.ArtifactCreateParams) { p.Partitions = []store.Partition{{Value: "v"}} }},
		{"partitions[1].key", func(p *store.ArtifactCreateParams) {
			p.Partitions = []store.Partition{{Key: "k", Value: "1"}, {Key: "k", Value: "2"}}
		}},
		{"now", func(p *store.ArtifactCreateParams) { p.Now = time.Time{} }},
	} {
		p := artifactParams(ds, "bad", e.now, []string{"bad"})
		tt.mutate(&p)
		_, err := cs.ArtifactCreate(e.ctx, p)
		require.ErrorIs(t, err, store.ErrInvalidArgument, tt.param)
		require.ErrorContains(t, err, tt.param)
	}
	_, err = cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, ID: "bad"})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds})
	require.ErrorIs(t, err, store.ErrInvalidArgument, "an id or a tag is required")
	_, err = cs.ArtifactGet(e.ctx, store.ArtifactGetParams{ID: "a1"})
	require.ErrorIs(t, err, store.ErrInvalidArgument, "a dataset is required")
}

func testArtifactList(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	ds := dkey("p", "d", "flyte_task-t", "1-sig")
	other := dkey("p", "d", "flyte_task-u", "1-sig")
	e.dataset(ds, "region", "day")
	e.dataset(other)
	eu, us := store.Partition{Key: "region", Value: "eu"}, store.Partition{Key: "region", Value: "us"}
	mon := store.Partition{Key: "day", Value: "mon"}
	// a0..a5, two per second; IDs break ties within a second.
	start := e.tick()
	e.artifact(ds, "a1", []string{"t1"}, eu, mon)
	e.artifact(ds, "a0", []string{"t0"}, us, mon)
	second := e.tick()
	e.artifact(ds, "a2", []string{"t2", "latest-eu"}, eu)
	e.artifact(ds, "a3", nil, us)
	e.tick()
	e.artifact(ds, "a4", []string{"t4"}, eu, mon)
	e.artifact(ds, "a5", nil)
	e.artifact(other, "b1", []string{"t1"}, eu)

	list := func(p store.ArtifactListParams) []string {
		t.Helper()
		p.Dataset = ds
		page, err := cs.ArtifactList(e.ctx, p)
		require.NoError(t, err)
		require.Empty(t, page.NextToken)
		return artifactIDs(page.Items)
	}
	requireDiff(t, []string{"a5", "a4", "a3", "a2", "a1", "a0"}, list(store.ArtifactListParams{}))
	requireDiff(t, []string{"a0", "a1", "a2", "a3", "a4", "a5"}, list(store.ArtifactListParams{Asc: true}))
	requireDiff(t, []string{"a1"}, list(store.ArtifactListParams{TagName: "t1"}), "tags are per dataset")
	requireDiff(t, []string{"a2"}, list(store.ArtifactListParams{TagName: "latest-eu"}))
	requireDiff(t, []string{}, list(store.ArtifactListParams{TagName: "none"}))
	requireDiff(t, []string{"a3"}, list(store.ArtifactListParams{ID: "a3"}))
	requireDiff(t, []string{}, list(store.ArtifactListParams{ID: "b1"}))
	requireDiff(t, []string{"a4", "a2", "a1"}, list(store.ArtifactListParams{Partitions: []store.Partition{eu}}))
	requireDiff(t, []string{"a4", "a1"}, list(store.ArtifactListParams{Partitions: []store.Partition{mon, eu}}))
	requireDiff(t, []string{"a0"}, list(store.ArtifactListParams{Partitions: []store.Partition{us, mon}}))
	requireDiff(t, []string{"a1", "a0"}, list(store.ArtifactListParams{CreatedBefore: second}))
	requireDiff(t, []string{}, list(store.ArtifactListParams{CreatedBefore: start}))
	requireDiff(t, []string{"a1"}, list(store.ArtifactListParams{CreatedBefore: second, Partitions: []store.Partition{eu}, TagName: "t1"}))
	requireDiff(t, []string{}, list(store.ArtifactListParams{ID: "a1", TagName: "t2"}), "every criterion must hold")

	// Every artifact comes with its tags and partitions.
	page, err := cs.ArtifactList(e.ctx, store.ArtifactListParams{Dataset: ds, ID: "a2"})
	require.NoError(t, err)
	requireDiff(t, []*store.Artifact{e.getArtifact(ds, "a2")}, page.Items)
	require.Equal(t, []string{"latest-eu", "t2"}, page.Items[0].Tags)

	for _, asc := range []bool{false, true} {
		for _, limit := range []int{1, 2, 4} {
			var got []string
			token := ""
			for {
				page, err := cs.ArtifactList(e.ctx, store.ArtifactListParams{Dataset: ds, Asc: asc, Limit: limit, Token: token})
				require.NoError(t, err)
				require.LessOrEqual(t, len(page.Items), limit)
				got = append(got, artifactIDs(page.Items)...)
				if token = page.NextToken; token == "" {
					break
				}
			}
			requireDiff(t, list(store.ArtifactListParams{Asc: asc}), got, "asc=%v limit=%d", asc, limit)
		}
	}
	var got []string
	token := ""
	for {
		page, err := cs.ArtifactList(e.ctx, store.ArtifactListParams{Dataset: ds, Partitions: []store.Partition{eu}, Limit: 1, Token: token})
		require.NoError(t, err)
		got = append(got, artifactIDs(page.Items)...)
		if token = page.NextToken; token == "" {
			break
		}
	}
	requireDiff(t, []string{"a4", "a2", "a1"}, got, "paging keeps the filters")

	first, err := cs.ArtifactList(e.ctx, store.ArtifactListParams{Dataset: ds, Limit: 1})
	require.NoError(t, err)
	for _, p := range []store.ArtifactListParams{
		{Dataset: ds, Limit: 1, Asc: true, Token: first.NextToken},
		{Dataset: ds, Limit: 1, TagName: "t1", Token: first.NextToken},
		{Dataset: ds, Limit: 1, Partitions: []store.Partition{eu}, Token: first.NextToken},
		{Dataset: ds, Limit: 1, CreatedBefore: second, Token: first.NextToken},
		{Dataset: other, Limit: 1, Token: first.NextToken},
		{Dataset: ds, Token: "%%%"},
		{Dataset: ds, Limit: store.MaxLimit + 1},
		{Dataset: dkey("p", "d", "", "v")},
		{Dataset: ds, Partitions: []store.Partition{{Key: "", Value: "x"}}},
	} {
		_, err := cs.ArtifactList(e.ctx, p)
		require.ErrorIs(t, err, store.ErrInvalidArgument, "%+v", p)
	}
	_, err = cs.ArtifactList(e.ctx, store.ArtifactListParams{Dataset: dkey("p", "d", "x", "y")})
	require.ErrorIs(t, err, store.ErrNotFound, "missing dataset")
	empty := dkey("p", "d", "flyte_task-empty", "1")
	e.dataset(empty)
	page, err = cs.ArtifactList(e.ctx, store.ArtifactListParams{Dataset: empty})
	require.NoError(t, err, "an existing dataset without artifacts lists empty")
	require.Empty(t, page.Items)
}

func testArtifactUpdate(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	ds := dkey("p", "d", "flyte_task-t", "1-sig")
	e.dataset(ds)
	e.dataset(dkey("p", "d", "other", "1"))
	orig := e.artifact(ds, "a1", []string{"k1", "k2"}, store.Partition{Key: "r", Value: "eu"})

	updatedAt := e.tick()
	got, err := cs.ArtifactUpdate(e.ctx, store.ArtifactUpdateParams{Dataset: ds, TagName: "k2", Data: []byte("new outputs!"), Metadata: []byte("m2"), Now: updatedAt})
	require.NoError(t, err)
	want := *orig
	want.Data, want.Size, want.Metadata, want.UpdatedAt = []byte("new outputs!"), int64(len("new outputs!")), []byte("m2"), store.Timestamp(updatedAt)
	requireDiff(t, &want, got)
	requireDiff(t, &want, e.getArtifact(ds, "a1"))

	updatedAt = e.tick()
	got, err = cs.ArtifactUpdate(e.ctx, store.ArtifactUpdateParams{Dataset: ds, ID: "a1", Now: updatedAt})
	require.NoError(t, err)
	want.Data, want.Size, want.Metadata, want.UpdatedAt = []byte{}, 0, []byte{}, store.Timestamp(updatedAt)
	requireDiff(t, &want, got, "by id, to empty data")
	requireDiff(t, &want, e.getArtifact(ds, "a1"))

	for _, p := range []store.ArtifactUpdateParams{
		{Dataset: ds, ID: "nope", Now: e.now},
		{Dataset: ds, TagName: "nope", Now: e.now},
		{Dataset: dkey("p", "d", "other", "1"), ID: "a1", Now: e.now},
		{Dataset: dkey("p", "d", "other", "1"), TagName: "k1", Now: e.now},
		{Dataset: dkey("p", "d", "missing", "1"), TagName: "k1", Now: e.now},
	} {
		_, err := cs.ArtifactUpdate(e.ctx, p)
		require.ErrorIs(t, err, store.ErrNotFound, "%+v", p)
	}
	for _, p := range []store.ArtifactUpdateParams{
		{Dataset: ds, Now: e.now},
		{Dataset: ds, ID: "a1"},
		{Dataset: dkey("", "d", "n", "v"), ID: "a1", Now: e.now},
	} {
		_, err := cs.ArtifactUpdate(e.ctx, p)
		require.ErrorIs(t, err, store.ErrInvalidArgument, "%+v", p)
	}
	requireDiff(t, &want, e.getArtifact(ds, "a1"), "failed updates change nothing")
}

func testArtifactDelete(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	ds := dkey("p", "d", "flyte_task-t", "1-sig")
	other := dkey("p", "d", "flyte_task-u", "1-sig")
	e.dataset(ds)
	e.dataset(other)
	part := store.Partition{Key: "r", Value: "eu"}
	seed := func() {
		t.Helper()
		e.tick()
		e.artifact(ds, "a1", []string{"t1", "x1"}, part)
		e.artifact(ds, "a2", []string{"t2"}, part)
		e.tick()
		e.artifact(ds, "a3", []string{"t3"}, part)
	}
	remaining := func(k store.DatasetKey) []string {
		t.Helper()
		page, err := cs.ArtifactList(e.ctx, store.ArtifactListParams{Dataset: k, Asc: true})
		require.NoError(t, err)
		return artifactIDs(page.Items)
	}
	del := func(p store.ArtifactDeleteParams) int64 {
		t.Helper()
		n, err := cs.ArtifactDelete(e.ctx, p)
		require.NoError(t, err)
		return n
	}
	// gone checks that an artifact's tags and partitions went with it: its
	// tags resolve to nothing and can name a new artifact, and the same id
	// can be created again with other partitions.
	gone := func(id string, tags ...string) {
		t.Helper()
		for _, tag := range tags {
			_, err := cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, TagName: tag})
			require.ErrorIs(t, err, store.ErrNotFound, "tag %s", tag)
		}
		_, err := cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, ID: id})
		require.ErrorIs(t, err, store.ErrNotFound, "artifact %s", id)
		again := e.artifact(ds, id, tags, store.Partition{Key: "other", Value: "x"})
		requireDiff(t, []store.Partition{{Key: "other", Value: "x"}}, e.getArtifact(ds, id).Partitions)
		requireDiff(t, again.Tags, e.getArtifact(ds, id).Tags)
		require.Equal(t, int64(1), del(store.ArtifactDeleteParams{Dataset: ds, ID: id}))
	}

	e.artifact(other, "b1", []string{"t1"}, part)
	seed()
	require.Equal(t, int64(1), del(store.ArtifactDeleteParams{Dataset: ds, ID: "a2"}))
	requireDiff(t, []string{"a1", "a3"}, remaining(ds))
	gone("a2", "t2")
	require.Equal(t, int64(0), del(store.ArtifactDeleteParams{Dataset: ds, ID: "a2"}), "deleting again deletes nothing")
	require.Equal(t, int64(0), del(store.ArtifactDeleteParams{Dataset: ds, ID: "b1"}), "artifacts of other datasets stay")

	require.Equal(t, int64(1), del(store.ArtifactDeleteParams{Dataset: ds, TagName: "x1"}))
	requireDiff(t, []string{"a3"}, remaining(ds))
	gone("a1", "t1", "x1")
	requireDiff(t, []string{"b1"}, remaining(other), "the same tag in another dataset stays")
	require.Equal(t, int64(0), del(store.ArtifactDeleteParams{Dataset: ds, TagName: "t3", ID: "a1"}), "every criterion must hold")
	require.Equal(t, int64(0), del(store.ArtifactDeleteParams{Dataset: ds, TagName: "none"}))

	require.Equal(t, int64(1), del(store.ArtifactDeleteParams{Dataset: ds}))
	requireDiff(t, []string{}, remaining(ds))
	gone("a3", "t3")

	// Eviction by age: created strictly before the cut.
	seed()
	cut := e.now // a3 was created at the cut, a1 and a2 a second before
	require.Equal(t, int64(0), del(store.ArtifactDeleteParams{Dataset: ds, CreatedBefore: cut.Add(-time.Second)}))
	require.Equal(t, int64(0), del(store.ArtifactDeleteParams{Dataset: ds, CreatedBefore: cut, TagName: "t3"}))
	require.Equal(t, int64(2), del(store.ArtifactDeleteParams{Dataset: ds, CreatedBefore: cut}))
	requireDiff(t, []string{"a3"}, remaining(ds))
	gone("a1", "t1", "x1")
	gone("a2", "t2")
	require.Equal(t, int64(1), del(store.ArtifactDeleteParams{Dataset: ds, CreatedBefore: cut.Add(time.Microsecond)}))
	requireDiff(t, []string{"b1"}, remaining(other))
	_, err := cs.DatasetGet(e.ctx, store.DatasetGetParams{Key: ds})
	require.NoError(t, err, "a dataset is never deleted by eviction")

	_, err = cs.ArtifactDelete(e.ctx, store.ArtifactDeleteParams{Dataset: dkey("p", "d", "missing", "1")})
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = cs.ArtifactDelete(e.ctx, store.ArtifactDeleteParams{Dataset: dkey("p", "d", "", "1")})
	require.ErrorIs(t, err, store.ErrInvalidArgument)
	require.ErrorContains(t, err, "dataset.name")
	requireDiff(t, []string{"b1"}, remaining(other))
}

func testTagAdd(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	cs := e.cs()
	ds := dkey("p", "d", "flyte_task-t", "1-sig")
	other := dkey("p", "d", "flyte_task-u", "1-sig")
	e.dataset(ds)
	e.dataset(other)
	e.artifact(ds, "a1", []string{"first"})
	e.artifact(ds, "a2", nil)
	e.artifact(other, "b1", nil)

	add := func(k store.DatasetKey, tag, id string) error {
		return cs.TagAdd(e.ctx, store.TagAddParams{Dataset: k, Name: tag, ArtifactID: id, Now: e.tick()})
	}
	require.NoError(t, add(ds, "second", "a1"))
	require.NoError(t, add(ds, "second", "a1"), "adding the same tag again succeeds")
	require.NoError(t, add(ds, "first", "a1"))
	requireDiff(t, []string{"first", "second"}, e.getArtifact(ds, "a1").Tags)
	err := add(ds, "second", "a2")
	require.ErrorIs(t, err, store.ErrAlreadyExists, "a tag names one artifact")
	require.ErrorContains(t, err, "a1")
	got, err := cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, TagName: "second"})
	require.NoError(t, err)
	require.Equal(t, "a1", got.ID, "the tag still names a1")
	require.NoError(t, add(other, "second", "b1"), "tags are per dataset")

	for _, tt := range []struct {
		name    string
		ds      store.DatasetKey
		tag, id string
	}{
		{"missing dataset", dkey("p", "d", "missing", "1"), "t", "a1"},
		{"missing artifact", ds, "t", "nope"},
		{"artifact of another dataset", ds, "t", "b1"},
	} {
		require.ErrorIs(t, add(tt.ds, tt.tag, tt.id), store.ErrNotFound, tt.name)
	}
	_, err = cs.ArtifactGet(e.ctx, store.ArtifactGetParams{Dataset: ds, TagName: "t"})
	require.ErrorIs(t, err, store.ErrNotFound, "failed adds store nothing")
	for _, p := range []store.TagAddParams{
		{Dataset: ds, ArtifactID: "a1", Now: e.now},
		{Dataset: ds, Name: "t", Now: e.now},
		{Dataset: ds, Name: "t", ArtifactID: "a1"},
		{Dataset: dkey("p", "d", "n", ""), Name: "t", ArtifactID: "a1", Now: e.now},
	} {
		require.ErrorIs(t, cs.TagAdd(e.ctx, p), store.ErrInvalidArgument, "%+v", p)
	}
}

// testCatalogMigration checks that the catalog's migration reverts and
// applies again without touching the schema before it.
func testCatalogMigration(t *testing.T, open OpenFunc) {
	t.Parallel()
	e := setup(t, open)
	status, err := e.s.MigrateStatus(e.ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(status), 3)
	require.Equal(t, "catalog", status[2].Name)
	ds := dkey("p", "d", "n", "v")
	e.dataset(ds)

	require.NoError(t, e.s.MigrateDown(e.ctx, len(status)-2))
	_, err = e.cs().DatasetGet(e.ctx, store.DatasetGetParams{Key: ds})
	require.Error(t, err)
	require.NotErrorIs(t, err, store.ErrNotFound, "the table is gone")
	e.register(store.KindTask, eid("p", "d", "t", "v"))
	e.create(xid("p", "d", "e1"))

	require.NoError(t, e.s.MigrateUp(e.ctx))
	_, err = e.cs().DatasetGet(e.ctx, store.DatasetGetParams{Key: ds})
	require.ErrorIs(t, err, store.ErrNotFound, "the tables are back, empty")
	e.dataset(ds)
	e.artifact(ds, "a", []string{fmt.Sprintf("tag-%d", 1)})
}
