package flyte

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAdminURL(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	for _, tc := range []struct {
		host     string
		insecure *bool
		want     string
		err      string
	}{
		{host: "127.0.0.1:8088", want: "http://127.0.0.1:8088"},
		{host: "localhost:8088", want: "http://localhost:8088"},
		{host: "[::1]:8088", want: "http://[::1]:8088"},
		{host: "flyte.example.com:443", want: "https://flyte.example.com:443"},
		{host: "flyte.example.com", insecure: &yes, want: "http://flyte.example.com"},
		{host: "127.0.0.1:8088", insecure: &no, want: "https://127.0.0.1:8088"},
		{host: "http://flyte.internal:80/", want: "http://flyte.internal:80"},
		{host: "https://flyte.example.com/prefix", want: "https://flyte.example.com/prefix"},
		{host: "dns:///flyte.example.com:443", want: "https://flyte.example.com:443"},
		{host: "https://x:1", insecure: &yes, err: `--insecure=true conflicts with the https:// prefix of admin host "https://x:1"`},
		{host: "grpc://x:1", err: `scheme "grpc" is not http or https`},
		{host: "", err: "admin host is empty"},
		{host: "http://x:1?q=1", err: "want host:port"},
	} {
		got, err := adminURL(tc.host, tc.insecure)
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.host)
			continue
		}
		require.NoError(t, err, tc.host)
		require.Equal(t, tc.want, got, tc.host)
	}
}
