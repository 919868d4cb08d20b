package datacatalog

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"connectrpc.com/connect"

	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/store"
)

// CreateArtifact stores an artifact with its partitions and tags in its
// dataset. The caller chooses the artifact id (usually a UUID); creation
// and update times are the service's. Partitions must use the dataset's
// partition keys. A tag that already names another
// artifact fails the whole request with AlreadyExists.
func (s *Service) CreateArtifact(ctx context.Context, req *connect.Request[datacatalogv1.CreateArtifactRequest]) (*connect.Response[datacatalogv1.CreateArtifactResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.CreateArtifactRequest) (*datacatalogv1.CreateArtifactResponse, error) {
		var p problems
		a := r.GetArtifact()
		if a == nil {
			p.addf("artifact", "required")
			return nil, p.err()
		}
		p.text("artifact.id", a.GetId())
		ref := p.datasetRef("artifact.dataset", a.GetDataset())
		p.artifactData("artifact.data", a.GetData())
		p.metadata("artifact.metadata", a.GetMetadata())
		partitions := make([]store.Partition, 0, len(a.GetPartitions()))
		seen := map[string]bool{}
		for i, pt := range a.GetPartitions() {
			field := fmt.Sprintf("artifact.partitions[%d]", i)
			p.text(field+".key", pt.GetKey())
			p.optionalText(field+".value", pt.GetValue())
			if seen[pt.GetKey()] {
				p.addf(field+".key", "%q is given twice", pt.GetKey())
			}
			seen[pt.GetKey()] = true
			partitions = append(partitions, store.Partition{Key: pt.GetKey(), Value: pt.GetValue()})
		}
		tags := make([]string, 0, len(a.GetTags()))
		for i, t := range a.GetTags() {
			field := fmt.Sprintf("artifact.tags[%d]", i)
			p.text(field+".name", t.GetName())
			if t.GetArtifactId() != "" && t.GetArtifactId() != a.GetId() {
				p.addf(field+".artifact_id", "%q is not the artifact's id %q (leave it empty)", t.GetArtifactId(), a.GetId())
			}
			tags = append(tags, t.GetName())
		}
		if err := p.err(); err != nil {
			return nil, err
		}
		key, err := s.datasetKey(ctx, ref)
		if err != nil {
			return nil, err
		}
		if len(partitions) > 0 {
			if err := s.checkPartitions(ctx, key, partitions); err != nil {
				return nil, err
			}
		}
		data, err := encodeData(a.GetData())
		if err != nil {
			return nil, err
		}
		md, err := encodeMetadata(a.GetMetadata())
		if err != nil {
			return nil, err
		}
		_, err = s.store.ArtifactCreate(ctx, store.ArtifactCreateParams{
			Dataset: key, ID: a.GetId(), Data: data, Metadata: md,
			Partitions: partitions, Tags: tags, Now: s.now(),
		})
		if err != nil {
			return nil, err
		}
		return &datacatalogv1.CreateArtifactResponse{}, nil
	})
}

// checkPartitions checks that every partition of a new artifact is one of
// its dataset's partition keys. Only artifacts with partitions pay for the
// read: cached task outputs have none.
func (s *Service) checkPartitions(ctx context.Context, key store.DatasetKey, partitions []store.Partition) error {
	d, err := s.store.DatasetGet(ctx, store.DatasetGetParams{Key: key})
	if err != nil {
		return err
	}
	var p problems
	for i, pt := range partitions {
		if !slices.Contains(d.PartitionKeys, pt.Key) {
			keys := "none"
			if len(d.PartitionKeys) > 0 {
				keys = strings.Join(d.PartitionKeys, ", ")
			}
			p.addf(fmt.Sprintf("artifact.partitions[%d].key", i), "%q is not a partition key of dataset %s (keys: %s)", pt.Key, key, keys)
		}
	}
	return p.err()
}

// GetArtifact gets an artifact of a dataset by id or by tag.
func (s *Service) GetArtifact(ctx context.Context, req *connect.Request[datacatalogv1.GetArtifactRequest]) (*connect.Response[datacatalogv1.GetArtifactResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.GetArtifactRequest) (*datacatalogv1.GetArtifactResponse, error) {
		var p problems
		ref := p.datasetRef("dataset", r.GetDataset())
		_, byID := r.GetQueryHandle().(*datacatalogv1.GetArtifactRequest_ArtifactId)
		id, tag := p.artifactHandle(r.GetQueryHandle() != nil, byID, r.GetArtifactId(), r.GetTagName())
		if err := p.err(); err != nil {
			return nil, err
		}
		key, err := s.datasetKey(ctx, ref)
		if err != nil {
			return nil, err
		}
		a, err := s.store.ArtifactGet(ctx, store.ArtifactGetParams{Dataset: key, ID: id, TagName: tag})
		if err != nil {
			return nil, err
		}
		out, err := artifactProto(a)
		if err != nil {
			return nil, err
		}
		return &datacatalogv1.GetArtifactResponse{Artifact: out}, nil
	})
}

