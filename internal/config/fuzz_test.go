package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// FuzzLoad feeds arbitrary files to the loader. It must never panic, and a
// config it accepts must survive Marshal and a second load unchanged.
func FuzzLoad(f *testing.F) {
	paths, err := filepath.Glob("testdata/*.yaml")
	require.NoError(f, err)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
	}
	f.Add([]byte("domains: [{id: a}, {id: b, name: &x B}, {id: c, name: *x}]"))
	f.Add([]byte("server: {port: 0, host: '::'}\nlogging: {format: json}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := load(data, "fuzz.yaml", nil, nil)
		if err != nil {
			require.NotEmpty(t, err.Error())
			return
		}
		out, err := Marshal(c)
		require.NoError(t, err)
		again, err := load(out, "marshalled.yaml", nil, nil)
		require.NoError(t, err, "marshalled:\n%s", out)
		require.Empty(t, cmp.Diff(c, again))
	})
}
