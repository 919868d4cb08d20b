package flyte_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/sdk/flyte"
)

// Everything the builder can make, in one registration: the server
// compiles it, so what the SDK serialises is what the platform runs.

type row struct {
	Name  string
	Score float64
	At    time.Time
	Tags  []string
}

type allIn struct {
	Rows     []row
	Level    level
	Note     *string
	Deadline time.Time
	Wait     time.Duration
	Doc      flyte.File
}

type allOut struct {
	Best  float64
	Count int
	Notes []string
}

var scoreTask = flyte.NewTask("reg_score", func(_ context.Context, in struct{ Row row }) (struct{ Score float64 }, error) {
	return struct{ Score float64 }{in.Row.Score}, nil
}, flyte.Retries(3), flyte.Timeout(time.Minute), flyte.Cache("v2"), flyte.CacheSerializable(), flyte.CacheIgnore("row"),
	flyte.Resources(flyte.Res{CPU: "500m", Memory: "256Mi"}), flyte.Limits(flyte.Res{CPU: "1", Memory: "512Mi"}),
	flyte.Image("ghcr.io/me/score:v1"), flyte.Secrets(flyte.Secret{Group: "db", Key: "password", EnvVar: "DB_PASSWORD"}),
	flyte.Env("MODE", "fast"), flyte.Interruptible(true), flyte.Description("Scores a row.\nLonger text."))

var bestTask = flyte.NewTask("reg_best", func(_ context.Context, in struct {
	Scores []*float64
	Floor  float64
}) (struct{ Best float64 }, error) {
	b := in.Floor
	for _, s := range in.Scores {
		if s != nil && *s > b {
			b = *s
		}
	}
	return struct{ Best float64 }{b}, nil
})

type noteIn struct {
	Text  string
	Level level
	When  *time.Time
}

var noteTask = flyte.NewTask("reg_note", func(_ context.Context, in noteIn) (struct{ Notes []string }, error) {
	return struct{ Notes []string }{[]string{in.Text}}, nil
})

var reportFailure = flyte.NewTask("reg_on_failure", func(_ context.Context, in struct {
	Err  flyte.FailedNode
	Note *string
}) (flyte.None, error) {
	return flyte.None{}, nil
})

var kitchenSink = flyte.NewWorkflow("reg_kitchen_sink", func(wf *flyte.Builder, in *allIn, out *allOut) error {
	rows := flyte.Input(wf, &in.Rows)
	scores := flyte.Map(wf, scoreTask, func(i *struct{ Row row }) []flyte.Binding { return flyte.Bindings(flyte.Each(&i.Row, rows)) },
		flyte.Parallelism(8), flyte.MinSuccessRatio(0.5), flyte.Retries(1), flyte.Name("score rows"))
	best := flyte.Call(wf, bestTask, func(i *struct {
		Scores []*float64
		Floor  float64
	}) []flyte.Binding {
		return flyte.Bindings(
			flyte.Bind(&i.Scores, flyte.MapOutOptional(scores, func(o *struct{ Score float64 }) *float64 { return &o.Score })),
			flyte.Bind(&i.Floor, flyte.Const(0.0)))
	}, flyte.Cache("v3"), flyte.Resources(flyte.Res{Memory: "1Gi"}), flyte.Image("ghcr.io/me/best:v2"), flyte.Timeout(time.Hour))
	bestV := flyte.Out(best, func(o *struct{ Best float64 }) *float64 { return &o.Best })

	approved := flyte.Approve(wf, "publish").After(best)
	pause := flyte.Sleep(wf, time.Minute).After(approved)
	extra := flyte.WaitForSignal[string](wf, "extra-note").After(pause)

	note := func(text flyte.Value[string]) func(*flyte.Builder) *flyte.Node[struct{ Notes []string }] {
		return func(c *flyte.Builder) *flyte.Node[struct{ Notes []string }] {
			return flyte.Call(c, noteTask, func(i *noteIn) []flyte.Binding {
				return flyte.Bindings(flyte.Bind(&i.Text, text), flyte.Bind(&i.Level, flyte.Input(wf, &in.Level)))
			})
		}
	}
	branch := flyte.If(wf, flyte.And(flyte.IsSet(flyte.Input(wf, &in.Note)), flyte.Gt(bestV, flyte.Const(0.5))), note(extra.Value())).
		ElseIf(flyte.Or(flyte.Eq(flyte.Input(wf, &in.Level), flyte.Const(level("high"))), flyte.Lt(flyte.Input(wf, &in.Wait), flyte.Const(time.Second))),
			note(flyte.Const("high"))).
		ElseIf(flyte.Lte(flyte.Input(wf, &in.Deadline), flyte.Const(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))), func(c *flyte.Builder) *flyte.Node[struct{ Notes []string }] {
			return flyte.If(c, flyte.IsTrue(flyte.Const(true)), note(flyte.Const("nested"))).Fail("never")
		}).
		Else(note(flyte.Const("low")))

	sub := flyte.Call(wf, addSub, func(i *subIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.A, flyte.Const(1)), flyte.Bind(&i.B, flyte.Const(2)))
	})
	child := flyte.Call(wf, addTen, func(i *subIn) []flyte.Binding { return flyte.Bindings(flyte.Bind(&i.A, flyte.Const(3))) })
	fan := flyte.Call(wf, fanout, func(i *fanIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.N, flyte.Out(sub, func(o *numOut) *int { return &o.Y })))
	}).After(child)
	count := flyte.Call(wf, sum, func(i *sumIn) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.Xs, flyte.Out(fan, func(o *fanOut) *[]int { return &o.Squares })))
	})

	flyte.OnFailure(wf, reportFailure, func(i *struct {
		Err  flyte.FailedNode
		Note *string
	}) []flyte.Binding {
		return flyte.Bindings(flyte.Bind(&i.Note, flyte.Input(wf, &in.Note)))
	})
	return wf.Return(
		flyte.Bind(&out.Best, bestV),
		flyte.Bind(&out.Count, flyte.Out(count, func(o *numOut) *int { return &o.Y })),
		flyte.Bind(&out.Notes, flyte.Out(branch, func(o *struct{ Notes []string }) *[]string { return &o.Notes })))
}, flyte.FailAfterExecutableNodes(), flyte.Interruptible(false), flyte.Description("Every kind of node."))

