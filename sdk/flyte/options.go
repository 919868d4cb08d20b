package flyte

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

// Option configures a task, a node, a workflow or a launch plan. Each
// option says in its documentation what it applies to; giving one where it
// does not apply is an error naming both (for example "task square: option
// Parallelism does not apply to a task").
type Option struct {
	name  string
	apply func(*settings)
}

// settings is what options set. The zero value is "nothing set".
type settings struct {
	given []string

	retries           *uint32
	timeout           *time.Duration
	cache             *bool
	cacheVersion      string
	cacheSerializable bool
	cacheIgnore       []string
	requests, limits  *Res
	image             string
	secrets           []Secret
	env               []*corev1.KeyValuePair
	interruptible     *bool
	description       string

	id, displayName string
	parallelism     *uint32
	minRatio        *float32
	minSuccesses    *uint32

	failAfterExecutable bool

	defaults, fixed []lpValues
	schedule        *adminv1.Schedule
	kickoff         string
	notifications   []*adminv1.Notification
	labels          map[string]string
	annotations     map[string]string
	maxParallelism  int32
}

// lpValues is a Defaults or Fixed option: a function binding fields of the
// workflow's input struct (of type in) to constants.
type lpValues struct {
	in   reflect.Type
	bind func(ptr any) []Binding
}

// Option kinds, by what they apply to.
var (
	taskOptions = []string{"Retries", "Timeout", "Cache", "CacheSerializable", "CacheIgnore", "Resources", "Limits",
		"Image", "Secrets", "Env", "Interruptible", "Description"}
	nodeOptions     = []string{"ID", "Name", "Retries", "Timeout", "Cache", "CacheSerializable", "Resources", "Limits", "Image", "Interruptible"}
	mapOptions      = append(slices.Clone(nodeOptions), "Parallelism", "MinSuccessRatio", "MinSuccesses")
	subNodeOptions  = []string{"ID", "Name"}
	workflowOptions = []string{"Description", "FailAfterExecutableNodes", "Interruptible", "Defaults"}
	lpOptions       = []string{"Defaults", "Fixed", "Cron", "FixedRate", "KickoffInput", "Notify", "Labels", "Annotations",
		"MaxParallelism", "Interruptible"}
)

// collect applies opts and returns the settings, or an error naming every
// option that is not among allowed, for a thing described by what.
func collect(what string, allowed []string, opts []Option) (*settings, error) {
	s := &settings{}
	var bad []string
	for _, o := range opts {
		if o.apply == nil {
			bad = append(bad, "the zero Option")
			continue
		}
		if !slices.Contains(allowed, o.name) {
			bad = append(bad, o.name)
			continue
		}
		o.apply(s)
		s.given = append(s.given, o.name)
	}
	if len(bad) > 0 {
		return s, fmt.Errorf("option %s does not apply to %s (options: %s)", strings.Join(bad, ", "), what, strings.Join(allowed, ", "))
	}
	return s, nil
}

func (s *settings) has(name string) bool { return slices.Contains(s.given, name) }

// Retries sets how many times a failed attempt is retried after a
// recoverable error (so Retries(2) means up to 3 attempts). Tasks and nodes.
func Retries(n uint32) Option {
	return Option{"Retries", func(s *settings) { s.retries = &n }}
}

// Timeout limits each attempt. Tasks and nodes.
func Timeout(d time.Duration) Option {
	return Option{"Timeout", func(s *settings) { s.timeout = &d }}
}

// Cache memoizes the outputs of a task by its inputs under the given cache
// version; change the version to invalidate what was cached. Tasks and
// nodes (on a node it overrides the task's setting).
func Cache(version string) Option {
	return Option{"Cache", func(s *settings) { on := true; s.cache = &on; s.cacheVersion = version }}
}

// CacheSerializable makes concurrent runs with the same inputs wait for one
// of them to fill the cache. Needs Cache. Tasks and nodes.
func CacheSerializable() Option {
	return Option{"CacheSerializable", func(s *settings) { s.cacheSerializable = true }}
}

// CacheIgnore leaves the named inputs out of the cache key. Tasks.
func CacheIgnore(inputs ...string) Option {
	return Option{"CacheIgnore", func(s *settings) { s.cacheIgnore = append(s.cacheIgnore, inputs...) }}
}

// Res is an amount of compute resources as Kubernetes quantities
// ("500m", "2", "512Mi", "1Gi"); empty fields are not set.
type Res struct {
	CPU, Memory, GPU, Storage, EphemeralStorage string
}

