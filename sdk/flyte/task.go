package flyte

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/compiler"
)

// Task is a Go function registered as a Flyte task: I and O are structs
// whose exported fields are its inputs and outputs. Create it with NewTask,
// usually as a package-level variable, and use it in workflows with Call
// and Map, or run it alone with Run.
type Task[I, O any] struct{ def *taskDef }

// Dynamic is a task whose function builds a workflow at run time, with the
// concrete values of its inputs: the platform compiles what it builds and
// runs it as the node's children. Create it with NewDynamic and use it like
// a task with Call.
type Dynamic[I, O any] struct{ def *taskDef }

// taskDef is the untyped core of a Task or Dynamic.
type taskDef struct {
	name    string
	defined string // file:line of NewTask, for messages
	in, out *ioType
	s       *settings
	// run calls the function of a task with a decoded input struct.
	run func(ctx context.Context, in reflect.Value) (reflect.Value, error)
	// dynamic builds the sub-workflow of a dynamic task.
	dynamic func(ctx context.Context, b *Builder, in reflect.Value) error
	err     error
}

// registry holds every task created in this process by name, so that the
// execute command finds the task the platform asks for (including tasks
// that only a dynamic workflow uses).
var registry = struct {
	sync.Mutex
	tasks map[string][]*taskDef
}{tasks: map[string][]*taskDef{}}

func register(d *taskDef) {
	registry.Lock()
	defer registry.Unlock()
	registry.tasks[d.name] = append(registry.tasks[d.name], d)
}

// lookupTask returns the task of this process named name.
func lookupTask(name string) (*taskDef, error) {
	registry.Lock()
	defer registry.Unlock()
	ds := registry.tasks[name]
	switch len(ds) {
	case 0:
		names := make([]string, 0, len(registry.tasks))
		for n := range registry.tasks {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("this program has no task named %q (tasks: %s)", name, strings.Join(names, ", "))
	case 1:
		return ds[0], nil
	}
	var at []string
	for _, d := range ds {
		at = append(at, d.defined)
	}
	return nil, fmt.Errorf("this program defines %d tasks named %q (at %s); task names must be unique", len(ds), name, strings.Join(at, ", "))
}

// caller returns file:line of the caller of the exported constructor.
func caller() string {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return "unknown"
	}
	return fmt.Sprintf("%s:%d", file, line)
}

// NewTask makes fn a task named name. I and O are structs: each exported
// field is one input or output, named by its `flyte:"name"` tag or else by
// the field name in snake_case; use None for no inputs or outputs. A type
// the SDK cannot map, a bad name or an option that does not apply is an
// error kept in the task: Err reports it, and so do Run and the register
// and execute commands. Must turns it into a panic.
//
// Options: Retries, Timeout, Cache, CacheSerializable, CacheIgnore,
// Resources, Limits, Image, Secrets, Env, Interruptible, Description.
//
// A returned error fails the task as a non-recoverable user error unless
// wrapped by SystemError or Recoverable; a panic is a user error too.
func NewTask[I, O any](name string, fn func(ctx context.Context, in I) (O, error), opts ...Option) *Task[I, O] {
	d := newTaskDef[I, O](name, caller(), opts)
	if fn == nil && d.err == nil {
		d.err = fmt.Errorf("task %s: the function is nil", name)
	}
	d.run = func(ctx context.Context, in reflect.Value) (reflect.Value, error) {
		out, err := fn(ctx, in.Interface().(I))
		return reflect.ValueOf(&out).Elem(), err
	}
	register(d)
	return &Task[I, O]{def: d}
}

// NewDynamic makes fn a dynamic task named name. At run time fn receives
// the concrete inputs and builds a workflow with the same functions as
// NewWorkflow (Call, Map, If, Const, ...; workflow values are constants
// here, made with Const), and binds the task's outputs with
// Builder.Return. Options are those of NewTask.
func NewDynamic[I, O any](name string, fn func(ctx context.Context, wf *Builder, in I, out *O) error, opts ...Option) *Dynamic[I, O] {
	d := newTaskDef[I, O](name, caller(), opts)
	if fn == nil && d.err == nil {
		d.err = fmt.Errorf("dynamic task %s: the function is nil", name)
	}
	d.dynamic = func(ctx context.Context, b *Builder, in reflect.Value) error {
		return fn(ctx, b, in.Interface().(I), b.outPtr.(*O))
	}
	register(d)
	return &Dynamic[I, O]{def: d}
}

func newTaskDef[I, O any](name, defined string, opts []Option) *taskDef {
	d := &taskDef{name: name, defined: defined}
	var errs []error
	d.in, d.out, d.s, errs = signature[I, O](name, "a task", taskOptions, opts)
	if d.in != nil && d.out != nil && len(errs) == 0 {
		if err := compiler.ValidateTask(d.template(&corev1.Identifier{Name: name}, defaultTarget())); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		d.err = fmt.Errorf("task %s: %w", name, errors.Join(errs...))
	}
	return d
}

// signature checks what tasks and workflows share: the entity name, the
// input and output structs I and O, and the options (what names the kind
// of entity, allowed the options it takes). It returns every problem.
func signature[I, O any](name, what string, allowed []string, opts []Option) (in, out *ioType, s *settings, errs []error) {
	if err := checkEntityName(name); err != nil {
		errs = append(errs, err)
	}
	var err error
	if in, err = ioTypeOf(reflect.TypeFor[I](), "inputs"); err != nil {
		errs = append(errs, err)
	}
	if out, err = ioTypeOf(reflect.TypeFor[O](), "outputs"); err != nil {
		errs = append(errs, err)
	}
	if s, err = collect(what, allowed, opts); err != nil {
		errs = append(errs, err)
	}
	return in, out, s, errs
}

