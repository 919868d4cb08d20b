package admin

import (
	"context"
	"fmt"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/store"
)

// CreateTask validates and registers a task version.
func (s *Service) CreateTask(ctx context.Context, req *connect.Request[adminv1.TaskCreateRequest]) (*connect.Response[adminv1.TaskCreateResponse], error) {
	return handle(ctx, s, req, s.createTask)
}

func (s *Service) createTask(ctx context.Context, req *adminv1.TaskCreateRequest) (*adminv1.TaskCreateResponse, error) {
	tmpl := req.GetSpec().GetTemplate()
	id, err := s.checkRegistration(ctx, store.KindTask, req.GetId(), tmpl != nil, tmpl.GetId())
	if err != nil {
		return nil, err
	}
	// The stored template carries the full identifier, whatever the
	// request left unset, so equal content always has an equal digest.
	tmpl = proto.CloneOf(tmpl)
	tmpl.Id = identifierOf(store.KindTask, id)
	if err := compiler.ValidateTask(tmpl); err != nil {
		return nil, fmt.Errorf("task %s is invalid: %w", formatID(id), err)
	}
	now := s.now()
	spec := &adminv1.TaskSpec{Template: tmpl, Description: req.GetSpec().GetDescription()}
	task := &adminv1.Task{
		Id: identifierOf(store.KindTask, id),
		Closure: &adminv1.TaskClosure{
			CompiledTask: &corev1.CompiledTask{Template: tmpl},
			CreatedAt:    timestamppb.New(now),
		},
		ShortDescription: spec.GetDescription().GetShortDescription(),
		Description:      spec.GetDescription(),
	}
	err = s.register(ctx, &registration{
		kind:   store.KindTask,
		id:     id,
		spec:   spec,
		body:   task,
		now:    now,
		specOf: taskSpecOf,
	})
	if err != nil {
		return nil, err
	}
	return &adminv1.TaskCreateResponse{}, nil
}

// taskSpecOf rebuilds the registered spec from a stored task.
func taskSpecOf(body []byte) (proto.Message, error) {
	var t adminv1.Task
	if err := proto.Unmarshal(body, &t); err != nil {
		return nil, err
	}
	return &adminv1.TaskSpec{Template: t.GetClosure().GetCompiledTask().GetTemplate(), Description: t.GetDescription()}, nil
}

// checkTemplateID checks that the id inside a template matches the
// request's id (the resource type may be left unset).
// checkRegistration checks what every registration of a template shares: a
// valid id, a template whose own id agrees with it, and an active project.
func (s *Service) checkRegistration(ctx context.Context, kind store.Kind, reqID *corev1.Identifier, hasTemplate bool, tmplID *corev1.Identifier) (store.EntityID, error) {
	id, err := s.checkEntityID("id", kind, reqID)
	if err != nil {
		return store.EntityID{}, err
	}
	if !hasTemplate {
		return store.EntityID{}, invalidArgf("spec.template: required")
	}
	if err := checkTemplateID("spec.template.id", kind, tmplID, id); err != nil {
		return store.EntityID{}, err
	}
	if _, err := s.requireProject(ctx, id.Project, true); err != nil {
		return store.EntityID{}, err
	}
	return id, nil
}

func checkTemplateID(field string, kind store.Kind, got *corev1.Identifier, want store.EntityID) error {
	if got == nil {
		return invalidArgf("%s: required (it must equal id)", field)
	}
	if rt := got.GetResourceType(); rt != corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED && rt != resourceTypeOf(kind) {
		return invalidArgf("%s.resource_type: must be %s for a %s, got %s", field, resourceTypeOf(kind), kind, rt)
	}
	gotID := store.EntityID{Project: got.GetProject(), Domain: got.GetDomain(), Name: got.GetName(), Version: got.GetVersion()}
	if gotID != want {
		return invalidArgf("%s: %s does not match id %s", field, formatID(gotID), formatID(want))
	}
	return nil
}

