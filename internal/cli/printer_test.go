package cli

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func TestEnumName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   protoreflect.Enum
		want string
	}{
		{adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE, "ACTIVE"},
		{adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_INACTIVE, "INACTIVE"},
		{adminv1.Project_PROJECT_STATE_ARCHIVED, "ARCHIVED"},
		{adminv1.MatchableResource_MATCHABLE_RESOURCE_QUALITY_OF_SERVICE_SPECIFICATION, "QUALITY_OF_SERVICE_SPECIFICATION"},
		{corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, "LAUNCH_PLAN"},
		{corev1.QualityOfService_TIER_HIGH, "HIGH"},
		{adminv1.Sort_DIRECTION_ASCENDING, "ASCENDING"},
		{adminv1.FixedRateUnit_FIXED_RATE_UNIT_DAY, "DAY"},
		{adminv1.LaunchPlanState(42), "42"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, enumName(tc.in), "%v", tc.in)
	}
}

func TestParseEnum(t *testing.T) {
	t.Parallel()
	d := adminv1.LaunchPlanState(0).Descriptor()
	tests := []struct {
		in      string
		want    protoreflect.EnumNumber
		wantErr string
	}{
		{in: "active", want: 1},
		{in: "ACTIVE", want: 1},
		{in: " Inactive ", want: 0},
		{in: "LAUNCH_PLAN_STATE_ACTIVE", want: 1},
		{in: "launch-plan-state-active", want: 1},
		{in: "", wantErr: `state "": want one of inactive, active`},
		{in: "on", wantErr: `state "on": want one of inactive, active`},
		{in: "LAUNCH_PLAN_STATE_", wantErr: `state "LAUNCH_PLAN_STATE_": want one of inactive, active`},
	}
	for _, tc := range tests {
		got, err := parseEnum(d, "state", tc.in)
		if tc.wantErr != "" {
			require.EqualError(t, err, tc.wantErr)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}

func TestParseFormat(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]format{"table": formatTable, "JSON": formatJSON, " yaml ": formatYAML} {
		got, err := parseFormat(in)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	_, err := parseFormat("wide")
	require.EqualError(t, err, `-o/--output "wide": want table, json or yaml`)
}

func TestWriteTable(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, writeTable(&buf, table{
		header: []string{"A", "LONGER"},
		rows:   [][]string{{"x\ty", ""}, {"multi\nline", "v"}},
	}))
	want := "" +
		"A           LONGER\n" +
		"x y         -\n" +
		"multi line  v\n"
	if d := cmp.Diff(want, buf.String()); d != "" {
		t.Fatal(d)
	}
}

func TestFormatSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   *adminv1.Schedule
		want string
	}{
		{nil, ""},
		{&adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_CronSchedule{CronSchedule: &adminv1.CronSchedule{Schedule: "@hourly"}}}, "cron(@hourly)"},
		{&adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_Rate{Rate: &adminv1.FixedRate{Value: 1, Unit: adminv1.FixedRateUnit_FIXED_RATE_UNIT_DAY}}}, "every 1 day"},
		{&adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_Rate{Rate: &adminv1.FixedRate{Value: 3, Unit: adminv1.FixedRateUnit_FIXED_RATE_UNIT_HOUR}}}, "every 3 hours"},
	}
	for _, tc := range tests {
		require.Equal(t, tc.want, formatSchedule(tc.in))
	}
}
