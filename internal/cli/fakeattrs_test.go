package cli

import (
	"context"
	"errors"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
)

// The matchable attribute RPCs of fakeAdmin.

func (f *fakeAdmin) setAttrs(k attrKey, m *adminv1.MatchingAttributes) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m.GetTarget() == nil {
		return connect.NewError(connect.CodeInvalidArgument, errors.New("matching_attributes: no setting"))
	}
	k.resource = resourceOf(m)
	f.attrs[k] = proto.Clone(m).(*adminv1.MatchingAttributes)
	return nil
}

func (f *fakeAdmin) getAttrs(k attrKey) (*adminv1.MatchingAttributes, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.attrs[k]
	if !ok {
		return nil, notFound("no %s attributes for %s/%s/%s", enumName(k.resource), k.project, k.domain, k.workflow)
	}
	return m, nil
}

func (f *fakeAdmin) deleteAttrs(k attrKey) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.attrs[k]; !ok {
		return notFound("no %s attributes for %s/%s/%s", enumName(k.resource), k.project, k.domain, k.workflow)
	}
	delete(f.attrs, k)
	return nil
}

func (f *fakeAdmin) UpdateProjectAttributes(_ context.Context, req *connect.Request[adminv1.ProjectAttributesUpdateRequest]) (*connect.Response[adminv1.ProjectAttributesUpdateResponse], error) {
	a := req.Msg.GetAttributes()
	if err := f.setAttrs(attrKey{project: a.GetProject()}, a.GetMatchingAttributes()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.ProjectAttributesUpdateResponse{}), nil
}

func (f *fakeAdmin) GetProjectAttributes(_ context.Context, req *connect.Request[adminv1.ProjectAttributesGetRequest]) (*connect.Response[adminv1.ProjectAttributesGetResponse], error) {
	m, err := f.getAttrs(attrKey{project: req.Msg.GetProject(), resource: req.Msg.GetResourceType()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.ProjectAttributesGetResponse{Attributes: &adminv1.ProjectAttributes{
		Project: req.Msg.GetProject(), MatchingAttributes: m,
	}}), nil
}

func (f *fakeAdmin) DeleteProjectAttributes(_ context.Context, req *connect.Request[adminv1.ProjectAttributesDeleteRequest]) (*connect.Response[adminv1.ProjectAttributesDeleteResponse], error) {
	if err := f.deleteAttrs(attrKey{project: req.Msg.GetProject(), resource: req.Msg.GetResourceType()}); err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.ProjectAttributesDeleteResponse{}), nil
}

func (f *fakeAdmin) UpdateProjectDomainAttributes(_ context.Context, req *connect.Request[adminv1.ProjectDomainAttributesUpdateRequest]) (*connect.Response[adminv1.ProjectDomainAttributesUpdateResponse], error) {
	a := req.Msg.GetAttributes()
	if err := f.setAttrs(attrKey{project: a.GetProject(), domain: a.GetDomain()}, a.GetMatchingAttributes()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.ProjectDomainAttributesUpdateResponse{}), nil
}

func (f *fakeAdmin) GetProjectDomainAttributes(_ context.Context, req *connect.Request[adminv1.ProjectDomainAttributesGetRequest]) (*connect.Response[adminv1.ProjectDomainAttributesGetResponse], error) {
	r := req.Msg
	m, err := f.getAttrs(attrKey{project: r.GetProject(), domain: r.GetDomain(), resource: r.GetResourceType()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.ProjectDomainAttributesGetResponse{Attributes: &adminv1.ProjectDomainAttributes{
		Project: r.GetProject(), Domain: r.GetDomain(), MatchingAttributes: m,
	}}), nil
}

func (f *fakeAdmin) DeleteProjectDomainAttributes(_ context.Context, req *connect.Request[adminv1.ProjectDomainAttributesDeleteRequest]) (*connect.Response[adminv1.ProjectDomainAttributesDeleteResponse], error) {
	r := req.Msg
	if err := f.deleteAttrs(attrKey{project: r.GetProject(), domain: r.GetDomain(), resource: r.GetResourceType()}); err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.ProjectDomainAttributesDeleteResponse{}), nil
}

func (f *fakeAdmin) UpdateWorkflowAttributes(_ context.Context, req *connect.Request[adminv1.WorkflowAttributesUpdateRequest]) (*connect.Response[adminv1.WorkflowAttributesUpdateResponse], error) {
	a := req.Msg.GetAttributes()
	if err := f.setAttrs(attrKey{project: a.GetProject(), domain: a.GetDomain(), workflow: a.GetWorkflow()}, a.GetMatchingAttributes()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.WorkflowAttributesUpdateResponse{}), nil
}

func (f *fakeAdmin) GetWorkflowAttributes(_ context.Context, req *connect.Request[adminv1.WorkflowAttributesGetRequest]) (*connect.Response[adminv1.WorkflowAttributesGetResponse], error) {
	r := req.Msg
	m, err := f.getAttrs(attrKey{project: r.GetProject(), domain: r.GetDomain(), workflow: r.GetWorkflow(), resource: r.GetResourceType()})
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.WorkflowAttributesGetResponse{Attributes: &adminv1.WorkflowAttributes{
		Project: r.GetProject(), Domain: r.GetDomain(), Workflow: r.GetWorkflow(), MatchingAttributes: m,
	}}), nil
}

func (f *fakeAdmin) DeleteWorkflowAttributes(_ context.Context, req *connect.Request[adminv1.WorkflowAttributesDeleteRequest]) (*connect.Response[adminv1.WorkflowAttributesDeleteResponse], error) {
	r := req.Msg
	if err := f.deleteAttrs(attrKey{project: r.GetProject(), domain: r.GetDomain(), workflow: r.GetWorkflow(), resource: r.GetResourceType()}); err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.WorkflowAttributesDeleteResponse{}), nil
}

func (f *fakeAdmin) ListMatchableAttributes(_ context.Context, req *connect.Request[adminv1.ListMatchableAttributesRequest]) (*connect.Response[adminv1.ListMatchableAttributesResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := &adminv1.ListMatchableAttributesResponse{}
	for k, m := range f.attrs {
		if k.resource == req.Msg.GetResourceType() {
			out.Configurations = append(out.Configurations, &adminv1.MatchableAttributesConfiguration{
				Attributes: m, Project: k.project, Domain: k.domain, Workflow: k.workflow,
			})
		}
	}
	slices.SortFunc(out.Configurations, func(a, b *adminv1.MatchableAttributesConfiguration) int {
		return strings.Compare(a.GetProject()+"/"+a.GetDomain()+"/"+a.GetWorkflow(), b.GetProject()+"/"+b.GetDomain()+"/"+b.GetWorkflow())
	})
	return connect.NewResponse(out), nil
}
