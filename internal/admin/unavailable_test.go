package admin_test

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	adminv1 "github.com/flyte-go/flyte/gen/flyte/admin/v1"
	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
	"github.com/flyte-go/flyte/internal/admin"
	"github.com/flyte-go/flyte/internal/admin/admintest"
	"github.com/flyte-go/flyte/internal/config"
	"github.com/flyte-go/flyte/internal/server"
	"github.com/flyte-go/flyte/internal/store/pgstore"
)

// TestDatabaseOutage: while PostgreSQL is unreachable, requests fail with
// Unavailable and /readyz says so; the server keeps serving and recovers by
// itself when the database is back, with nothing half-written.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	dsn := admintest.PostgresSchemaDSN(t)
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	proxy := startProxy(t, u.Host)
	u.Host = proxy.addr
	st, err := pgstore.Open(t.Context(), u.String(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.MigrateUp(t.Context()))

	srv := server.New(config.Server{Host: "127.0.0.1"}, nil)
	srv.AddReadyCheck("database", st.Ping)
	srv.HandleService(admin.New(st, admin.Options{}).Handler(srv.HandlerOptions()...))
	require.NoError(t, srv.Start(t.Context()))
	t.Cleanup(srv.Stop)
	client := adminv1connect.NewAdminServiceClient(http.DefaultClient, srv.URL())
	register := func(id string) error {
		_, err := client.RegisterProject(t.Context(), connect.NewRequest(&adminv1.ProjectRegisterRequest{
			Project: &adminv1.Project{Id: id, Name: id},
		}))
		return err
	}
	ready := func() int {
		resp, err := http.Get(srv.URL() + "/readyz")
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}

	require.NoError(t, register("before"))
	require.Equal(t, http.StatusOK, ready())

	proxy.down()
	err = register("during")
	require.Equal(t, connect.CodeUnavailable, connect.CodeOf(err), "got %v", err)
	require.Contains(t, err.Error(), "database")
	require.Equal(t, http.StatusServiceUnavailable, ready())

	proxy.up(t)
	require.NoError(t, register("after"))
	require.Equal(t, http.StatusOK, ready())
	list, err := client.ListProjects(t.Context(), connect.NewRequest(&adminv1.ProjectListRequest{}))
	require.NoError(t, err)
	var ids []string
	for _, p := range list.Msg.GetProjects() {
		ids = append(ids, p.GetId())
	}
	require.ElementsMatch(t, []string{"before", "after"}, ids)
}

// proxy forwards TCP connections to a target and can be taken down (closing
// every connection) and brought back on the same address.
type proxy struct {
	target, addr string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
	wg           sync.WaitGroup
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() { p.down(); p.wg.Wait() })
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.ln = ln
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			p.wg.Add(2)
			go func() { defer p.wg.Done(); io.Copy(up, c); up.Close() }()
			go func() { defer p.wg.Done(); io.Copy(c, up); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *proxy) up(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	require.NoError(t, err)
	p.serve(ln)
}
