package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// fakeAdmin is an in-memory AdminService with just the RPCs the CLI uses.
// It records every request it receives (see interceptor) and can be told
// to fail a procedure with a given error.
type fakeAdmin struct {
	adminv1connect.UnimplementedAdminServiceHandler

	mu       sync.Mutex
	calls    []call
	failures map[string]error // by procedure name, for example "RegisterProject"
	projects []*adminv1.Project
	domains  []*adminv1.Domain
	tasks    []stored[*adminv1.Task]
	wfs      []stored[*adminv1.Workflow]
	lps      []stored[*adminv1.LaunchPlan]
	attrs    map[attrKey]*adminv1.MatchingAttributes
	version  *adminv1.Version
	created  time.Time // created_at of the next entity; advances by a second
}

// call is one request the fake received.
type call struct {
	Procedure string // method name only, for example "GetProject"
	Msg       proto.Message
}

// stored is a registered entity with the request that created it.
type stored[T proto.Message] struct {
	req    proto.Message
	entity T
}

// attrKey is the level and kind of a stored matchable setting.
type attrKey struct {
	project, domain, workflow string
	resource                  adminv1.MatchableResource
}

func newFakeAdmin() *fakeAdmin {
	return &fakeAdmin{
		failures: map[string]error{},
		domains: []*adminv1.Domain{
			{Id: "development", Name: "Development"},
			{Id: "staging", Name: "Staging"},
			{Id: "production", Name: "Production"},
		},
		attrs:   map[attrKey]*adminv1.MatchingAttributes{},
		version: &adminv1.Version{Version: "v9.9.9", Build: "abc123", BuildTime: "2025-01-01T00:00:00Z"},
		created: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
}

// interceptor records each request and applies injected failures.
func (f *fakeAdmin) interceptor() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			name := req.Spec().Procedure
			if i := lastSlash(name); i >= 0 {
				name = name[i+1:]
			}
			f.mu.Lock()
			f.calls = append(f.calls, call{Procedure: name, Msg: proto.Clone(req.Any().(proto.Message))})
			err := f.failures[name]
			f.mu.Unlock()
			if err == errStall {
				return nil, waitForCancel(ctx)
			}
			if err != nil {
				return nil, err
			}
			return next(ctx, req)
		}
	}
}

func lastSlash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return i
		}
	}
	return -1
}

// fail makes procedure return err.
func (f *fakeAdmin) fail(procedure string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[procedure] = err
}

// recorded returns the calls received so far.
func (f *fakeAdmin) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// nextCreated returns a fresh creation time.
func (f *fakeAdmin) nextCreated() *timestamppb.Timestamp {
	t := f.created
	f.created = f.created.Add(time.Second)
	return timestamppb.New(t)
}

// page cuts one page out of items: the token is the offset.
func page[T any](items []T, limit uint32, token string) ([]T, string, error) {
	start := 0
	if token != "" {
		n, err := strconv.Atoi(token)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("bad token %q", token))
		}
		start = n
	}
	end := len(items)
	if limit > 0 && start+int(limit) < end {
		end = start + int(limit)
	}
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func notFound(format string, args ...any) error {
	return connect.NewError(connect.CodeNotFound, fmt.Errorf(format, args...))
}

func (f *fakeAdmin) RegisterProject(_ context.Context, req *connect.Request[adminv1.ProjectRegisterRequest]) (*connect.Response[adminv1.ProjectRegisterResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := req.Msg.GetProject()
	if p.GetId() == "" || p.GetName() == "" {
		return nil, connect.NewError(connect.CodeInvalidArgument, errors.New("project id and name are required"))
	}
	for _, q := range f.projects {
		if q.GetId() == p.GetId() {
			return nil, connect.NewError(connect.CodeAlreadyExists, fmt.Errorf("project %q already exists", p.GetId()))
		}
	}
	p = proto.Clone(p).(*adminv1.Project)
	p.Domains = f.domains
	f.projects = append(f.projects, p)
	return connect.NewResponse(&adminv1.ProjectRegisterResponse{}), nil
}

func (f *fakeAdmin) GetProject(_ context.Context, req *connect.Request[adminv1.ProjectGetRequest]) (*connect.Response[adminv1.Project], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.projects {
		if p.GetId() == req.Msg.GetId() {
			return connect.NewResponse(proto.Clone(p).(*adminv1.Project)), nil
		}
	}
	return nil, notFound("project %q not found", req.Msg.GetId())
}

func (f *fakeAdmin) ListProjects(_ context.Context, req *connect.Request[adminv1.ProjectListRequest]) (*connect.Response[adminv1.Projects], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	items, next, err := page(f.projects, req.Msg.GetLimit(), req.Msg.GetToken())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.Projects{Projects: items, Token: next}), nil
}

