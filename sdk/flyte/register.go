package flyte

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"connectrpc.com/connect"
	"sigs.k8s.io/yaml"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	corev1 "github.com/flyte-go/flyte/gen/flyte/core/v1"
	"github.com/flyte-go/flyte/internal/authoring"
)

// adminURL turns a host as flyte-cli takes it into a base URL: an http://
// or https:// prefix says plainly whether to use TLS (and insecure may not
// contradict it); for a bare host[:port], insecure decides when given, and
// otherwise loopback hosts get plain HTTP and every other host TLS.
func adminURL(host string, insecure *bool) (string, error) {
	raw := strings.TrimPrefix(strings.TrimSpace(host), "dns:///")
	if raw == "" {
		return "", errors.New("admin host is empty")
	}
	scheme := ""
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme = strings.ToLower(raw[:i])
		if scheme != "http" && scheme != "https" {
			return "", fmt.Errorf("admin host %q: scheme %q is not http or https", host, raw[:i])
		}
	} else {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("admin host %q: want host:port, http://host:port or https://host:port", host)
	}
	tls := false
	switch {
	case scheme != "":
		tls = scheme == "https"
		if insecure != nil && *insecure == tls {
			return "", fmt.Errorf("--insecure=%t conflicts with the %s:// prefix of admin host %q", *insecure, scheme, host)
		}
	case insecure != nil:
		tls = !*insecure
	default:
		tls = !isLoopback(u.Hostname())
	}
	u.Scheme = "http"
	if tls {
		u.Scheme = "https"
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u.String(), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// registerConfig is what the register command was given.
type registerConfig struct {
	at       ident
	tg       target
	activate bool
	timeout  time.Duration
}

// registerBundle sends the create requests in order — tasks, then
// workflows and launch plans — and prints one line per entity.
// Registering identical content again succeeds (the admin says so);
// different content under the same id fails with the admin's message.
func registerBundle(ctx context.Context, c adminv1connect.AdminServiceClient, r *requests, cfg registerConfig, out io.Writer) error {
	call := func(f func(context.Context) error) error {
		if cfg.timeout <= 0 {
			return f(ctx)
		}
		cctx, cancel := context.WithTimeout(ctx, cfg.timeout)
		defer cancel()
		return f(cctx)
	}
	for _, t := range r.tasks {
		if err := call(func(ctx context.Context) error {
			_, err := c.CreateTask(ctx, connect.NewRequest(t))
			return err
		}); err != nil {
			return fmt.Errorf("register task %s: %w", formatID(t.GetId()), err)
		}
		fmt.Fprintf(out, "registered task %s\n", formatID(t.GetId()))
	}
	for _, m := range r.order {
		switch req := m.(type) {
		case *adminv1.WorkflowCreateRequest:
			if err := call(func(ctx context.Context) error {
				_, err := c.CreateWorkflow(ctx, connect.NewRequest(req))
				return err
			}); err != nil {
				return fmt.Errorf("register workflow %s: %w", formatID(req.GetId()), err)
			}
			fmt.Fprintf(out, "registered workflow %s\n", formatID(req.GetId()))
		case *adminv1.LaunchPlanCreateRequest:
			if err := call(func(ctx context.Context) error {
				_, err := c.CreateLaunchPlan(ctx, connect.NewRequest(req))
				return err
			}); err != nil {
				return fmt.Errorf("register launch plan %s: %w", formatID(req.GetId()), err)
			}
			fmt.Fprintf(out, "registered launch plan %s\n", formatID(req.GetId()))
		}
	}
	if !cfg.activate {
		return nil
	}
	for _, lp := range r.launchPlans {
		if err := call(func(ctx context.Context) error {
			_, err := c.UpdateLaunchPlan(ctx, connect.NewRequest(&adminv1.LaunchPlanUpdateRequest{
				Id: lp.GetId(), State: adminv1.LaunchPlanState_LAUNCH_PLAN_STATE_ACTIVE}))
			return err
		}); err != nil {
			return fmt.Errorf("activate launch plan %s: %w", formatID(lp.GetId()), err)
		}
		fmt.Fprintf(out, "activated launch plan %s\n", formatID(lp.GetId()))
	}
	return nil
}

// formatID is project/domain/name@version, as flyte-cli prints it.
func formatID(id *corev1.Identifier) string {
	return id.GetProject() + "/" + id.GetDomain() + "/" + id.GetName() + "@" + id.GetVersion()
}

// encodeRequests renders the requests as a file of the IDL format
// (`format: idl/v1`), which `flyte-cli register files` reads back; yaml
// converts it to YAML.
func encodeRequests(r *requests, asYAML bool) ([]byte, error) {
	data, err := authoring.Encode(&authoring.Bundle{Tasks: r.tasks, Workflows: r.workflows, LaunchPlans: r.launchPlans})
	if err != nil {
		return nil, err
	}
	if !asYAML {
		return data, nil
	}
	return yaml.JSONToYAML(data)
}

// newAdminClient returns an admin client for baseURL.
func newAdminClient(baseURL string) adminv1connect.AdminServiceClient {
	return adminv1connect.NewAdminServiceClient(&http.Client{Transport: http.DefaultTransport}, baseURL)
}