var kitchenDaily = flyte.NewLaunchPlan("reg_kitchen_daily", kitchenSink,
	flyte.Defaults(func(in *allIn) []flyte.Binding {
		return flyte.Bindings(
			flyte.Bind(&in.Rows, flyte.Const([]row{{Name: "a", Score: 0.7, At: time.Unix(0, 0).UTC(), Tags: []string{"x"}}})),
			flyte.Bind(&in.Level, flyte.Const(level("low"))),
			flyte.Bind(&in.Wait, flyte.Const(time.Minute)),
			flyte.Bind(&in.Doc, flyte.Const(flyte.File{URI: "s3://bucket/doc.csv"})))
	}),
	flyte.FixedRate(24*time.Hour), flyte.KickoffInput("deadline"),
	flyte.Notify(flyte.Webhook("https://example.com/hook", map[string]string{"X-Team": "data"}), flyte.Succeeded),
	flyte.Notify(flyte.Slack("team@example.slack.com"), flyte.Failed, flyte.Aborted),
	flyte.Labels(map[string]string{"team": "data"}), flyte.Annotations(map[string]string{"owner": "me"}), flyte.MaxParallelism(4))

func TestRegisterEveryKindOfNode(t *testing.T) {
	t.Parallel()
	for _, driver := range admintest.Drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			env := admintest.New(t, driver)
			_, err := env.Client.RegisterProject(t.Context(), connect.NewRequest(&adminv1.ProjectRegisterRequest{
				Project: &adminv1.Project{Id: "sdk", Name: "SDK"}}))
			require.NoError(t, err)
			var stdout, stderr bytes.Buffer
			app := flyte.App{Entities: []flyte.Entity{kitchenDaily, square}, Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }}
			code := app.Run(t.Context(), []string{"register", "-h", env.URL, "-p", "sdk", "-d", "staging", "--version", "abc123", "--command", "/bin/app"})
			require.Equal(t, 0, code, stderr.String())
			lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			// The launch plan the workflow starts comes before the workflow.
			idx := func(s string) int {
				for i, l := range lines {
					if l == s {
						return i
					}
				}
				t.Fatalf("%q not printed in:\n%s", s, stdout.String())
				return -1
			}
			require.Less(t, idx("registered workflow sdk/staging/rt_add_sub@abc123"), idx("registered launch plan sdk/staging/rt_add_ten@abc123"))
			require.Less(t, idx("registered launch plan sdk/staging/rt_add_ten@abc123"), idx("registered workflow sdk/staging/reg_kitchen_sink@abc123"))
			idx("registered launch plan sdk/staging/reg_kitchen_sink@abc123")
			idx("registered launch plan sdk/staging/reg_kitchen_daily@abc123")
			idx("registered task sdk/staging/rt_fanout@abc123")

			wf, err := env.Client.GetWorkflow(t.Context(), connect.NewRequest(&adminv1.ObjectGetRequest{Id: &corev1.Identifier{
				ResourceType: corev1.ResourceType_RESOURCE_TYPE_WORKFLOW, Project: "sdk", Domain: "staging", Name: "reg_kitchen_sink", Version: "abc123"}}))
			require.NoError(t, err)
			c := wf.Msg.GetClosure().GetCompiledWorkflow()
			require.Len(t, c.GetSubWorkflows(), 1, "the sub-workflow is compiled with the workflow")
			require.Equal(t, "on-failure", c.GetPrimary().GetTemplate().GetFailureNode().GetId())

			task, err := env.Client.GetTask(t.Context(), connect.NewRequest(&adminv1.ObjectGetRequest{Id: &corev1.Identifier{
				ResourceType: corev1.ResourceType_RESOURCE_TYPE_TASK, Project: "sdk", Domain: "staging", Name: "reg_score", Version: "abc123"}}))
			require.NoError(t, err)
			tmpl := task.Msg.GetClosure().GetCompiledTask().GetTemplate()
			require.Equal(t, "ghcr.io/me/score:v1", tmpl.GetContainer().GetImage())
			require.Equal(t, "DB_PASSWORD", tmpl.GetSecurityContext().GetSecrets()[0].GetEnvVar())
			require.Equal(t, uint32(3), tmpl.GetMetadata().GetRetries().GetRetries())
			require.Equal(t, []string{"row"}, tmpl.GetMetadata().GetCacheIgnoreInputVars())
			require.Equal(t, "Scores a row.", task.Msg.GetShortDescription())

			lp, err := env.Client.GetLaunchPlan(t.Context(), connect.NewRequest(&adminv1.ObjectGetRequest{Id: &corev1.Identifier{
				ResourceType: corev1.ResourceType_RESOURCE_TYPE_LAUNCH_PLAN, Project: "sdk", Domain: "staging", Name: "reg_kitchen_daily", Version: "abc123"}}))
			require.NoError(t, err)
			sched := lp.Msg.GetSpec().GetEntityMetadata().GetSchedule()
			require.Equal(t, adminv1.FixedRateUnit_FIXED_RATE_UNIT_DAY, sched.GetRate().GetUnit())
			require.Equal(t, "deadline", sched.GetKickoffTimeInputArg())
			require.Len(t, lp.Msg.GetSpec().GetEntityMetadata().GetNotifications(), 2)
		})
	}
}