// checkEntityName accepts the names of tasks, workflows and launch plans:
// 1 to 255 letters, digits, '_', '-' and '.'.
func checkEntityName(name string) error {
	if name == "" || len(name) > 255 {
		return fmt.Errorf("name %q must have 1 to 255 characters", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return fmt.Errorf("name %q: want letters, digits, '_', '-' and '.'", name)
		}
	}
	return nil
}

// Name returns the task's name.
func (t *Task[I, O]) Name() string { return t.def.name }

// Err reports what is wrong with the task's definition, or nil.
func (t *Task[I, O]) Err() error { return t.def.err }

// Name returns the task's name.
func (t *Dynamic[I, O]) Name() string { return t.def.name }

// Err reports what is wrong with the task's definition, or nil.
func (t *Dynamic[I, O]) Err() error { return t.def.err }

// Must panics if v reports an error and returns it otherwise, for
// package-level definitions that should stop the program when wrong:
//
//	var Square = flyte.Must(flyte.NewTask("square", square))
func Must[T interface{ Err() error }](v T) T {
	if err := v.Err(); err != nil {
		panic(err)
	}
	return v
}

// target is how a task is run: the command line of the registered
// container and its image.
type target struct {
	command []string
	image   string
	// dynamicArgs are added to the arguments of dynamic tasks: they need
	// the project, domain and version to name the tasks they generate.
	dynamicArgs []string
}

// defaultTarget is the target used when nothing is registered (local
// runs, validation).
func defaultTarget() target { return target{command: []string{"flyte-task"}} }

// sdkVersion is the version recorded in task metadata.
const sdkVersion = "0.1.0"

// template is the task's TaskTemplate with identifier id.
func (d *taskDef) template(id *corev1.Identifier, tg target) *corev1.TaskTemplate {
	s := d.s
	md := &corev1.TaskMetadata{
		Runtime: &corev1.RuntimeMetadata{Type: corev1.RuntimeMetadata_RUNTIME_TYPE_FLYTE_SDK, Version: sdkVersion, Flavor: "go"},
	}
	if s.cache != nil && *s.cache {
		md.Discoverable = true
		md.DiscoveryVersion = s.cacheVersion
	}
	md.CacheSerializable = s.cacheSerializable
	md.CacheIgnoreInputVars = slices.Clone(s.cacheIgnore)
	if s.retries != nil {
		md.Retries = &corev1.RetryStrategy{Retries: *s.retries}
	}
	if s.timeout != nil {
		md.Timeout = durationpb.New(*s.timeout)
	}
	md.Interruptible = s.interruptible
	if d.dynamic != nil {
		md.Tags = map[string]string{"flyte-go/kind": "dynamic"}
	}
	args := []string{"execute", "--task", d.name,
		"--inputs", "{{.Input}}", "--output-prefix", "{{.OutputPrefix}}", "--raw-output-prefix", "{{.RawOutputPrefix}}"}
	if d.dynamic != nil {
		args = append(args, tg.dynamicArgs...)
	}
	image := tg.image
	if s.image != "" {
		image = s.image
	}
	c := &corev1.Container{
		Image:     image,
		Command:   slices.Clone(tg.command),
		Args:      args,
		Resources: s.resources(),
		Env:       s.env,
	}
	t := &corev1.TaskTemplate{
		Id:        withType(id, corev1.ResourceType_RESOURCE_TYPE_TASK),
		Type:      "container",
		Metadata:  md,
		Interface: &corev1.TypedInterface{Inputs: d.in.vars, Outputs: d.out.vars},
		Target:    &corev1.TaskTemplate_Container{Container: c},
	}
	if len(s.secrets) > 0 {
		sc := &corev1.SecurityContext{}
		for _, sec := range s.secrets {
			ps := &corev1.Secret{Group: sec.Group, Key: sec.Key, EnvVar: sec.EnvVar}
			if sec.EnvVar != "" {
				ps.MountRequirement = corev1.Secret_MOUNT_TYPE_ENV_VAR
			}
			sc.Secrets = append(sc.Secrets, ps)
		}
		t.SecurityContext = sc
	}
	// The template shares the task's types; callers may change what they
	// get.
	return proto.Clone(t).(*corev1.TaskTemplate)
}

// withType returns a copy of id with resource type rt.
func withType(id *corev1.Identifier, rt corev1.ResourceType) *corev1.Identifier {
	return &corev1.Identifier{ResourceType: rt, Project: id.GetProject(), Domain: id.GetDomain(), Name: id.GetName(), Version: id.GetVersion()}
}

type taskDirKey struct{}

// taskDir is an attempt's private directory, made when first asked for:
// most tasks never need one, and creating it costs more than a short task.
type taskDir struct {
	path string
	once sync.Once
	made bool
}

// TaskDir returns a directory private to the running task attempt, for
// the files and directories the task outputs and any scratch data. It is
// made on the first call and removed after the attempt's outputs are
// uploaded. Outside a task (no attempt in ctx) it returns os.TempDir().
func TaskDir(ctx context.Context) string {
	d, ok := ctx.Value(taskDirKey{}).(*taskDir)
	if !ok {
		return os.TempDir()
	}
	d.once.Do(func() {
		// A failure shows when the task writes there, with the path.
		d.made = os.MkdirAll(d.path, 0o755) == nil
	})
	return d.path
}

// withTaskDir returns a context whose TaskDir is <parent>/task, and a
// function that removes that directory if it was made.
func withTaskDir(ctx context.Context, parent string) (context.Context, func()) {
	d := &taskDir{path: filepath.Join(parent, "task")}
	return context.WithValue(ctx, taskDirKey{}, d), func() {
		d.once.Do(func() {}) // no directory after this point
		if d.made {
			_ = os.RemoveAll(d.path)
		}
	}
}
