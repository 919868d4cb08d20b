package admin

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"connectrpc.com/connect"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/internal/store"
)

// RegisterProject registers a project; its id and name are required and it
// starts active.
func (s *Service) RegisterProject(ctx context.Context, req *connect.Request[adminv1.ProjectRegisterRequest]) (*connect.Response[adminv1.ProjectRegisterResponse], error) {
	return handle(ctx, s, req, s.registerProject)
}

func (s *Service) registerProject(ctx context.Context, req *adminv1.ProjectRegisterRequest) (*adminv1.ProjectRegisterResponse, error) {
	p := req.GetProject()
	if p == nil {
		return nil, invalidArgf("project: required")
	}
	if err := checkProjectFields("project", p); err != nil {
		return nil, err
	}
	if p.GetState() != adminv1.Project_PROJECT_STATE_ACTIVE {
		return nil, invalidArgf("project.state: a new project is %s, got %s", adminv1.Project_PROJECT_STATE_ACTIVE, p.GetState())
	}
	_, err := s.store.ProjectCreate(ctx, store.ProjectCreateParams{
		ID:          p.GetId(),
		Name:        p.GetName(),
		Description: p.GetDescription(),
		Labels:      p.GetLabels().GetValues(),
		State:       store.ProjectStateActive,
		Now:         s.now(),
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, alreadyExistsf("project %q already exists", p.GetId())
	}
	if err != nil {
		return nil, fmt.Errorf("create project %s: %w", p.GetId(), err)
	}
	return &adminv1.ProjectRegisterResponse{}, nil
}

// checkProjectFields validates the id, name, description and labels of a
// project; field prefixes the names in messages.
func checkProjectFields(field string, p *adminv1.Project) error {
	var ps problems
	ps.add(checkProjectID(field+".id", p.GetId()))
	if p.GetName() == "" {
		ps.addf(field+".name", "required")
	} else {
		ps.add(checkText(field+".name", p.GetName(), MaxProjectNameLength))
	}
	ps.add(checkText(field+".description", p.GetDescription(), MaxProjectDescriptionLength))
	for _, err := range checkLabels(field+".labels", p.GetLabels().GetValues(), MaxProjectLabels) {
		ps.add(err)
	}
	if len(p.GetDomains()) > 0 {
		ps.addf(field+".domains", "are set by the server (every project has every domain); leave them empty")
	}
	return ps.err()
}

// UpdateProject replaces the name, description, labels and state (ACTIVE
// or ARCHIVED) of a project.
func (s *Service) UpdateProject(ctx context.Context, req *connect.Request[adminv1.Project]) (*connect.Response[adminv1.ProjectUpdateResponse], error) {
	return handle(ctx, s, req, s.updateProject)
}

func (s *Service) updateProject(ctx context.Context, p *adminv1.Project) (*adminv1.ProjectUpdateResponse, error) {
	// Domains are ignored here: a client that read the project sends them back.
	withoutDomains := &adminv1.Project{Id: p.GetId(), Name: p.GetName(), Description: p.GetDescription(), Labels: p.GetLabels()}
	if err := checkProjectFields("project", withoutDomains); err != nil {
		return nil, err
	}
	var state store.ProjectState
	switch p.GetState() {
	case adminv1.Project_PROJECT_STATE_ACTIVE:
		state = store.ProjectStateActive
	case adminv1.Project_PROJECT_STATE_ARCHIVED:
		state = store.ProjectStateArchived
	default:
		return nil, invalidArgf("project.state: must be %s or %s, got %s",
			adminv1.Project_PROJECT_STATE_ACTIVE, adminv1.Project_PROJECT_STATE_ARCHIVED, p.GetState())
	}
	_, err := s.store.ProjectUpdate(ctx, store.ProjectUpdateParams{
		ID:          p.GetId(),
		Name:        p.GetName(),
		Description: p.GetDescription(),
		Labels:      p.GetLabels().GetValues(),
		State:       state,
		Now:         s.now(),
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFoundf("project %q not found", p.GetId())
	}
	if err != nil {
		return nil, fmt.Errorf("update project %s: %w", p.GetId(), err)
	}
	return &adminv1.ProjectUpdateResponse{}, nil
}

// GetProject gets a project with the configured domains.
func (s *Service) GetProject(ctx context.Context, req *connect.Request[adminv1.ProjectGetRequest]) (*connect.Response[adminv1.Project], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ProjectGetRequest) (*adminv1.Project, error) {
		if err := checkProjectID("id", req.GetId()); err != nil {
			return nil, invalidArgf("%s", err)
		}
		p, err := s.requireProject(ctx, req.GetId(), false)
		if err != nil {
			return nil, err
		}
		return s.projectProto(p), nil
	})
}

// ListProjects lists projects; by default ordered by id.
func (s *Service) ListProjects(ctx context.Context, req *connect.Request[adminv1.ProjectListRequest]) (*connect.Response[adminv1.Projects], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ProjectListRequest) (*adminv1.Projects, error) {
		params := listParams(req.GetLimit(), req.GetToken(), req.GetFilters(), req.GetSortBy(), defaultByID)
		page, err := s.store.ProjectList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("list projects: %w", err)
		}
		out := &adminv1.Projects{Token: page.NextToken}
		for _, p := range page.Items {
			out.Projects = append(out.Projects, s.projectProto(p))
		}
		return out, nil
	})
}

// projectProto converts a stored project to the API, with every domain.
func (s *Service) projectProto(p *store.Project) *adminv1.Project {
	out := &adminv1.Project{
		Id:          p.ID,
		Name:        p.Name,
		Description: p.Description,
		Domains:     s.domainsProto(),
		State:       adminv1.Project_ProjectState(p.State),
	}
	if len(p.Labels) > 0 {
		out.Labels = &adminv1.Labels{Values: maps.Clone(p.Labels)}
	}
	return out
}
