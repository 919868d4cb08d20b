package admin

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func baseSpec() *adminv1.TaskSpec {
	return &adminv1.TaskSpec{
		Template: &corev1.TaskTemplate{
			Id:   &corev1.Identifier{ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "p", Domain: "d", Name: "t", Version: "v1"},
			Type: "container",
			Target: &corev1.TaskTemplate_Container{Container: &corev1.Container{
				Image: "a:1", Args: []string{"x", "y"},
				Env: []*corev1.KeyValuePair{{Key: "A", Value: "1"}},
			}},
			Config: map[string]string{"k": "v"},
		},
		Description: &adminv1.Description{ShortDescription: "short"},
	}
}

func TestDiffMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(s *adminv1.TaskSpec)
		limit int
		want  []string
		total int
	}{
		{name: "identical", edit: func(*adminv1.TaskSpec) {}},
		{
			name: "scalar string",
			edit: func(s *adminv1.TaskSpec) { s.Template.GetContainer().Image = "a:2" },
			want: []string{`template.container.image: "a:1" != "a:2"`},
		},
		{
			name: "enum by name",
			edit: func(s *adminv1.TaskSpec) { s.Template.Id.ResourceType = corev1.ResourceType_RESOURCE_TYPE_WORKFLOW },
			want: []string{"template.id.resource_type: RESOURCE_TYPE_TASK != RESOURCE_TYPE_WORKFLOW"},
		},
		{
			name: "list element changed, added",
			edit: func(s *adminv1.TaskSpec) { s.Template.GetContainer().Args = []string{"x", "z", "w"} },
			want: []string{`template.container.args[1]: "y" != "z"`, `template.container.args[2]: <absent> != "w"`},
		},
		{
			name: "list element removed",
			edit: func(s *adminv1.TaskSpec) { s.Template.GetContainer().Args = []string{"x"} },
			want: []string{`template.container.args[1]: "y" != <absent>`},
		},
		{
			name: "message in a list",
			edit: func(s *adminv1.TaskSpec) { s.Template.GetContainer().Env[0].Value = "2" },
			want: []string{`template.container.env[0].value: "1" != "2"`},
		},
		{
			name: "message added to a list",
			edit: func(s *adminv1.TaskSpec) {
				c := s.Template.GetContainer()
				c.Env = append(c.Env, &corev1.KeyValuePair{Key: "B"})
			},
			want: []string{"template.container.env[1]: <absent> != KeyValuePair{...}"},
		},
		{
			name: "map entries",
			edit: func(s *adminv1.TaskSpec) { s.Template.Config = map[string]string{"k": "w", "new": "1"} },
			want: []string{`template.config["k"]: "v" != "w"`, `template.config["new"]: <absent> != "1"`},
		},
		{
			name: "message set with leaves",
			edit: func(s *adminv1.TaskSpec) {
				s.Template.Metadata = &corev1.TaskMetadata{Retries: &corev1.RetryStrategy{Retries: 3}, Timeout: durationpb.New(0)}
			},
			want: []string{"template.metadata.timeout: <unset> != {}", "template.metadata.retries.retries: 0 != 3"},
		},
		{
			name: "empty message set",
			edit: func(s *adminv1.TaskSpec) { s.Template.Metadata = &corev1.TaskMetadata{} },
			want: []string{"template.metadata: <unset> != {}"},
		},
		{
			name: "message unset",
			edit: func(s *adminv1.TaskSpec) { s.Description = nil },
			want: []string{`description.short_description: "short" != ""`},
		},
		{
			name: "oneof switched",
			edit: func(s *adminv1.TaskSpec) {
				s.Template.Target = &corev1.TaskTemplate_Sql{Sql: &corev1.Sql{Statement: "select 1"}}
			},
			want: []string{"template.container: Container{...} != <unset>", "template.sql: <unset> != Sql{...}"},
		},
		{
			name: "optional scalar presence",
			edit: func(s *adminv1.TaskSpec) {
				s.Template.Metadata = &corev1.TaskMetadata{Interruptible: proto.Bool(false)}
			},
			want: []string{"template.metadata.interruptible: <unset> != false"},
		},
		{
			name: "struct values",
			edit: func(s *adminv1.TaskSpec) {
				s.Template.Custom, _ = structpb.NewStruct(map[string]any{"n": 1.5})
			},
			want: []string{`template.custom.fields["n"]: <absent> != Value{...}`},
		},
		{
			name: "bounded",
			edit: func(s *adminv1.TaskSpec) {
				s.Template.Type = "python"
				s.Template.GetContainer().Image = "b"
				s.Template.GetContainer().Args = nil
			},
			limit: 2,
			want:  []string{`template.type: "container" != "python"`, `template.container.image: "a:1" != "b"`},
			total: 4,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := baseSpec()
			tt.edit(b)
			limit := tt.limit
			if limit == 0 {
				limit = 10
			}
			diffs, total := diffMessages(baseSpec(), b, limit)
			var got []string
			for _, d := range diffs {
				got = append(got, d.String())
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Fatalf("diffs (-want +got):\n%s", d)
			}
			wantTotal := tt.total
			if wantTotal == 0 {
				wantTotal = len(tt.want)
			}
			if total != wantTotal {
				t.Fatalf("total = %d, want %d", total, wantTotal)
			}
		})
	}
}

func TestDiffMessagesOfDifferentTypes(t *testing.T) {
	t.Parallel()
	diffs, total := diffMessages(&adminv1.TaskSpec{}, &adminv1.WorkflowSpec{}, 5)
	if total != 1 || len(diffs) != 1 || diffs[0].String() != "(message): flyte.admin.v1.TaskSpec != flyte.admin.v1.WorkflowSpec" {
		t.Fatalf("got %v (total %d)", diffs, total)
	}
}
