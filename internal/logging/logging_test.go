package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/flyte-go/flyte/internal/config"
)

func TestNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cfg       config.Logging
		wantLines int
		wantJSON  bool
		wantErr   string
	}{
		{name: "defaults are text at info", cfg: config.Logging{}, wantLines: 2},
		{name: "debug json", cfg: config.Logging{Level: "debug", Format: "json"}, wantLines: 3, wantJSON: true},
		{name: "error only", cfg: config.Logging{Level: "error", Format: "text"}, wantLines: 1},
		{name: "bad level", cfg: config.Logging{Level: "loud"}, wantErr: `logging.level: unknown level "loud"`},
		{name: "bad format", cfg: config.Logging{Format: "xml"}, wantErr: `logging.format: unknown format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger, err := New(tt.cfg, &buf)
			if tt.wantErr != "" {
				require.ErrorContains(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			logger.Debug("debug line", "n", 1)
			logger.Info("info line", "n", 2)
			logger.Error("error line", "n", 3)
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			require.Len(t, lines, tt.wantLines, buf.String())
			for _, line := range lines {
				var m map[string]any
				isJSON := json.Unmarshal([]byte(line), &m) == nil
				require.Equal(t, tt.wantJSON, isJSON, line)
			}
			require.Contains(t, lines[len(lines)-1], "error line")
		})
	}
}

func TestDiscard(t *testing.T) {
	t.Parallel()
	require.False(t, Discard().Enabled(t.Context(), 12))
}
