package cli

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// The parsers of user input must never panic, and what they accept must be
// well formed.

func FuzzResolveEndpoint(f *testing.F) {
	for _, s := range []string{
		"127.0.0.1:8088", "[::1]:1", "localhost", "https://h/p/", "dns:///h:443", "h:", ":1",
		"http://u@h", "h:99999", "ftp://x", "::1", "%", "https://[::1", " ",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, host string, mode uint8) {
		var flag, cfg *bool
		switch mode % 5 {
		case 1:
			flag = ptr(true)
		case 2:
			flag = ptr(false)
		case 3:
			cfg = ptr(true)
		case 4:
			cfg = ptr(false)
		}
		ep, err := resolveEndpoint(host, flag, cfg)
		if err != nil {
			return
		}
		u, err := url.Parse(ep.BaseURL)
		if err != nil {
			t.Fatalf("%q gave unparsable base URL %q: %v", host, ep.BaseURL, err)
		}
		if (u.Scheme == "https") != ep.TLS || (u.Scheme != "http" && u.Scheme != "https") {
			t.Fatalf("%q gave scheme %q with TLS=%t", host, u.Scheme, ep.TLS)
		}
		if u.Hostname() == "" || strings.HasSuffix(ep.BaseURL, "/") {
			t.Fatalf("%q gave base URL %q", host, ep.BaseURL)
		}
		if flag != nil && ep.TLS == *flag {
			t.Fatalf("%q with --insecure=%t gave TLS=%t", host, *flag, ep.TLS)
		}
	})
}

func FuzzParseLabels(f *testing.F) {
	for _, s := range []string{"", "a=1", "a=1,b=2", "a", "=1", "a=1,a=2", " a = = ,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseLabels(s)
		if err != nil {
			return
		}
		for k := range m {
			if k == "" || strings.Contains(k, ",") || strings.Contains(k, "=") {
				t.Fatalf("%q gave key %q", s, k)
			}
		}
	})
}

func FuzzParseAttrFile(f *testing.F) {
	for _, s := range []string{
		taskResourceFile, "project: p\n", "", "- a", "{\"attributes\":{\"executionClusterLabel\":{\"value\":\"x\"}}}",
		"project: p\nlaunchPlan: x\nattributes:\n  clusterAssignment: {clusterPoolName: a}\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := parseAttrFile([]byte(s))
		if err != nil {
			return
		}
		if cfg.GetAttributes().GetTarget() == nil || cfg.GetLaunchPlan() != "" {
			t.Fatalf("%q accepted as %v", s, cfg)
		}
	})
}

func FuzzParseFileConfig(f *testing.F) {
	for _, s := range []string{"", "admin:\n  endpoint: h:1\n  insecure: true\n", "project: p\ndomain: d\n", "x: 1", "admin: [", "admin:\n  insecure: maybe\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cfg, err := parseFileConfig([]byte(s))
		if err != nil {
			return
		}
		// What decodes survives a round trip through the same decoder.
		out, err := yaml.Marshal(cfg)
		if err != nil {
			t.Fatalf("marshal %+v: %v", cfg, err)
		}
		again, err := parseFileConfig(out)
		if err != nil {
			t.Fatalf("re-decode %q: %v", out, err)
		}
		if d := cmp.Diff(cfg, again); d != "" {
			t.Fatalf("round trip of %q (-first +second):\n%s", s, d)
		}
	})
}
