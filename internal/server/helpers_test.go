package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	"github.com/flyte-go/flyte/internal/config"
)

// The test service: flytetest.v1.EchoService/Echo(StringValue) StringValue.
const (
	echoServiceName = "flytetest.v1.EchoService"
	echoServicePath = "/" + echoServiceName + "/"
	echoProcedure   = echoServicePath + "Echo"
	echoFile        = "flytetest/v1/echo.proto"
)

// registerEchoDescriptor puts the test service's descriptor in the global
// registry, where gRPC reflection looks, as generated code would.
var registerEchoDescriptor = sync.OnceValue(func() error {
	fdp := &descriptorpb.FileDescriptorProto{
		Name:       proto.String(echoFile),
		Package:    proto.String("flytetest.v1"),
		Dependency: []string{"google/protobuf/wrappers.proto"},
		Syntax:     proto.String("proto3"),
		Service: []*descriptorpb.ServiceDescriptorProto{{
			Name: proto.String("EchoService"),
			Method: []*descriptorpb.MethodDescriptorProto{{
				Name:       proto.String("Echo"),
				InputType:  proto.String(".google.protobuf.StringValue"),
				OutputType: proto.String(".google.protobuf.StringValue"),
			}},
		}},
	}
	_ = wrapperspb.String("") // the dependency must be linked in and registered
	fd, err := protodesc.NewFile(fdp, protoregistry.GlobalFiles)
	if err != nil {
		return err
	}
	return protoregistry.GlobalFiles.RegisterFile(fd)
})

// echo answers with its input. "fail" fails with NotFound, "crash" with
// Internal; "block" signals
// entered and waits for release or the request's end.
type echo struct {
	entered chan struct{}
	release chan struct{}
}

func newEcho() *echo {
	return &echo{entered: make(chan struct{}, 10), release: make(chan struct{})}
}

func (e *echo) Echo(ctx context.Context, req *connect.Request[wrapperspb.StringValue]) (*connect.Response[wrapperspb.StringValue], error) {
	switch req.Msg.GetValue() {
	case "fail":
		return nil, connect.NewError(connect.CodeNotFound, errFail)
	case "crash":
		return nil, connect.NewError(connect.CodeInternal, errors.New("disk on fire"))
	case "block":
		e.entered <- struct{}{}
		select {
		case <-e.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return connect.NewResponse(wrapperspb.String(req.Msg.GetValue())), nil
}

var errFail = errorString("no such thing")

type errorString string

func (e errorString) Error() string { return string(e) }

// setup starts a server on a free loopback port with the echo service
// registered and stops it when the test ends.
func setup(t *testing.T, cfg config.Server, logger *slog.Logger, opts ...Option) (*Server, *echo) {
	t.Helper()
	require.NoError(t, registerEchoDescriptor())
	cfg.Host, cfg.Port = "127.0.0.1", 0
	s := New(cfg, logger, opts...)
	e := newEcho()
	mux := http.NewServeMux()
	mux.Handle(echoProcedure, connect.NewUnaryHandler(echoProcedure, e.Echo, s.HandlerOptions()...))
	s.HandleService(echoServicePath, mux)
	require.NoError(t, s.Start(t.Context()))
	t.Cleanup(s.Stop)
	return s, e
}

// h2cClient speaks HTTP/2 without TLS, as gRPC clients do.
func h2cClient(t *testing.T) *http.Client {
	t.Helper()
	protocols := new(http.Protocols)
	protocols.SetUnencryptedHTTP2(true)
	tr := &http.Transport{Protocols: protocols}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// http1Client speaks HTTP/1.1 only.
func http1Client(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func echoClient(c *http.Client, baseURL string, opts ...connect.ClientOption) *connect.Client[wrapperspb.StringValue, wrapperspb.StringValue] {
	return connect.NewClient[wrapperspb.StringValue, wrapperspb.StringValue](c, baseURL+echoProcedure, opts...)
}

// get fetches path and returns the status code and body.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}

// syncBuffer is a bytes.Buffer safe for the server's and the test's
// goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor fails the test unless ch delivers within the deadline.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}
