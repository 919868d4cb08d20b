package server

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"connectrpc.com/grpcreflect"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/flyte-go/flyte/internal/config"
)

func TestMetricsCountRPCs(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, config.Server{}, nil)
	connectClient := echoClient(http1Client(t), s.URL())
	grpcClient := echoClient(h2cClient(t), s.URL(), connect.WithGRPC())
	for _, c := range []*connect.Client[wrapperspb.StringValue, wrapperspb.StringValue]{connectClient, connectClient, grpcClient} {
		_, err := c.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("hi")))
		require.NoError(t, err)
	}
	_, err := grpcClient.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("fail")))
	require.Equal(t, connect.CodeNotFound, connect.CodeOf(err))

	code, body := get(t, http1Client(t), s.URL()+MetricsPath)
	require.Equal(t, http.StatusOK, code)
	for _, line := range []string{
		`flyte_rpc_requests_total{code="ok",procedure="/flytetest.v1.EchoService/Echo"} 3`,
		`flyte_rpc_requests_total{code="not_found",procedure="/flytetest.v1.EchoService/Echo"} 1`,
		`flyte_rpc_duration_seconds_count{procedure="/flytetest.v1.EchoService/Echo"} 4`,
		`go_goroutines `,
	} {
		require.Contains(t, body, line)
	}
}

func TestMetricsRegistryIsTheServers(t *testing.T) {
	t.Parallel()
	a, b := New(config.Server{}, nil), New(config.Server{}, nil)
	require.NotSame(t, a.Registry(), b.Registry(), "two servers in one process must not collide")
}

func TestLoggingInterceptor(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, _ := setup(t, config.Server{}, logger)
	c := echoClient(http1Client(t), s.URL())
	_, err := c.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("hi")))
	require.NoError(t, err)
	_, err = c.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("fail")))
	require.Error(t, err)
	_, err = c.CallUnary(t.Context(), connect.NewRequest(wrapperspb.String("crash")))
	require.Error(t, err)

	type entry struct {
		Level, Msg, Procedure, Code, Error string
		HasDuration                        bool
	}
	var got []entry
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		if m["procedure"] == nil {
			continue
		}
		e := entry{Level: m["level"].(string), Msg: m["msg"].(string), Procedure: m["procedure"].(string), Code: m["code"].(string)}
		if msg, ok := m["error"].(string); ok {
			e.Error = msg
		}
		_, e.HasDuration = m["duration"].(float64)
		got = append(got, e)
	}
	want := []entry{
		{Level: "DEBUG", Msg: "rpc", Procedure: echoProcedure, Code: "ok", HasDuration: true},
		{Level: "INFO", Msg: "rpc failed", Procedure: echoProcedure, Code: "not_found", Error: "no such thing", HasDuration: true},
		{Level: "WARN", Msg: "rpc failed", Procedure: echoProcedure, Code: "internal", Error: "disk on fire", HasDuration: true},
	}
	require.Empty(t, cmp.Diff(want, got))
}

func TestReflectionListsServices(t *testing.T) {
	t.Parallel()
	s, _ := setup(t, config.Server{}, nil)
	for name, c := range map[string]*http.Client{
		"v1": h2cClient(t),
		// The v1alpha API is the same on the wire under another name; a
		// transport that rewrites the path makes the v1 client call it.
		"v1alpha": {Transport: rewritePath{
			from: "/grpc.reflection.v1.", to: "/grpc.reflection.v1alpha.", next: h2cClient(t).Transport,
		}},
	} {
		t.Run(name, func(t *testing.T) {
			stream := grpcreflect.NewClient(c, s.URL(), connect.WithGRPC()).NewStream(t.Context())
			t.Cleanup(func() { _, _ = stream.Close() })
			names, err := stream.ListServices()
			require.NoError(t, err)
			require.Empty(t, cmp.Diff([]protoreflect.FullName{echoServiceName}, names))

			files, err := stream.FileContainingSymbol(echoServiceName)
			require.NoError(t, err)
			var fileNames []string
			for _, f := range files {
				fileNames = append(fileNames, f.GetName())
			}
			require.Contains(t, fileNames, echoFile)
			for _, f := range files {
				if f.GetName() == echoFile {
					require.Equal(t, "Echo", f.GetService()[0].GetMethod()[0].GetName())
				}
			}
		})
	}
}

// rewritePath rewrites a request path prefix before sending.
type rewritePath struct {
	from, to string
	next     http.RoundTripper
}

func (r rewritePath) RoundTrip(req *http.Request) (*http.Response, error) {
	if rest, ok := strings.CutPrefix(req.URL.Path, r.from); ok {
		req = req.Clone(req.Context())
		req.URL.Path = r.to + rest
	}
	return r.next.RoundTrip(req)
}