// GetTask gets a task version.
func (s *Service) GetTask(ctx context.Context, req *connect.Request[adminv1.ObjectGetRequest]) (*connect.Response[adminv1.Task], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ObjectGetRequest) (*adminv1.Task, error) {
		return getVersion(ctx, s, store.KindTask, req.GetId(), taskOf)
	})
}

// taskOf decodes a stored task.
func taskOf(e *store.Entity) (*adminv1.Task, error) {
	t := &adminv1.Task{}
	if err := unmarshalBody(e, t); err != nil {
		return nil, err
	}
	if t.Closure == nil {
		t.Closure = &adminv1.TaskClosure{}
	}
	t.Closure.CreatedAt = timestamppb.New(e.CreatedAt)
	return t, nil
}

// ListTasks lists task versions in a project and domain, optionally of one
// name; newest first unless sort_by says otherwise.
func (s *Service) ListTasks(ctx context.Context, req *connect.Request[adminv1.ResourceListRequest]) (*connect.Response[adminv1.TaskList], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.ResourceListRequest) (*adminv1.TaskList, error) {
		page, err := s.listEntities(ctx, store.KindTask, req)
		if err != nil {
			return nil, err
		}
		tasks, err := decodeAll(page.Items, taskOf)
		return &adminv1.TaskList{Tasks: tasks, Token: page.NextToken}, err
	})
}

// ListTaskIds lists the task names of a project and domain.
func (s *Service) ListTaskIds(ctx context.Context, req *connect.Request[adminv1.NamedEntityIdentifierListRequest]) (*connect.Response[adminv1.NamedEntityIdentifierList], error) {
	return handle(ctx, s, req, func(ctx context.Context, req *adminv1.NamedEntityIdentifierListRequest) (*adminv1.NamedEntityIdentifierList, error) {
		return s.listIDs(ctx, store.KindTask, req)
	})
}

// listEntities validates a list of versions and reads one page.
func (s *Service) listEntities(ctx context.Context, kind store.Kind, req *adminv1.ResourceListRequest) (*store.Page[*store.Entity], error) {
	id := req.GetId()
	if id == nil {
		return nil, invalidArgf("id: required (the project and domain to list in)")
	}
	var ps problems
	ps.add(s.checkScope("id.project", id.GetProject(), "id.domain", id.GetDomain()))
	if id.GetName() != "" {
		ps.add(checkName("id.name", id.GetName()))
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	params := listParams(req.GetLimit(), req.GetToken(), req.GetFilters(), req.GetSortBy(), defaultNewest)
	params.Project, params.Domain, params.Name = id.GetProject(), id.GetDomain(), id.GetName()
	page, err := s.store.EntityList(ctx, store.EntityListParams{Kind: kind, ListParams: params})
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", kind, err)
	}
	if err := s.checkEmptyList(ctx, id.GetProject(), len(page.Items)); err != nil {
		return nil, err
	}
	return page, nil
}

// listIDs lists the names of one kind in a project and domain.
func (s *Service) listIDs(ctx context.Context, kind store.Kind, req *adminv1.NamedEntityIdentifierListRequest) (*adminv1.NamedEntityIdentifierList, error) {
	if err := s.checkScope("project", req.GetProject(), "domain", req.GetDomain()); err != nil {
		return nil, err
	}
	params := listParams(req.GetLimit(), req.GetToken(), req.GetFilters(), req.GetSortBy(), defaultByName)
	params.Project, params.Domain = req.GetProject(), req.GetDomain()
	page, err := s.store.EntityListIDs(ctx, store.EntityListParams{Kind: kind, ListParams: params})
	if err != nil {
		return nil, fmt.Errorf("list %s names: %w", kind, err)
	}
	if err := s.checkEmptyList(ctx, req.GetProject(), len(page.Items)); err != nil {
		return nil, err
	}
	out := &adminv1.NamedEntityIdentifierList{Token: page.NextToken}
	for _, id := range page.Items {
		out.Entities = append(out.Entities, &corev1.NamedEntityIdentifier{Project: id.Project, Domain: id.Domain, Name: id.Name})
	}
	return out, nil
}
