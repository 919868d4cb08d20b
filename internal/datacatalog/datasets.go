package datacatalog

import (
	"context"
	"crypto/rand"
	"fmt"

	"connectrpc.com/connect"

	datacatalogv1 "github.com/flyte-go/flyte/gen/flyte/datacatalog/v1"
	"github.com/flyte-go/flyte/internal/store"
)

// CreateDataset creates a dataset; its uuid is assigned by the service.
// Creating a dataset that exists fails with AlreadyExists.
func (s *Service) CreateDataset(ctx context.Context, req *connect.Request[datacatalogv1.CreateDatasetRequest]) (*connect.Response[datacatalogv1.CreateDatasetResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.CreateDatasetRequest) (*datacatalogv1.CreateDatasetResponse, error) {
		var p problems
		d := r.GetDataset()
		if d == nil {
			p.addf("dataset", "required")
			return nil, p.err()
		}
		key := p.datasetKey("dataset.id", d.GetId())
		p.metadata("dataset.metadata", d.GetMetadata())
		seen := map[string]bool{}
		for i, k := range d.GetPartitionKeys() {
			field := fmt.Sprintf("dataset.partition_keys[%d]", i)
			p.text(field, k)
			if seen[k] {
				p.addf(field, "%q is listed twice", k)
			}
			seen[k] = true
		}
		if err := p.err(); err != nil {
			return nil, err
		}
		md, err := encodeMetadata(d.GetMetadata())
		if err != nil {
			return nil, err
		}
		_, err = s.store.DatasetCreate(ctx, store.DatasetCreateParams{
			UUID: newUUID(), Key: key, Metadata: md, PartitionKeys: d.GetPartitionKeys(), Now: s.now(),
		})
		if err != nil {
			return nil, err
		}
		return &datacatalogv1.CreateDatasetResponse{}, nil
	})
}

// GetDataset gets a dataset by its key fields or by uuid.
func (s *Service) GetDataset(ctx context.Context, req *connect.Request[datacatalogv1.GetDatasetRequest]) (*connect.Response[datacatalogv1.GetDatasetResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.GetDatasetRequest) (*datacatalogv1.GetDatasetResponse, error) {
		var p problems
		ref := p.datasetRef("dataset", r.GetDataset())
		if err := p.err(); err != nil {
			return nil, err
		}
		d, err := s.store.DatasetGet(ctx, ref)
		if err != nil {
			return nil, err
		}
		out, err := datasetProto(d)
		if err != nil {
			return nil, err
		}
		return &datacatalogv1.GetDatasetResponse{Dataset: out}, nil
	})
}

// ListDatasets lists datasets whose project, domain, name and version
// equal those the filter gives, newest first unless the pagination asks
// for ascending order.
func (s *Service) ListDatasets(ctx context.Context, req *connect.Request[datacatalogv1.ListDatasetsRequest]) (*connect.Response[datacatalogv1.ListDatasetsResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *datacatalogv1.ListDatasetsRequest) (*datacatalogv1.ListDatasetsResponse, error) {
		var p problems
		key := p.datasetFilters("filter", r.GetFilter())
		limit, token, asc := p.page("pagination", r.GetPagination())
		if err := p.err(); err != nil {
			return nil, err
		}
		page, err := s.store.DatasetList(ctx, store.DatasetListParams{Key: key, Asc: asc, Limit: limit, Token: token})
		if err != nil {
			return nil, err
		}
		out := &datacatalogv1.ListDatasetsResponse{NextToken: page.NextToken}
		for _, d := range page.Items {
			m, err := datasetProto(d)
			if err != nil {
				return nil, err
			}
			out.Datasets = append(out.Datasets, m)
		}
		return out, nil
	})
}

// datasetKey returns the key of the dataset ref names, reading it when ref
// names it by uuid.
func (s *Service) datasetKey(ctx context.Context, ref store.DatasetGetParams) (store.DatasetKey, error) {
	if ref.UUID == "" {
		return ref.Key, nil
	}
	d, err := s.store.DatasetGet(ctx, ref)
	if err != nil {
		return store.DatasetKey{}, err
	}
	return d.Key, nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
