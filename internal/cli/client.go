package cli

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect"

	"github.com/flyte-go/flyte/gen/flyte/admin/v1/adminv1connect"
)

// newAdminClient returns an AdminService client for s.
//
// It speaks the Connect protocol: over plain HTTP that is HTTP/1.1, so it
// passes through any proxy and needs no h2c support on the way, and over
// TLS HTTP/2 is negotiated by ALPN. Every AdminService RPC is unary, where
// the Connect protocol loses nothing to gRPC, and a server error arrives
// with its code and message intact. timeout bounds each RPC (not the whole
// command, so registering many entities is not cut short); 0 means none.
func newAdminClient(s settings, timeout time.Duration, readFile func(string) ([]byte, error)) (adminv1connect.AdminServiceClient, error) {
	httpClient, err := newHTTPClient(s, readFile)
	if err != nil {
		return nil, err
	}
	opts := []connect.ClientOption{connect.WithInterceptors(timeoutInterceptor(timeout))}
	return adminv1connect.NewAdminServiceClient(httpClient, s.Endpoint.BaseURL, opts...), nil
}

// newHTTPClient returns an HTTP client that trusts the system certificate
// authorities plus those in s.CACertFile.
func newHTTPClient(s settings, readFile func(string) ([]byte, error)) (*http.Client, error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("http.DefaultTransport is not an *http.Transport")
	}
	tr := base.Clone()
	if s.CACertFile != "" {
		pem, err := readFile(s.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("read CA certificate file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA certificate file %s: no PEM certificate found", s.CACertFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr}, nil
}

// timeoutInterceptor bounds every unary call by d.
func timeoutInterceptor(d time.Duration) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if d <= 0 {
				return next(ctx, req)
			}
			ctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			return next(ctx, req)
		}
	}
}