func TestRegisterReportsEveryProblem(t *testing.T) {
	t.Parallel()
	bad := flyte.NewWorkflow("reg_bad", func(wf *flyte.Builder, _ *flyte.None, out *numOut) error {
		return wf.Return()
	})
	badTask := flyte.NewTask("reg bad task", func(context.Context, numIn) (numOut, error) { return numOut{}, nil })
	var stdout, stderr bytes.Buffer
	code := flyte.App{Entities: []flyte.Entity{bad, badTask}, Stdout: &stdout, Stderr: &stderr}.Run(t.Context(),
		[]string{"register", "-p", "p", "-d", "d", "--version", "v", "--dry-run"})
	require.Equal(t, 1, code)
	require.Contains(t, stderr.String(), "workflow reg_bad: outputs: y not bound")
	require.Contains(t, stderr.String(), `task reg bad task: name "reg bad task"`)
	require.Empty(t, stdout.String(), "nothing is printed or registered when something is wrong")

	stderr.Reset()
	code = flyte.App{Entities: []flyte.Entity{square}, Stdout: &stdout, Stderr: &stderr}.Run(t.Context(),
		[]string{"register", "-p", "p", "--version", "v"})
	require.Equal(t, 2, code)
	require.Equal(t, "error: register needs -d/--domain\n", stderr.String())

	stderr.Reset()
	code = flyte.App{Entities: []flyte.Entity{square}, Stdout: &stdout, Stderr: &stderr}.Run(t.Context(),
		[]string{"register", "-h", "https://x:1", "--insecure", "-p", "p", "-d", "d", "--version", "v"})
	require.Equal(t, 2, code)
	require.Contains(t, stderr.String(), `--insecure=true conflicts with the https:// prefix of admin host "https://x:1"`)
}

func TestRegisterUsesTheAppCommand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		app         []string
		flags       []string
		wantCommand []string
		wantArgs    string
	}{
		{"app command", []string{"/usr/bin/tool", "examples"}, nil, []string{"/usr/bin/tool", "examples"}, "--version v"},
		{"--command wins", []string{"/usr/bin/tool", "examples"}, []string{"--command", "/opt/app"}, []string{"/opt/app"}, "--version v --command /opt/app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"register", "-p", "p", "-d", "d", "--version", "v", "--dry-run", "-o", "json"}, tc.flags...)
			code := flyte.App{Entities: []flyte.Entity{fanout}, Command: tc.app, Stdout: &stdout, Stderr: &stderr}.Run(t.Context(), args)
			require.Equal(t, 0, code, stderr.String())
			var doc struct {
				Tasks []struct {
					ID   struct{ Name string }
					Spec struct {
						Template struct {
							Container struct{ Command, Args []string }
						}
					}
				}
			}
			require.NoError(t, json.Unmarshal(stdout.Bytes(), &doc), stdout.String())
			found := false
			for _, task := range doc.Tasks {
				if task.ID.Name != "rt_fanout" {
					continue
				}
				found = true
				c := task.Spec.Template.Container
				require.Equal(t, tc.wantCommand, c.Command)
				require.True(t, strings.HasSuffix(strings.Join(c.Args, " "), tc.wantArgs), c.Args)
			}
			require.True(t, found, stdout.String())
		})
	}
}