// ListArtifacts lists the artifacts of a dataset matching every filter
// (tag name, artifact id, partition key and value), newest first unless
// the pagination asks for ascending order.
func (s *Service) ListArtifacts(ctx context.Context, req *connect.Request[datacatalogv1.ListArtifactsRequest]) (*connect.Response[datacatalogv1.ListArtifactsResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.ListArtifactsRequest) (*datacatalogv1.ListArtifactsResponse, error) {
		var p problems
		ref := p.datasetRef("dataset", r.GetDataset())
		var params store.ArtifactListParams
		p.artifactFilters("filter", r.GetFilter(), &params)
		params.Limit, params.Token, params.Asc = p.page("pagination", r.GetPagination())
		if err := p.err(); err != nil {
			return nil, err
		}
		key, err := s.datasetKey(ctx, ref)
		if err != nil {
			return nil, err
		}
		params.Dataset = key
		page, err := s.store.ArtifactList(ctx, params)
		if err != nil {
			return nil, err
		}
		out := &datacatalogv1.ListArtifactsResponse{NextToken: page.NextToken}
		for _, a := range page.Items {
			m, err := artifactProto(a)
			if err != nil {
				return nil, err
			}
			out.Artifacts = append(out.Artifacts, m)
		}
		return out, nil
	})
}

// UpdateArtifact replaces the data and metadata of the artifact named by id
// or tag; its tags and partitions stay.
func (s *Service) UpdateArtifact(ctx context.Context, req *connect.Request[datacatalogv1.UpdateArtifactRequest]) (*connect.Response[datacatalogv1.UpdateArtifactResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.UpdateArtifactRequest) (*datacatalogv1.UpdateArtifactResponse, error) {
		var p problems
		ref := p.datasetRef("dataset", r.GetDataset())
		_, byID := r.GetQueryHandle().(*datacatalogv1.UpdateArtifactRequest_ArtifactId)
		id, tag := p.artifactHandle(r.GetQueryHandle() != nil, byID, r.GetArtifactId(), r.GetTagName())
		p.artifactData("data", r.GetData())
		p.metadata("metadata", r.GetMetadata())
		if err := p.err(); err != nil {
			return nil, err
		}
		key, err := s.datasetKey(ctx, ref)
		if err != nil {
			return nil, err
		}
		data, err := encodeData(r.GetData())
		if err != nil {
			return nil, err
		}
		md, err := encodeMetadata(r.GetMetadata())
		if err != nil {
			return nil, err
		}
		a, err := s.store.ArtifactUpdate(ctx, store.ArtifactUpdateParams{
			Dataset: key, ID: id, TagName: tag, Data: data, Metadata: md, Now: s.now(),
		})
		if err != nil {
			return nil, err
		}
		return &datacatalogv1.UpdateArtifactResponse{ArtifactId: a.ID}, nil
	})
}

// AddTag points a tag at an artifact. Adding a tag that already points at
// the same artifact succeeds; one that points at another artifact fails
// with AlreadyExists.
func (s *Service) AddTag(ctx context.Context, req *connect.Request[datacatalogv1.AddTagRequest]) (*connect.Response[datacatalogv1.AddTagResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.AddTagRequest) (*datacatalogv1.AddTagResponse, error) {
		var p problems
		t := r.GetTag()
		if t == nil {
			p.addf("tag", "required")
			return nil, p.err()
		}
		p.text("tag.name", t.GetName())
		p.text("tag.artifact_id", t.GetArtifactId())
		ref := p.datasetRef("tag.dataset", t.GetDataset())
		if err := p.err(); err != nil {
			return nil, err
		}
		key, err := s.datasetKey(ctx, ref)
		if err != nil {
			return nil, err
		}
		err = s.store.TagAdd(ctx, store.TagAddParams{Dataset: key, Name: t.GetName(), ArtifactID: t.GetArtifactId(), Now: s.now()})
		if err != nil {
			return nil, err
		}
		return &datacatalogv1.AddTagResponse{}, nil
	})
}

// DeleteArtifacts evicts the artifacts of a dataset that match every given
// criterion (artifact id, tag, created before), with their tags and
// partitions, and reports how many it evicted. With no criterion every
// artifact of the dataset is evicted; the dataset itself stays.
func (s *Service) DeleteArtifacts(ctx context.Context, req *connect.Request[datacatalogv1.DeleteArtifactsRequest]) (*connect.Response[datacatalogv1.DeleteArtifactsResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.DeleteArtifactsRequest) (*datacatalogv1.DeleteArtifactsResponse, error) {
		var p problems
		ref := p.datasetRef("dataset", r.GetDataset())
		p.optionalText("artifact_id", r.GetArtifactId())
		p.optionalText("tag_name", r.GetTagName())
		params := store.ArtifactDeleteParams{ID: r.GetArtifactId(), TagName: r.GetTagName()}
		if cb := r.GetCreatedBefore(); cb != nil {
			if err := cb.CheckValid(); err != nil {
				p.addf("created_before", "%v", err)
			} else {
				params.CreatedBefore = store.Timestamp(cb.AsTime())
			}
		}
		if err := p.err(); err != nil {
			return nil, err
		}
		key, err := s.datasetKey(ctx, ref)
		if err != nil {
			return nil, err
		}
		params.Dataset = key
		n, err := s.store.ArtifactDelete(ctx, params)
		if err != nil {
			return nil, err
		}
		return &datacatalogv1.DeleteArtifactsResponse{DeletedCount: uint64(max(n, 0))}, nil
	})
}

// artifactHandle checks the query handle of GetArtifact and UpdateArtifact:
// exactly one of artifact id and tag name.
func (p *problems) artifactHandle(set, byID bool, id, tag string) (string, string) {
	switch {
	case !set:
		p.addf("query_handle", "required: give artifact_id or tag_name")
	case byID:
		p.text("artifact_id", id)
	default:
		p.text("tag_name", tag)
	}
	return id, tag
}
