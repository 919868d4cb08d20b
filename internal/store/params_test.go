package store

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParamsValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	id := EntityID{Project: "p", Domain: "d", Name: "n", Version: "v"}
	tests := []struct {
		name      string
		params    interface{ Validate() error }
		wantParam string // empty: valid
	}{
		{name: "project ok", params: &ProjectCreateParams{ID: "p", Now: now}},
		{name: "project without id", params: &ProjectCreateParams{Now: now}, wantParam: "id"},
		{name: "project without now", params: &ProjectCreateParams{ID: "p"}, wantParam: "now"},
		{name: "project bad state", params: &ProjectUpdateParams{ID: "p", State: 9, Now: now}, wantParam: "state"},
		{name: "project empty label key", params: &ProjectUpdateParams{ID: "p", Labels: map[string]string{"": "x"}, Now: now}, wantParam: "labels"},
		{name: "task ok", params: &EntityCreateParams{Kind: KindTask, ID: id, Digest: []byte{1}, Now: now}},
		{name: "unknown kind", params: &EntityCreateParams{Kind: 0, ID: id, Digest: []byte{1}, Now: now}, wantParam: "kind"},
		{name: "missing version", params: &EntityCreateParams{Kind: KindTask, ID: EntityID{Project: "p", Domain: "d", Name: "n"}, Digest: []byte{1}, Now: now}, wantParam: "id.version"},
		{name: "missing domain", params: &EntityGetParams{Kind: KindTask, ID: EntityID{Project: "p", Name: "n", Version: "v"}}, wantParam: "id.domain"},
		{name: "missing digest", params: &EntityCreateParams{Kind: KindTask, ID: id, Now: now}, wantParam: "digest"},
		{name: "task with workflow", params: &EntityCreateParams{Kind: KindTask, ID: id, Digest: []byte{1}, WorkflowName: "w", Now: now}, wantParam: "workflow_name"},
		{name: "workflow with schedule", params: &EntityCreateParams{Kind: KindWorkflow, ID: id, Digest: []byte{1}, Schedule: []byte{1}, Now: now}, wantParam: "schedule"},
		{name: "launch plan without workflow", params: &EntityCreateParams{Kind: KindLaunchPlan, ID: id, Digest: []byte{1}, Now: now}, wantParam: "workflow_name"},
		{name: "launch plan without workflow version", params: &EntityCreateParams{Kind: KindLaunchPlan, ID: id, Digest: []byte{1}, WorkflowName: "w", Now: now}, wantParam: "workflow_version"},
		{name: "launch plan ok", params: &EntityCreateParams{Kind: KindLaunchPlan, ID: id, Digest: []byte{1}, WorkflowName: "w", WorkflowVersion: "v", Now: now}},
		{name: "set state bad", params: &LaunchPlanSetStateParams{ID: id, State: 2, Now: now}, wantParam: "state"},
		{name: "get active needs name", params: &LaunchPlanGetActiveParams{ID: NamedEntityID{Project: "p", Domain: "d"}}, wantParam: "id.name"},
		{name: "named entity bad state", params: &NamedEntityUpsertParams{Kind: KindTask, ID: id.NamedEntityID(), State: 5, Now: now}, wantParam: "state"},
		{name: "attributes domain only", params: &AttributesGetParams{Key: AttributesKey{Domain: "d"}}},
		{name: "attributes need project or domain", params: &AttributesGetParams{Key: AttributesKey{}}, wantParam: "project"},
		{name: "workflow attributes need domain", params: &AttributesDeleteParams{Key: AttributesKey{Project: "p", Workflow: "w"}}, wantParam: "domain"},
		{name: "negative resource type", params: &AttributesUpsertParams{Key: AttributesKey{ResourceType: -1, Project: "p"}, Now: now}, wantParam: "resource_type"},
		{name: "list negative resource type", params: &AttributesListParams{ResourceType: -2}, wantParam: "resource_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.params.Validate()
			if tt.wantParam == "" {
				require.NoError(t, err)
				return
			}
			var pe *ParamError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, tt.wantParam, pe.Param)
			require.ErrorIs(t, err, ErrInvalidArgument)
		})
	}
}

func TestTimestamp(t *testing.T) {
	t.Parallel()
	in := time.Date(2024, 3, 4, 5, 6, 7, 891234567, time.FixedZone("x", 3600))
	got := Timestamp(in)
	require.Equal(t, time.UTC, got.Location())
	require.True(t, got.Equal(time.Date(2024, 3, 4, 4, 6, 7, 891234000, time.UTC)), got)
}
