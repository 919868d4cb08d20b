package admin

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
	"github.com/flyte-go/flyte/internal/store"
)

// Execution names.
const (
	// MaxExecutionNameLength keeps an execution name usable as a
	// Kubernetes label value and object name part.
	MaxExecutionNameLength = 63
	// generatedNameLength is the length of a name chosen by the server.
	generatedNameLength = 20
	// defaultPrincipal is recorded when a request names no principal (the
	// server runs without authentication).
	defaultPrincipal = "anonymous"
)

// executionNamePattern is a DNS-1123 label: names become parts of object
// names and blob keys.
var executionNamePattern = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?$`)

// checkExecutionName reports a caller-chosen execution name that is malformed.
func checkExecutionName(field, name string) error {
	switch {
	case len(name) > MaxExecutionNameLength:
		return fmt.Errorf("%s: %q is longer than %d characters", field, truncate(name), MaxExecutionNameLength)
	case !executionNamePattern.MatchString(name):
		return fmt.Errorf("%s: %q may only hold lowercase letters, digits and \"-\", and must start and end with a letter or digit", field, truncate(name))
	}
	return nil
}

// generateName returns a random execution name: a lowercase letter then
// lowercase letters and digits.
func generateName() string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	const alnum = letters + "0123456789"
	var b [generatedNameLength]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	out := make([]byte, generatedNameLength)
	out[0] = letters[int(b[0])%len(letters)]
	for i := 1; i < len(out); i++ {
		out[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(out)
}

// executionID converts a store execution id to the API.
func executionID(id store.ExecutionID) *corev1.WorkflowExecutionIdentifier {
	return &corev1.WorkflowExecutionIdentifier{Project: id.Project, Domain: id.Domain, Name: id.Name}
}

// formatExecID renders an execution id for messages.
func formatExecID(id store.ExecutionID) string {
	return id.Project + "/" + id.Domain + "/" + id.Name
}

// inputsKey is the blob key of an execution's inputs (DESIGN §4).
func inputsKey(id store.ExecutionID) string {
	return "metadata/" + id.Project + "/" + id.Domain + "/" + id.Name + "/inputs.pb"
}

// outputsKey is the blob key of an execution's outputs.
func outputsKey(id store.ExecutionID) string {
	return "metadata/" + id.Project + "/" + id.Domain + "/" + id.Name + "/outputs.pb"
}

// executionsReady reports that the service was built without what the
// execution RPCs need.
func (s *Service) executionsReady() error {
	if s.execs == nil || s.blobs == nil {
		return &requestError{code: connect.CodeUnavailable, msg: "executions are not served: the server has no execution store or blob store"}
	}
	return nil
}

// CreateExecution starts an execution of a launch plan, or of a single task
// through a system-generated workflow and launch plan.
func (s *Service) CreateExecution(ctx context.Context, req *connect.Request[adminv1.ExecutionCreateRequest]) (*connect.Response[adminv1.ExecutionCreateResponse], error) {
	return handle(ctx, s, req, func(ctx context.Context, r *adminv1.ExecutionCreateRequest) (*adminv1.ExecutionCreateResponse, error) {
		if err := s.executionsReady(); err != nil {
			return nil, err
		}
		id, err := s.createExecution(ctx, &createParams{
			project: r.GetProject(),
			domain:  r.GetDomain(),
			name:    r.GetName(),
			spec:    r.GetSpec(),
			inputs:  r.GetInputs(),
		})
		if err != nil {
			return nil, err
		}
		return &adminv1.ExecutionCreateResponse{Id: executionID(id)}, nil
	})
}

// createParams are the inputs of createExecution.
type createParams struct {
	project, domain, name string
	spec                  *adminv1.ExecutionSpec
	inputs                *corev1.LiteralMap
	// dropFixed removes inputs the launch plan fixes before merging: a
	// relaunch passes the complete inputs of the earlier execution.
	dropFixed bool
}

// createExecution validates and stores a new execution. Nothing is written
// until every check has passed.
func (s *Service) createExecution(ctx context.Context, p *createParams) (store.ExecutionID, error) {
	var ps problems
	ps.add(checkProjectID("project", p.project))
	ps.add(s.checkDomain("domain", p.domain))
	if p.name != "" {
		ps.add(checkExecutionName("name", p.name))
	}
	if p.spec.GetLaunchPlan() == nil {
		ps.addf("spec.launch_plan", "required")
	}
	if err := ps.err(); err != nil {
		return store.ExecutionID{}, err
	}
	proj, err := s.requireProject(ctx, p.project, false)
	if err != nil {
		return store.ExecutionID{}, err
	}
	if proj.State == store.ProjectStateArchived || proj.State == store.ProjectStateSystemArchived {
		return store.ExecutionID{}, failedPreconditionf("project %q is archived; activate it before starting executions in it", p.project)
	}
	lp, err := s.resolveLaunchPlan(ctx, p.project, p.domain, p.spec.GetLaunchPlan())
	if err != nil {
		return store.ExecutionID{}, err
	}
	inputs := p.inputs
	if p.dropFixed {
		inputs = withoutFixed(inputs, lp.GetSpec().GetFixedInputs())
	}
	merged, err := mergeInputs(lp, inputs)
	if err != nil {
		return store.ExecutionID{}, err
	}
	meta := proto.CloneOf(p.spec.GetMetadata())
	if meta == nil {
		meta = &adminv1.ExecutionMetadata{}
	}
	if meta.Principal == "" {
		meta.Principal = defaultPrincipal
	}
	parentNode, err := s.parentNodeExecution(ctx, meta)
	if err != nil {
		return store.ExecutionID{}, err
	}
	var reference *store.ExecutionID
	if ref := meta.GetReferenceExecution(); ref != nil {
		reference = &store.ExecutionID{Project: ref.GetProject(), Domain: ref.GetDomain(), Name: ref.GetName()}
	}

	name := p.name
	if name == "" {
		name = generateName()
	}
	id := store.ExecutionID{Project: p.project, Domain: p.domain, Name: name}
	// Checked before the inputs are written so that a duplicate never
	// overwrites the inputs of the execution that holds the name.
	if _, err := s.execs.ExecutionGet(ctx, store.ExecutionGetParams{ID: id}); err == nil {
		return store.ExecutionID{}, alreadyExistsf("execution %s already exists; choose another name", formatExecID(id))
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.ExecutionID{}, fmt.Errorf("get execution %s: %w", formatExecID(id), err)
	}

	spec := executionSpecFrom(p.spec, lp, meta)
	lpID := lp.GetId()
	wfID := lp.GetSpec().GetWorkflowId()
	now := s.now()
	closure := &adminv1.ExecutionClosure{
		Phase:      corev1.WorkflowExecution_PHASE_QUEUED,
		CreatedAt:  timestamppb.New(now),
		UpdatedAt:  timestamppb.New(now),
		WorkflowId: wfID,
	}
	specBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(spec)
	if err != nil {
		return store.ExecutionID{}, fmt.Errorf("marshal execution spec: %w", err)
	}
	closureBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(closure)
	if err != nil {
		return store.ExecutionID{}, fmt.Errorf("marshal execution closure: %w", err)
	}
	key := inputsKey(id)
	if err := s.blobs.WriteProto(ctx, key, merged); err != nil {
		return store.ExecutionID{}, fmt.Errorf("write inputs of %s: %w", formatExecID(id), err)
	}
	_, err = s.execs.ExecutionCreate(ctx, store.ExecutionCreateParams{
		ID:                  id,
		LaunchPlan:          store.EntityID{Project: lpID.GetProject(), Domain: lpID.GetDomain(), Name: lpID.GetName(), Version: lpID.GetVersion()},
		Workflow:            store.EntityID{Project: wfID.GetProject(), Domain: wfID.GetDomain(), Name: wfID.GetName(), Version: wfID.GetVersion()},
		Mode:                int32(meta.GetMode()),
		Principal:           meta.GetPrincipal(),
		ParentNodeExecution: parentNode,
		ReferenceExecution:  reference,
		Spec:                specBytes,
		Closure:             closureBytes,
		InputsURI:           s.blobs.URL(key),
		Now:                 now,
	})
	if errors.Is(err, store.ErrAlreadyExists) {
		return store.ExecutionID{}, alreadyExistsf("execution %s already exists; choose another name", formatExecID(id))
	}
	if err != nil {
		return store.ExecutionID{}, fmt.Errorf("create execution %s: %w", formatExecID(id), err)
	}
	s.logger.LogAttrs(ctx, slog.LevelDebug, "execution created", slog.String("execution", formatExecID(id)),
		slog.String("launch_plan", compiler.FormatID(lpID)))
	return id, nil
}

// executionSpecFrom completes a requested spec: the resolved launch plan,
// the metadata, and every setting the request leaves unset taken from the
// launch plan.
func executionSpecFrom(req *adminv1.ExecutionSpec, lp *adminv1.LaunchPlan, meta *adminv1.ExecutionMetadata) *adminv1.ExecutionSpec {
	spec := proto.CloneOf(req)
	if spec == nil {
		spec = &adminv1.ExecutionSpec{}
	}
	lps := lp.GetSpec()
	spec.LaunchPlan = proto.CloneOf(lp.GetId())
	spec.Metadata = meta
	if spec.MaxParallelism == 0 {
		spec.MaxParallelism = lps.GetMaxParallelism()
	}
	if spec.Labels == nil {
		spec.Labels = proto.CloneOf(lps.GetLabels())
	}
	if spec.Annotations == nil {
		spec.Annotations = proto.CloneOf(lps.GetAnnotations())
	}
	if spec.SecurityContext == nil {
		spec.SecurityContext = proto.CloneOf(lps.GetSecurityContext())
	}
	if spec.QualityOfService == nil {
		spec.QualityOfService = proto.CloneOf(lps.GetQualityOfService())
	}
	if spec.RawOutputDataConfig == nil {
		spec.RawOutputDataConfig = proto.CloneOf(lps.GetRawOutputDataConfig())
	}
	if spec.Interruptible == nil && lps.Interruptible != nil {
		v := lps.GetInterruptible()
		spec.Interruptible = &v
	}
	if !spec.OverwriteCache {
		spec.OverwriteCache = lps.GetOverwriteCache()
	}
	if spec.Envs == nil {
		spec.Envs = proto.CloneOf(lps.GetEnvs())
	}
	return spec
}

// parentNodeExecution resolves the node that launches a child execution
// to the store's "<parent row id>/<node id>" form, and sets the nesting.
func (s *Service) parentNodeExecution(ctx context.Context, meta *adminv1.ExecutionMetadata) (string, error) {
	parent := meta.GetParentNodeExecution()
	if parent == nil {
		return "", nil
	}
	pid := parent.GetExecutionId()
	id := store.ExecutionID{Project: pid.GetProject(), Domain: pid.GetDomain(), Name: pid.GetName()}
	if parent.GetNodeId() == "" {
		return "", invalidArgf("spec.metadata.parent_node_execution.node_id: required")
	}
	row, err := s.execs.ExecutionGet(ctx, store.ExecutionGetParams{ID: id})
	if errors.Is(err, store.ErrNotFound) {
		return "", invalidArgf("spec.metadata.parent_node_execution: execution %s not found", formatExecID(id))
	}
	if err != nil {
		return "", fmt.Errorf("get parent execution %s: %w", formatExecID(id), err)
	}
	var pspec adminv1.ExecutionSpec
	if err := proto.Unmarshal(row.Spec, &pspec); err != nil {
		return "", fmt.Errorf("decode spec of execution %s: %w", formatExecID(id), err)
	}
	meta.Nesting = pspec.GetMetadata().GetNesting() + 1
	return fmt.Sprintf("%d/%s", row.RowID, parent.GetNodeId()), nil
}

// resolveLaunchPlan finds the launch plan an execution runs: the given
// version, the active version when none is given, or for a task id the
// system-generated launch plan of that task.
func (s *Service) resolveLaunchPlan(ctx context.Context, project, domain string, id *corev1.Identifier) (*adminv1.LaunchPlan, error) {
	const field = "spec.launch_plan"
	if id.GetProject() == "" && id.GetDomain() == "" {
		id = proto.CloneOf(id)
		id.Project, id.Domain = project, domain
	}
	if id.GetProject() != project || id.GetDomain() != domain {
		return nil, invalidArgf("%s: %s/%s must be the execution's project and domain %s/%s", field, id.GetProject(), id.GetDomain(), project, domain)
	}
	if id.GetResourceType() == corev1.ResourceType_RESOURCE_TYPE_TASK {
		return s.taskLaunchPlan(ctx, id)
	}
	if rt := id.GetResourceType(); rt != corev1.ResourceType_RESOURCE_TYPE_UNSPECIFIED && rt != corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN {
		return nil, invalidArgf("%s.resource_type: must be %s or %s, got %s", field,
			corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, corev1.ResourceType_RESOURCE_TYPE_TASK, rt)
	}
	if id.GetVersion() == "" {
		named, err := s.checkNamedEntityID(field, &corev1.NamedEntityIdentifier{Project: id.GetProject(), Domain: id.GetDomain(), Name: id.GetName()})
		if err != nil {
			return nil, err
		}
		e, err := s.store.LaunchPlanGetActive(ctx, store.LaunchPlanGetActiveParams{ID: named})
		if errors.Is(err, store.ErrNotFound) {
			return nil, notFoundf("launch plan %s has no active version; give a version or activate one", named)
		}
		if err != nil {
			return nil, fmt.Errorf("get active launch plan %s: %w", named, err)
		}
		return launchPlanOf(e)
	}
	eid, err := s.checkEntityID(field, store.KindLaunchPlan, id)
	if err != nil {
		return nil, err
	}
	e, err := s.getEntity(ctx, store.KindLaunchPlan, eid)
	if err != nil {
		return nil, err
	}
	return launchPlanOf(e)
}

// withoutFixed returns inputs without the names the launch plan fixes.
func withoutFixed(inputs, fixed *corev1.LiteralMap) *corev1.LiteralMap {
	out := &corev1.LiteralMap{Literals: map[string]*corev1.Literal{}}
	for k, v := range inputs.GetLiterals() {
		if _, ok := fixed.GetLiterals()[k]; !ok {
			out.Literals[k] = v
		}
	}
	return out
}

// mergeInputs combines the requested inputs with the launch plan's
// defaults and fixed inputs. Every problem is reported, each naming its
// input: overriding a fixed input, an unknown input, a value of the wrong
// type, and a required input left out.
func mergeInputs(lp *adminv1.LaunchPlan, inputs *corev1.LiteralMap) (*corev1.LiteralMap, error) {
	expected := lp.GetClosure().GetExpectedInputs().GetParameters()
	fixed := lp.GetSpec().GetFixedInputs().GetLiterals()
	given := inputs.GetLiterals()
	lpName := compiler.FormatID(lp.GetId())
	var ps problems
	merged := &corev1.LiteralMap{Literals: make(map[string]*corev1.Literal, len(expected)+len(fixed))}
	for _, name := range sortedKeys(given) {
		field := "inputs." + name
		if _, ok := fixed[name]; ok {
			ps.addf(field, "input %q is fixed by launch plan %s and cannot be overridden", name, lpName)
			continue
		}
		p, ok := expected[name]
		if !ok {
			ps.addf(field, "unknown input %q: launch plan %s expects %s", name, lpName, expectedList(expected))
			continue
		}
		if err := compiler.CheckLiteral(given[name], p.GetVar().GetType()); err != nil {
			ps.addf(field, "input %q expects %s: %v", name, compiler.FormatType(p.GetVar().GetType()), err)
			continue
		}
		merged.Literals[name] = given[name]
	}
	for _, name := range sortedKeys(expected) {
		if _, ok := given[name]; ok {
			continue
		}
		switch b := expected[name].GetBehavior().(type) {
		case *corev1.Parameter_Default:
			merged.Literals[name] = b.Default
		default:
			ps.addf("inputs."+name, "required input %q (%s) is missing", name, compiler.FormatType(expected[name].GetVar().GetType()))
		}
	}
	for name, l := range fixed {
		merged.Literals[name] = l
	}
	if err := ps.err(); err != nil {
		return nil, err
	}
	return merged, nil
}

// expectedList names the inputs a launch plan expects, for messages.
func expectedList(expected map[string]*corev1.Parameter) string {
	if len(expected) == 0 {
		return "no inputs"
	}
	names := sortedKeys(expected)
	for i, n := range names {
		names[i] = n + ": " + compiler.FormatType(expected[n].GetVar().GetType())
	}
	return strings.Join(names, ", ")
}
