package admin

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/store"
)

// GetNamedEntity gets the metadata of a registered task, workflow or launch
// plan name.
func (s *Service) GetNamedEntity(ctx context.Context, req *connect.Request[adminv1.NamedEntityGetRequest]) (*connect.Response[adminv1.NamedEntity], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.NamedEntityGetRequest) (*adminv1.NamedEntity, error) {
		kind, id, err := s.checkNamedEntityRequest(req.GetResourceType(), req.GetId())
		if err != nil {
			return nil, err
		}
		ne, err := s.store.NamedEntityGet(ctx, store.NamedEntityGetParams{Kind: kind, ID: id})
		if errors.Is(err, store.ErrNotFound) {
			return nil, s.notFound(ctx, id.Project, notFoundf("%s %s not found (no version of it is registered)", kind, id))
		}
		if err != nil {
			return nil, fmt.Errorf("get %s %s: %w", kind, id, err)
		}
		return namedEntityProto(ne), nil
	})
}

// UpdateNamedEntity replaces the description and state (ACTIVE, ARCHIVED
// or SYSTEM_GENERATED) of a registered name.
func (s *Service) UpdateNamedEntity(ctx context.Context, req *connect.Request[adminv1.NamedEntityUpdateRequest]) (*connect.Response[adminv1.NamedEntityUpdateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.NamedEntityUpdateRequest) (*adminv1.NamedEntityUpdateResponse, error) {
		kind, id, err := s.checkNamedEntityRequest(req.GetResourceType(), req.GetId())
		if err != nil {
			return nil, err
		}
		md := req.GetMetadata()
		if md == nil {
			return nil, invalidArgf("metadata: required (the new description and state)")
		}
		var ps problems
		ps.add(checkText("metadata.description", md.GetDescription(), MaxDescriptionLength))
		if _, ok := adminv1.NamedEntityState_name[int32(md.GetState())]; !ok {
			ps.addf("metadata.state", "unknown state %d (use NAMED_ENTITY_STATE_ACTIVE or NAMED_ENTITY_STATE_ARCHIVED)", md.GetState())
		}
		if err := ps.err(); err != nil {
			return nil, err
		}
		_, err = s.store.NamedEntityUpsert(ctx, store.NamedEntityUpsertParams{
			Kind:        kind,
			ID:          id,
			Description: md.GetDescription(),
			State:       store.NamedEntityState(md.GetState()),
			Now:         s.now(),
		})
		if errors.Is(err, store.ErrNotFound) {
			return nil, s.notFound(ctx, id.Project, notFoundf("%s %s not found (no version of it is registered)", kind, id))
		}
		if err != nil {
			return nil, fmt.Errorf("update %s %s: %w", kind, id, err)
		}
		return &adminv1.NamedEntityUpdateResponse{}, nil
	})
}

// ListNamedEntities lists the names of one kind in a project and domain
// with their metadata, by name unless sort_by says otherwise. Archived
// names are left out unless the filters mention the state.
func (s *Service) ListNamedEntities(ctx context.Context, req *connect.Request[adminv1.NamedEntityListRequest]) (*connect.Response[adminv1.NamedEntityList], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.NamedEntityListRequest) (*adminv1.NamedEntityList, error) {
		kind, err := kindOf("resource_type", req.GetResourceType())
		if err != nil {
			return nil, err
		}
		if err := s.checkScope("project", req.GetProject(), "domain", req.GetDomain()); err != nil {
			return nil, err
		}
		params := listParams(req.GetLimit(), req.GetToken(), hideArchived(req.GetFilters()), req.GetSortBy(), defaultByName)
		params.Project, params.Domain = req.GetProject(), req.GetDomain()
		page, err := s.store.NamedEntityList(ctx, store.NamedEntityListParams{Kind: kind, ListParams: params})
		if err != nil {
			return nil, fmt.Errorf("list %s names: %w", kind, err)
		}
		if err := s.checkEmptyList(ctx, req.GetProject(), len(page.Items)); err != nil {
			return nil, err
		}
		out := &adminv1.NamedEntityList{Token: page.NextToken}
		for _, ne := range page.Items {
			out.Entities = append(out.Entities, namedEntityProto(ne))
		}
		return out, nil
	})
}

// hideArchived adds a filter that leaves out archived names unless filters
// already filter on the state. Filters that do not parse are passed on
// unchanged, for the store to report.
func hideArchived(filters string) string {
	parsed, err := store.ParseFilters(filters, store.NamedEntityListSpec.Fields)
	if err != nil {
		return filters
	}
	for _, f := range parsed {
		if f.Field == "state" {
			return filters
		}
	}
	const notArchived = "ne(state,ARCHIVED)"
	if len(parsed) == 0 {
		return notArchived
	}
	return filters + "+" + notArchived
}

func (s *Service) checkNamedEntityRequest(rt corev1.ResourceType, id *corev1.NamedEntityIdentifier) (store.Kind, store.NamedEntityID, error) {
	kind, err := kindOf("resource_type", rt)
	if err != nil {
		return 0, store.NamedEntityID{}, err
	}
	nid, err := s.checkNamedEntityID("id", id)
	if err != nil {
		return 0, store.NamedEntityID{}, err
	}
	return kind, nid, nil
}

func namedEntityProto(ne *store.NamedEntity) *adminv1.NamedEntity {
	return &adminv1.NamedEntity{
		ResourceType: resourceTypeOf(ne.Kind),
		Id:           &corev1.NamedEntityIdentifier{Project: ne.ID.Project, Domain: ne.ID.Domain, Name: ne.ID.Name},
		Metadata: &adminv1.NamedEntityMetadata{
			Description: ne.Description,
			State:       adminv1.NamedEntityState(ne.State),
		},
	}
}
