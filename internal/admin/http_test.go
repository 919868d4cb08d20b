package admin_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/testing/protocmp"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/config"
)

func TestJSONOverHTTP(t *testing.T) {
	t.Parallel()
	forEachDriver(t, func(t *testing.T, env *admintest.Env) {
		// As curl would: POST a JSON body to the procedure's path.
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
			env.URL+"/flyte.admin.v1.AdminService/GetDomains", strings.NewReader("{}"))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "body: %s", body)
		var domains struct {
			Domains []struct{ ID, Name string }
		}
		require.NoError(t, json.Unmarshal(body, &domains))
		require.Len(t, domains.Domains, 3)
		require.Equal(t, "development", domains.Domains[0].ID)

		// Register a project in JSON, then read it with a GET (the read-only
		// methods are NO_SIDE_EFFECTS, so Connect serves them over GET).
		post, err := http.NewRequestWithContext(t.Context(), http.MethodPost, env.URL+"/flyte.admin.v1.AdminService/RegisterProject",
			strings.NewReader(`{"project": {"id": "jsonproject", "name": "JSON", "labels": {"values": {"via": "curl"}}}}`))
		require.NoError(t, err)
		post.Header.Set("Content-Type", "application/json")
		postResp, err := http.DefaultClient.Do(post)
		require.NoError(t, err)
		require.NoError(t, postResp.Body.Close())
		require.Equal(t, http.StatusOK, postResp.StatusCode)

		q := url.Values{"encoding": {"json"}, "message": {`{"id":"jsonproject"}`}}
		get, err := http.NewRequestWithContext(t.Context(), http.MethodGet, env.URL+"/flyte.admin.v1.AdminService/GetProject?"+q.Encode(), nil)
		require.NoError(t, err)
		getResp, err := http.DefaultClient.Do(get)
		require.NoError(t, err)
		defer getResp.Body.Close()
		body, err = io.ReadAll(getResp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, getResp.StatusCode, "body: %s", body)
		var p struct {
			ID     string
			Name   string
			Labels struct{ Values map[string]string }
		}
		require.NoError(t, json.Unmarshal(body, &p))
		require.Equal(t, "jsonproject", p.ID)
		require.Equal(t, map[string]string{"via": "curl"}, p.Labels.Values)

		// Errors come back as Connect JSON errors with the code and message.
		bad, err := http.NewRequestWithContext(t.Context(), http.MethodPost, env.URL+"/flyte.admin.v1.AdminService/GetProject",
			strings.NewReader(`{"id":"nosuchproject"}`))
		require.NoError(t, err)
		bad.Header.Set("Content-Type", "application/json")
		badResp, err := http.DefaultClient.Do(bad)
		require.NoError(t, err)
		defer badResp.Body.Close()
		require.Equal(t, http.StatusNotFound, badResp.StatusCode)
		var connectErr struct{ Code, Message string }
		require.NoError(t, json.NewDecoder(badResp.Body).Decode(&connectErr))
		require.Equal(t, "not_found", connectErr.Code)
		require.Equal(t, `project "nosuchproject" not found`, connectErr.Message)
	})
}

func TestProtocolsAndVersion(t *testing.T) {
	t.Parallel()
	env := setup(t, admintest.DriverSQLite)
	ctx := t.Context()
	// The default client of admintest calls NO_SIDE_EFFECTS methods with GET.
	v, err := env.Client.GetVersion(ctx, connect.NewRequest(&adminv1.GetVersionRequest{}))
	require.NoError(t, err)
	requireDiff(t, &adminv1.Version{Build: "abc123", Version: "v0.1.0", BuildTime: "2024-01-01T00:00:00Z"},
		v.Msg.GetControlPlaneVersion(), protocmp.Transform())

	// gRPC and gRPC-Web clients reach the same handler.
	for _, opt := range []connect.ClientOption{connect.WithGRPC(), connect.WithGRPCWeb()} {
		c := adminv1connect.NewAdminServiceClient(&http.Client{Transport: h2cTransport()}, env.URL, opt)
		d, err := c.GetDomains(ctx, connect.NewRequest(&adminv1.GetDomainRequest{}))
		require.NoError(t, err)
		require.Len(t, d.Msg.GetDomains(), 3)
	}

	// The event RPCs are not served: the engine writes its state directly.
	_, err = env.Client.CreateWorkflowEvent(ctx, connect.NewRequest(&adminv1.WorkflowExecutionEventRequest{}))
	requireCode(t, err, connect.CodeUnimplemented)
}

func h2cTransport() *http.Transport {
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Transport{Protocols: protocols}
}

func TestOversizedRequest(t *testing.T) {
	t.Parallel()
	for _, driver := range admintest.Drivers {
		t.Run(driver, func(t *testing.T) {
			t.Parallel()
			env := admintest.New(t, driver, admintest.WithServerConfig(config.Server{MaxRequestBytes: 64 << 10}))
			registerProject(t, env, project)
			before := snapshot(t, env)
			req := taskRequest("big", "v1", "alpine:3")
			req.Spec.Description.LongDescription = strings.Repeat("x", 100<<10)
			_, err := env.Client.CreateTask(t.Context(), connect.NewRequest(req))
			requireCode(t, err, connect.CodeResourceExhausted)
			require.Equal(t, before, snapshot(t, env))

			// Below the limit the same task registers.
			req.Spec.Description.LongDescription = strings.Repeat("x", 10<<10)
			_, err = env.Client.CreateTask(t.Context(), connect.NewRequest(req))
			require.NoError(t, err)
			got, err := env.Client.GetTask(t.Context(), connect.NewRequest(&adminv1.ObjectGetRequest{Id: &corev1.Identifier{
				Project: project, Domain: domain, Name: "big", Version: "v1",
			}}))
			require.NoError(t, err)
			require.Len(t, got.Msg.GetDescription().GetLongDescription(), 10<<10)
		})
	}
}