func (r Res) entries() []*corev1.Resources_ResourceEntry {
	var out []*corev1.Resources_ResourceEntry
	add := func(n corev1.Resources_ResourceName, v string) {
		if v != "" {
			out = append(out, &corev1.Resources_ResourceEntry{Name: n, Value: v})
		}
	}
	add(corev1.Resources_RESOURCE_NAME_CPU, r.CPU)
	add(corev1.Resources_RESOURCE_NAME_GPU, r.GPU)
	add(corev1.Resources_RESOURCE_NAME_MEMORY, r.Memory)
	add(corev1.Resources_RESOURCE_NAME_STORAGE, r.Storage)
	add(corev1.Resources_RESOURCE_NAME_EPHEMERAL_STORAGE, r.EphemeralStorage)
	return out
}

// Resources sets the resources a task requests. Tasks and nodes.
func Resources(r Res) Option {
	return Option{"Resources", func(s *settings) { s.requests = &r }}
}

// Limits sets the most resources a task may use. Tasks and nodes.
func Limits(r Res) Option {
	return Option{"Limits", func(s *settings) { s.limits = &r }}
}

func (s *settings) resources() *corev1.Resources {
	if s.requests == nil && s.limits == nil {
		return nil
	}
	r := &corev1.Resources{}
	if s.requests != nil {
		r.Requests = s.requests.entries()
	}
	if s.limits != nil {
		r.Limits = s.limits.entries()
	}
	return r
}

// Image sets the container image a task runs in on Kubernetes (local runs
// ignore it). It overrides the --image of register. Tasks and nodes.
func Image(ref string) Option {
	return Option{"Image", func(s *settings) { s.image = ref }}
}

// Secret names a secret a task needs at run time; its value never appears
// in logs or events. Group is required; Key selects one key of the group.
type Secret struct {
	Group, Key string
	// EnvVar, when set, asks for the secret as this environment variable.
	EnvVar string
}

// Secrets declares the secrets a task needs. Tasks.
func Secrets(secrets ...Secret) Option {
	return Option{"Secrets", func(s *settings) { s.secrets = append(s.secrets, secrets...) }}
}

// Env sets an environment variable of the task's process. Tasks.
func Env(name, value string) Option {
	return Option{"Env", func(s *settings) { s.env = append(s.env, &corev1.KeyValuePair{Key: name, Value: value}) }}
}

// Interruptible says whether a task may run on preemptible (spot)
// capacity. Tasks, nodes, workflows (the default of their nodes) and
// launch plans.
func Interruptible(on bool) Option {
	return Option{"Interruptible", func(s *settings) { s.interruptible = &on }}
}

// Description documents a task or workflow; its first line is the short
// description.
func Description(text string) Option {
	return Option{"Description", func(s *settings) { s.description = text }}
}

// ID sets the id of a node (letters, digits, '-' and '_', at most 63
// characters, unique in the workflow). Without it a node is named after
// what it runs, with a number when that name is taken. Nodes.
func ID(id string) Option {
	return Option{"ID", func(s *settings) { s.id = id }}
}

// Name sets the display name of a node. Nodes.
func Name(name string) Option {
	return Option{"Name", func(s *settings) { s.displayName = name }}
}

// Parallelism limits how many elements of a Map run at once. Map nodes.
func Parallelism(n uint32) Option {
	return Option{"Parallelism", func(s *settings) { s.parallelism = &n }}
}

// MinSuccessRatio lets a Map node succeed when at least this fraction (0
// to 1) of its elements succeed; the outputs of failed elements are none,
// so read them with MapOutOptional. Map nodes.
func MinSuccessRatio(r float32) Option {
	return Option{"MinSuccessRatio", func(s *settings) { s.minRatio = &r }}
}

// MinSuccesses lets a Map node succeed when at least n elements succeed;
// see MinSuccessRatio. Map nodes.
func MinSuccesses(n uint32) Option {
	return Option{"MinSuccesses", func(s *settings) { s.minSuccesses = &n }}
}

// FailAfterExecutableNodes lets the nodes that do not depend on a failed
// node finish before the workflow fails (the default fails at once and
// aborts running nodes). Workflows.
func FailAfterExecutableNodes() Option {
	return Option{"FailAfterExecutableNodes", func(s *settings) { s.failAfterExecutable = true }}
}
