package admin

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
)

func TestCheckCron(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr string
		want string // substring of the error, empty when valid
	}{
		{"0 * * * *", ""},
		{"*/5 9-17 * * MON-FRI", ""},
		{"0 0 1 jan *", ""},
		{"@hourly", ""},
		{"@daily", ""},
		{"@weekly", ""},
		{"@monthly", ""},
		{"@yearly", ""},
		{"@annually", ""},
		{"@every 10m", ""},
		{"  0 * * * *  ", ""},
		{"", "is empty"},
		{"* * * *", "not a valid cron expression"},
		{"0 0 * * * *", "not a valid cron expression"},
		{"60 * * * *", "not a valid cron expression"},
		{"* 24 * * *", "not a valid cron expression"},
		{"@often", "not a valid cron expression"},
		{"TZ=UTC 0 * * * *", "time zones are not supported"},
		{"CRON_TZ=Asia/Tokyo 0 * * * *", "time zones are not supported"},
	}
	for _, tt := range tests {
		got := errString(checkCron(tt.expr))
		if tt.want == "" {
			require.Empty(t, got, "cron %q", tt.expr)
		} else {
			require.Contains(t, got, tt.want, "cron %q", tt.expr)
		}
	}
}

func TestCheckISODuration(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"PT5M", "P1D", "P1DT2H30M", "PT0.5S", "P2W", "-PT1H", "P1Y2M3DT4H5M6S"} {
		require.NoError(t, checkISODuration(ok), ok)
	}
	for _, bad := range []string{"", "P", "PT", "5m", "P1H", "PT1D", "P1DT", "1 day"} {
		require.Error(t, checkISODuration(bad), bad)
	}
}

func TestCheckSchedule(t *testing.T) {
	t.Parallel()
	dt := &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_DATETIME}}
	intType := &corev1.LiteralType{Type: &corev1.LiteralType_Simple{Simple: corev1.SimpleType_SIMPLE_TYPE_INTEGER}}
	expected := &corev1.ParameterMap{Parameters: map[string]*corev1.Parameter{
		"when":  {Var: &corev1.Variable{Type: dt}, Behavior: &corev1.Parameter_Required{Required: true}},
		"n":     {Var: &corev1.Variable{Type: intType}, Behavior: &corev1.Parameter_Required{Required: true}},
		"other": {Var: &corev1.Variable{Type: dt}, Behavior: &corev1.Parameter_Required{Required: true}},
	}}
	cron := func(expr, kickoff string) *adminv1.Schedule {
		return &adminv1.Schedule{KickoffTimeInputArg: kickoff, ScheduleExpression: &adminv1.Schedule_CronSchedule{
			CronSchedule: &adminv1.CronSchedule{Schedule: expr},
		}}
	}
	err := checkSchedule("s", cron("@hourly", "when"), expected)
	require.EqualError(t, err, `s: input "n" is required and has no default, so a scheduled run cannot start; give it a default or a fixed value; `+
		`s: input "other" is required and has no default, so a scheduled run cannot start; give it a default or a fixed value`)
	err = checkSchedule("s", cron("bad", "n"), expected)
	require.ErrorContains(t, err, `s.cron_schedule.schedule: "bad" is not a valid cron expression`)
	require.ErrorContains(t, err, `s.kickoff_time_input_arg: input "n" must be a datetime to receive the kickoff time, it is`)
	require.ErrorContains(t, err, `input "when" is required`)
}

// FuzzCheckSchedule feeds arbitrary cron expressions and offsets to the
// schedule validation: it must never panic, and whatever it accepts the
// cron parser accepts too.
func FuzzCheckSchedule(f *testing.F) {
	for _, seed := range []struct{ expr, offset string }{
		{"0 * * * *", ""}, {"@every 1h", "PT5M"}, {"*/5 1-3 * JAN MON", "P1D"}, {"CRON_TZ=UTC @daily", ""},
		{"", "P"}, {"@every", "-PT0.5S"}, {"0 0 31 2 *", "P1Y2M3DT4H5M6S"},
	} {
		f.Add(seed.expr, seed.offset)
	}
	f.Fuzz(func(t *testing.T, expr, offset string) {
		s := &adminv1.Schedule{ScheduleExpression: &adminv1.Schedule_CronSchedule{
			CronSchedule: &adminv1.CronSchedule{Schedule: expr, Offset: offset},
		}}
		err := checkSchedule("s", s, nil)
		if err == nil {
			if _, perr := cronParser.Parse(strings.TrimSpace(expr)); perr != nil {
				t.Fatalf("accepted %q which the parser rejects: %v", expr, perr)
			}
		}
	})
}