func (f *fakeAdmin) UpdateProject(_ context.Context, req *connect.Request[adminv1.Project]) (*connect.Response[adminv1.ProjectUpdateResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, p := range f.projects {
		if p.GetId() == req.Msg.GetId() {
			q := proto.Clone(req.Msg).(*adminv1.Project)
			q.Domains = f.domains
			f.projects[i] = q
			return connect.NewResponse(&adminv1.ProjectUpdateResponse{}), nil
		}
	}
	return nil, notFound("project %q not found", req.Msg.GetId())
}

func (f *fakeAdmin) GetDomains(context.Context, *connect.Request[adminv1.GetDomainRequest]) (*connect.Response[adminv1.GetDomainsResponse], error) {
	return connect.NewResponse(&adminv1.GetDomainsResponse{Domains: f.domains}), nil
}

func (f *fakeAdmin) GetVersion(context.Context, *connect.Request[adminv1.GetVersionRequest]) (*connect.Response[adminv1.GetVersionResponse], error) {
	return connect.NewResponse(&adminv1.GetVersionResponse{ControlPlaneVersion: f.version}), nil
}

// create stores an entity unless one with the same id exists, as the real
// admin does: identical content succeeds unchanged, different content is
// AlreadyExists.
func create[T proto.Message](list *[]stored[T], req proto.Message, id *corev1.Identifier, entity T) error {
	for _, s := range *list {
		if proto.Equal(idOf(s.entity), id) {
			if proto.Equal(s.req, req) {
				return nil
			}
			return connect.NewError(connect.CodeAlreadyExists, fmt.Errorf("%s already exists with different content", formatID(id)))
		}
	}
	*list = append(*list, stored[T]{req: proto.Clone(req), entity: entity})
	return nil
}

// idOf is the id field of a task, workflow or launch plan.
func idOf(m proto.Message) *corev1.Identifier {
	return m.(interface{ GetId() *corev1.Identifier }).GetId()
}

// versionsOf lists the entities of one name (all names when name is empty).
func versionsOf[T proto.Message](list []stored[T], project, domain, name string) []T {
	var out []T
	for _, s := range list {
		id := idOf(s.entity)
		if id.GetProject() == project && id.GetDomain() == domain && (name == "" || id.GetName() == name) {
			out = append(out, s.entity)
		}
	}
	return out
}

// namesOf lists the distinct names in a project and domain.
func namesOf[T proto.Message](list []stored[T], project, domain string) []*corev1.NamedEntityIdentifier {
	seen := map[string]bool{}
	var out []*corev1.NamedEntityIdentifier
	for _, e := range versionsOf(list, project, domain, "") {
		if n := idOf(e).GetName(); !seen[n] {
			seen[n] = true
			out = append(out, &corev1.NamedEntityIdentifier{Project: project, Domain: domain, Name: n})
		}
	}
	return out
}

// getOne finds one version.
func getOne[T proto.Message](list []stored[T], id *corev1.Identifier) (T, error) {
	for _, s := range list {
		got := idOf(s.entity)
		if got.GetProject() == id.GetProject() && got.GetDomain() == id.GetDomain() && got.GetName() == id.GetName() && got.GetVersion() == id.GetVersion() {
			return s.entity, nil
		}
	}
	var zero T
	return zero, notFound("%s not found", formatID(id))
}

func listIDs[T proto.Message](f *fakeAdmin, list *[]stored[T], r *adminv1.NamedEntityIdentifierListRequest) (*connect.Response[adminv1.NamedEntityIdentifierList], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	items, next, err := page(namesOf(*list, r.GetProject(), r.GetDomain()), r.GetLimit(), r.GetToken())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.NamedEntityIdentifierList{Entities: items, Token: next}), nil
}

func (f *fakeAdmin) CreateTask(_ context.Context, req *connect.Request[adminv1.TaskCreateRequest]) (*connect.Response[adminv1.TaskCreateResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &adminv1.Task{Id: req.Msg.GetId(), Closure: &adminv1.TaskClosure{
		CompiledTask: &corev1.CompiledTask{Template: req.Msg.GetSpec().GetTemplate()}, CreatedAt: f.nextCreated(),
	}}
	if err := create(&f.tasks, req.Msg, req.Msg.GetId(), t); err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.TaskCreateResponse{}), nil
}

func (f *fakeAdmin) GetTask(_ context.Context, req *connect.Request[adminv1.ObjectGetRequest]) (*connect.Response[adminv1.Task], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, err := getOne(f.tasks, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(t), nil
}

func (f *fakeAdmin) ListTaskIds(_ context.Context, req *connect.Request[adminv1.NamedEntityIdentifierListRequest]) (*connect.Response[adminv1.NamedEntityIdentifierList], error) {
	return listIDs(f, &f.tasks, req.Msg)
}

func (f *fakeAdmin) ListTasks(_ context.Context, req *connect.Request[adminv1.ResourceListRequest]) (*connect.Response[adminv1.TaskList], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := req.Msg.GetId()
	items, next, err := page(versionsOf(f.tasks, id.GetProject(), id.GetDomain(), id.GetName()), req.Msg.GetLimit(), req.Msg.GetToken())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.TaskList{Tasks: items, Token: next}), nil
}

