package compiler

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func TestValidateTask(t *testing.T) {
	t.Parallel()
	// mod returns a valid task changed by f.
	mod := func(f func(*corev1.TaskTemplate)) *corev1.TaskTemplate {
		tk := task("t", vars{"a", tInt, "b", tStr}, vars{"o", tInt})
		f(tk)
		return tk
	}
	res := func(entries ...*corev1.Resources_ResourceEntry) []*corev1.Resources_ResourceEntry { return entries }
	cpu := func(v string) *corev1.Resources_ResourceEntry {
		return &corev1.Resources_ResourceEntry{Name: corev1.Resources_RESOURCE_NAME_CPU, Value: v}
	}
	tests := []struct {
		name string
		t    *corev1.TaskTemplate
		want []want
	}{
		{name: "valid container task", t: mod(func(*corev1.TaskTemplate) {})},
		{name: "valid echo task without target", t: mod(func(tk *corev1.TaskTemplate) { tk.Type, tk.Target = "echo", nil })},
		{name: "valid cached task with resources", t: mod(func(tk *corev1.TaskTemplate) {
			tk.Metadata = &corev1.TaskMetadata{Discoverable: true, DiscoveryVersion: "1", CacheSerializable: true,
				CacheIgnoreInputVars: []string{"b"}, Timeout: durationpb.New(time.Minute)}
			tk.GetContainer().Resources = &corev1.Resources{
				Requests: res(cpu("500m"), &corev1.Resources_ResourceEntry{Name: corev1.Resources_RESOURCE_NAME_MEMORY, Value: "256Mi"}),
				Limits:   res(cpu("1"), &corev1.Resources_ResourceEntry{Name: corev1.Resources_RESOURCE_NAME_MEMORY, Value: "1Gi"}),
			}
			tk.GetContainer().Env = []*corev1.KeyValuePair{{Key: "A", Value: "1"}}
		})},
		{name: "nil", t: nil, want: []want{{code: CodeInvalidTask, msg: "task template is missing"}}},
		{name: "no id and no type", t: mod(func(tk *corev1.TaskTemplate) { tk.Id, tk.Type = nil, " " }), want: []want{
			{v: "id", code: CodeInvalidTask, msg: "task id is missing"},
			{v: "type", code: CodeInvalidTask, msg: "task type is empty"},
		}},
		{name: "wrong resource type", t: mod(func(tk *corev1.TaskTemplate) { tk.Id = wfID("t") }), want: []want{
			{v: "id.resource_type", code: CodeInvalidTask, msg: "want TASK"},
		}},
		{name: "bad interface", t: mod(func(tk *corev1.TaskTemplate) {
			tk.Interface = iface(vars{"a b", tInt, "c", tList(nil)}, vars{"", tInt})
		}), want: []want{
			{v: "inputs.a b", code: CodeInvalidInterface, msg: "contains a space"},
			{v: "inputs.c", code: CodeInvalidInterface, msg: "list element type is missing"},
			{v: "outputs.", code: CodeInvalidInterface, msg: "variable name is empty"},
		}},
		{name: "cache settings", t: mod(func(tk *corev1.TaskTemplate) {
			tk.Metadata = &corev1.TaskMetadata{Discoverable: true, CacheIgnoreInputVars: []string{"zz"}, Timeout: durationpb.New(-time.Second)}
		}), want: []want{
			{v: "metadata.discovery_version", code: CodeInvalidTask, msg: "needs a cache version"},
			{v: "metadata.cache_ignore_input_vars", code: CodeInvalidTask, msg: `"zz" is not an input`},
			{v: "metadata.timeout", code: CodeInvalidTask, msg: "zero or more"},
		}},
		{name: "serializable without cache", t: mod(func(tk *corev1.TaskTemplate) {
			tk.Metadata = &corev1.TaskMetadata{CacheSerializable: true}
		}), want: []want{{v: "metadata.cache_serializable", code: CodeInvalidTask, msg: "needs the task to be cached"}}},
		{name: "resources", t: mod(func(tk *corev1.TaskTemplate) {
			tk.GetContainer().Resources = &corev1.Resources{
				Requests: res(cpu("2"), cpu("3"), &corev1.Resources_ResourceEntry{Value: "1"}, &corev1.Resources_ResourceEntry{Name: corev1.Resources_RESOURCE_NAME_MEMORY, Value: "-1Gi"}),
				Limits:   res(cpu("1")),
			}
		}), want: []want{
			{v: "container.resources.requests[1]", code: CodeInvalidTask, msg: "listed twice"},
			{v: "container.resources.requests[2]", code: CodeInvalidTask, msg: "unspecified or unknown"},
			{v: "container.resources.requests[3]", code: CodeInvalidTask, msg: `quantity "-1Gi"`},
			{v: "container.resources.requests", code: CodeInvalidTask, msg: "request for RESOURCE_NAME_CPU is above its limit"},
		}},
		{name: "environment", t: mod(func(tk *corev1.TaskTemplate) {
			tk.GetContainer().Env = []*corev1.KeyValuePair{{Key: "A"}, {Key: "A"}, {Key: ""}, {Key: "B=C"}}
		}), want: []want{
			{v: "container.env[1]", code: CodeInvalidTask, msg: `"A" is set twice`},
			{v: "container.env[2]", code: CodeInvalidTask, msg: "empty or contains"},
			{v: "container.env[3]", code: CodeInvalidTask, msg: "empty or contains"},
		}},
		{name: "pod without spec", t: mod(func(tk *corev1.TaskTemplate) {
			tk.Target = &corev1.TaskTemplate_K8SPod{K8SPod: &corev1.K8SPod{}}
		}), want: []want{
			{v: "k8s_pod.pod_spec", code: CodeInvalidTask, msg: "pod spec is missing"},
			{v: "k8s_pod.primary_container_name", code: CodeInvalidTask, msg: "primary container name is empty"},
		}},
		{name: "valid pod", t: mod(func(tk *corev1.TaskTemplate) {
			tk.Target = &corev1.TaskTemplate_K8SPod{K8SPod: &corev1.K8SPod{PodSpec: &structpb.Struct{}, PrimaryContainerName: "main"}}
		})},
		{name: "sql without statement", t: mod(func(tk *corev1.TaskTemplate) {
			tk.Target = &corev1.TaskTemplate_Sql{Sql: &corev1.Sql{}}
		}), want: []want{{v: "sql.statement", code: CodeInvalidTask, msg: "SQL statement is empty"}}},
		{name: "secret without group", t: mod(func(tk *corev1.TaskTemplate) {
			tk.SecurityContext = &corev1.SecurityContext{Secrets: []*corev1.Secret{{Key: "k"}}}
		}), want: []want{{v: "security_context.secrets[0].group", code: CodeInvalidTask, msg: "secret group is empty"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkProblems(t, ValidateTask(tt.t), tt.want)
		})
	}
}

func TestParseQuantity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{"1", 1, false},
		{"500m", 0.5, false},
		{"1.5", 1.5, false},
		{".5", 0.5, false},
		{"2k", 2000, false},
		{"256Mi", 256 << 20, false},
		{"1Gi", 1 << 30, false},
		{"1G", 1e9, false},
		{"1e3", 1000, false},
		{"2E2", 200, false},
		{"1E", 1e18, false},
		{"", 0, true},
		{"-1", 0, true},
		{"1 Gi", 0, true},
		{"1gi", 0, true},
		{"abc", 0, true},
		{"1.2.3", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseQuantity(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.InDelta(t, tt.want, got, 1e-9*tt.want)
		})
	}
}
