package admin

import (
	"context"

	"connectrpc.com/connect"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

// UpdateProjectAttributes sets a project-level setting, replacing any of
// the same kind.
func (s *Service) UpdateProjectAttributes(ctx context.Context, req *connect.Request[adminv1.ProjectAttributesUpdateRequest]) (*connect.Response[adminv1.ProjectAttributesUpdateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ProjectAttributesUpdateRequest) (*adminv1.ProjectAttributesUpdateResponse, error) {
		a := req.GetAttributes()
		if a == nil {
			return nil, invalidArgf("attributes: required")
		}
		l := attrLevel{project: a.GetProject()}
		if err := s.updateAttributes(ctx, l, false, false, a.GetMatchingAttributes()); err != nil {
			return nil, err
		}
		return &adminv1.ProjectAttributesUpdateResponse{}, nil
	})
}

// GetProjectAttributes gets a project-level setting.
func (s *Service) GetProjectAttributes(ctx context.Context, req *connect.Request[adminv1.ProjectAttributesGetRequest]) (*connect.Response[adminv1.ProjectAttributesGetResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ProjectAttributesGetRequest) (*adminv1.ProjectAttributesGetResponse, error) {
		m, err := s.getAttributes(ctx, attrLevel{project: req.GetProject()}, false, false, req.GetResourceType())
		if err != nil {
			return nil, err
		}
		return &adminv1.ProjectAttributesGetResponse{Attributes: &adminv1.ProjectAttributes{
			Project: req.GetProject(), MatchingAttributes: m,
		}}, nil
	})
}

// DeleteProjectAttributes deletes a project-level setting.
func (s *Service) DeleteProjectAttributes(ctx context.Context, req *connect.Request[adminv1.ProjectAttributesDeleteRequest]) (*connect.Response[adminv1.ProjectAttributesDeleteResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ProjectAttributesDeleteRequest) (*adminv1.ProjectAttributesDeleteResponse, error) {
		if err := s.deleteAttributes(ctx, attrLevel{project: req.GetProject()}, false, false, req.GetResourceType()); err != nil {
			return nil, err
		}
		return &adminv1.ProjectAttributesDeleteResponse{}, nil
	})
}

// UpdateProjectDomainAttributes sets a setting for one domain of a
// project, replacing any of the same kind.
func (s *Service) UpdateProjectDomainAttributes(ctx context.Context, req *connect.Request[adminv1.ProjectDomainAttributesUpdateRequest]) (*connect.Response[adminv1.ProjectDomainAttributesUpdateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ProjectDomainAttributesUpdateRequest) (*adminv1.ProjectDomainAttributesUpdateResponse, error) {
		a := req.GetAttributes()
		if a == nil {
			return nil, invalidArgf("attributes: required")
		}
		l := attrLevel{project: a.GetProject(), domain: a.GetDomain()}
		if err := s.updateAttributes(ctx, l, true, false, a.GetMatchingAttributes()); err != nil {
			return nil, err
		}
		return &adminv1.ProjectDomainAttributesUpdateResponse{}, nil
	})
}

// GetProjectDomainAttributes gets a project-domain setting.
func (s *Service) GetProjectDomainAttributes(ctx context.Context, req *connect.Request[adminv1.ProjectDomainAttributesGetRequest]) (*connect.Response[adminv1.ProjectDomainAttributesGetResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ProjectDomainAttributesGetRequest) (*adminv1.ProjectDomainAttributesGetResponse, error) {
		l := attrLevel{project: req.GetProject(), domain: req.GetDomain()}
		m, err := s.getAttributes(ctx, l, true, false, req.GetResourceType())
		if err != nil {
			return nil, err
		}
		return &adminv1.ProjectDomainAttributesGetResponse{Attributes: &adminv1.ProjectDomainAttributes{
			Project: l.project, Domain: l.domain, MatchingAttributes: m,
		}}, nil
	})
}

// DeleteProjectDomainAttributes deletes a project-domain setting.
func (s *Service) DeleteProjectDomainAttributes(ctx context.Context, req *connect.Request[adminv1.ProjectDomainAttributesDeleteRequest]) (*connect.Response[adminv1.ProjectDomainAttributesDeleteResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ProjectDomainAttributesDeleteRequest) (*adminv1.ProjectDomainAttributesDeleteResponse, error) {
		l := attrLevel{project: req.GetProject(), domain: req.GetDomain()}
		if err := s.deleteAttributes(ctx, l, true, false, req.GetResourceType()); err != nil {
			return nil, err
		}
		return &adminv1.ProjectDomainAttributesDeleteResponse{}, nil
	})
}

// UpdateWorkflowAttributes sets a setting for one workflow name (every
// version) in a project and domain, replacing any of the same kind.
func (s *Service) UpdateWorkflowAttributes(ctx context.Context, req *connect.Request[adminv1.WorkflowAttributesUpdateRequest]) (*connect.Response[adminv1.WorkflowAttributesUpdateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.WorkflowAttributesUpdateRequest) (*adminv1.WorkflowAttributesUpdateResponse, error) {
		a := req.GetAttributes()
		if a == nil {
			return nil, invalidArgf("attributes: required")
		}
		l := attrLevel{project: a.GetProject(), domain: a.GetDomain(), workflow: a.GetWorkflow()}
		if err := s.updateAttributes(ctx, l, true, true, a.GetMatchingAttributes()); err != nil {
			return nil, err
		}
		return &adminv1.WorkflowAttributesUpdateResponse{}, nil
	})
}

// GetWorkflowAttributes gets a workflow-level setting.
func (s *Service) GetWorkflowAttributes(ctx context.Context, req *connect.Request[adminv1.WorkflowAttributesGetRequest]) (*connect.Response[adminv1.WorkflowAttributesGetResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.WorkflowAttributesGetRequest) (*adminv1.WorkflowAttributesGetResponse, error) {
		l := attrLevel{project: req.GetProject(), domain: req.GetDomain(), workflow: req.GetWorkflow()}
		m, err := s.getAttributes(ctx, l, true, true, req.GetResourceType())
		if err != nil {
			return nil, err
		}
		return &adminv1.WorkflowAttributesGetResponse{Attributes: &adminv1.WorkflowAttributes{
			Project: l.project, Domain: l.domain, Workflow: l.workflow, MatchingAttributes: m,
		}}, nil
	})
}

// DeleteWorkflowAttributes deletes a workflow-level setting.
func (s *Service) DeleteWorkflowAttributes(ctx context.Context, req *connect.Request[adminv1.WorkflowAttributesDeleteRequest]) (*connect.Response[adminv1.WorkflowAttributesDeleteResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.WorkflowAttributesDeleteRequest) (*adminv1.WorkflowAttributesDeleteResponse, error) {
		l := attrLevel{project: req.GetProject(), domain: req.GetDomain(), workflow: req.GetWorkflow()}
		if err := s.deleteAttributes(ctx, l, true, true, req.GetResourceType()); err != nil {
			return nil, err
		}
		return &adminv1.WorkflowAttributesDeleteResponse{}, nil
	})
}