func (f *fakeAdmin) CreateWorkflow(_ context.Context, req *connect.Request[adminv1.WorkflowCreateRequest]) (*connect.Response[adminv1.WorkflowCreateResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w := &adminv1.Workflow{Id: req.Msg.GetId(), Closure: &adminv1.WorkflowClosure{CreatedAt: f.nextCreated()}}
	if err := create(&f.wfs, req.Msg, req.Msg.GetId(), w); err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.WorkflowCreateResponse{}), nil
}

func (f *fakeAdmin) GetWorkflow(_ context.Context, req *connect.Request[adminv1.ObjectGetRequest]) (*connect.Response[adminv1.Workflow], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w, err := getOne(f.wfs, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(w), nil
}

func (f *fakeAdmin) ListWorkflowIds(_ context.Context, req *connect.Request[adminv1.NamedEntityIdentifierListRequest]) (*connect.Response[adminv1.NamedEntityIdentifierList], error) {
	return listIDs(f, &f.wfs, req.Msg)
}

func (f *fakeAdmin) ListWorkflows(_ context.Context, req *connect.Request[adminv1.ResourceListRequest]) (*connect.Response[adminv1.WorkflowList], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := req.Msg.GetId()
	items, next, err := page(versionsOf(f.wfs, id.GetProject(), id.GetDomain(), id.GetName()), req.Msg.GetLimit(), req.Msg.GetToken())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.WorkflowList{Workflows: items, Token: next}), nil
}

func (f *fakeAdmin) CreateLaunchPlan(_ context.Context, req *connect.Request[adminv1.LaunchPlanCreateRequest]) (*connect.Response[adminv1.LaunchPlanCreateResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lp := &adminv1.LaunchPlan{Id: req.Msg.GetId(), Spec: req.Msg.GetSpec(), Closure: &adminv1.LaunchPlanClosure{CreatedAt: f.nextCreated()}}
	if err := create(&f.lps, req.Msg, req.Msg.GetId(), lp); err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.LaunchPlanCreateResponse{}), nil
}

func (f *fakeAdmin) GetLaunchPlan(_ context.Context, req *connect.Request[adminv1.ObjectGetRequest]) (*connect.Response[adminv1.LaunchPlan], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	lp, err := getOne(f.lps, req.Msg.GetId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(lp), nil
}

func (f *fakeAdmin) ListLaunchPlanIds(_ context.Context, req *connect.Request[adminv1.NamedEntityIdentifierListRequest]) (*connect.Response[adminv1.NamedEntityIdentifierList], error) {
	return listIDs(f, &f.lps, req.Msg)
}

func (f *fakeAdmin) ListLaunchPlans(_ context.Context, req *connect.Request[adminv1.ResourceListRequest]) (*connect.Response[adminv1.LaunchPlanList], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := req.Msg.GetId()
	items, next, err := page(versionsOf(f.lps, id.GetProject(), id.GetDomain(), id.GetName()), req.Msg.GetLimit(), req.Msg.GetToken())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.LaunchPlanList{LaunchPlans: items, Token: next}), nil
}

// activeLPs lists the active launch plans of a project and domain, of one
// name when name is set.
func (f *fakeAdmin) activeLPs(project, domain, name string) []*adminv1.LaunchPlan {
	var out []*adminv1.LaunchPlan
	for _, lp := range versionsOf(f.lps, project, domain, name) {
		if lp.GetClosure().GetState() == adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE {
			out = append(out, lp)
		}
	}
	return out
}

func (f *fakeAdmin) GetActiveLaunchPlan(_ context.Context, req *connect.Request[adminv1.ActiveLaunchPlanRequest]) (*connect.Response[adminv1.LaunchPlan], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := req.Msg.GetId()
	active := f.activeLPs(id.GetProject(), id.GetDomain(), id.GetName())
	if len(active) == 0 {
		return nil, notFound("no active launch plan %s/%s/%s", id.GetProject(), id.GetDomain(), id.GetName())
	}
	return connect.NewResponse(active[0]), nil
}

func (f *fakeAdmin) ListActiveLaunchPlans(_ context.Context, req *connect.Request[adminv1.ActiveLaunchPlanListRequest]) (*connect.Response[adminv1.LaunchPlanList], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	items, next, err := page(f.activeLPs(req.Msg.GetProject(), req.Msg.GetDomain(), ""), req.Msg.GetLimit(), req.Msg.GetToken())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&adminv1.LaunchPlanList{LaunchPlans: items, Token: next}), nil
}

func (f *fakeAdmin) UpdateLaunchPlan(_ context.Context, req *connect.Request[adminv1.LaunchPlanUpdateRequest]) (*connect.Response[adminv1.LaunchPlanUpdateResponse], error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := req.Msg.GetId()
	target, err := getOne(f.lps, id)
	if err != nil {
		return nil, err
	}
	if req.Msg.GetState() == adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE {
		for _, lp := range versionsOf(f.lps, id.GetProject(), id.GetDomain(), id.GetName()) {
			lp.Closure.State = adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE
		}
	}
	target.Closure.State = req.Msg.GetState()
	return connect.NewResponse(&adminv1.LaunchPlanUpdateResponse{}), nil
}
