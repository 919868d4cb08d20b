// Package logging builds the process logger from the logging configuration.
// Components never create loggers themselves: they receive the *slog.Logger
// built here (or a child of it) from their caller.
package logging

import (
	"fmt"
	"io"
	"log/slog"

	"github.com/flyte-go/flyte/internal/config"
)

// New returns a logger writing to w in cfg's format at cfg's minimum level.
// Empty fields take their defaults (info, text); unknown values are an error
// naming the key.
func New(cfg config.Logging, w io.Writer) (*slog.Logger, error) {
	cfg = cfg.WithDefaults()
	level, err := cfg.SlogLevel()
	if err != nil {
		return nil, fmt.Errorf("build logger: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch cfg.Format {
	case config.LogFormatText:
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case config.LogFormatJSON:
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("build logger: %w", &config.FieldError{
			Key: "logging.format",
			Msg: fmt.Sprintf("unknown format %q (want text or json)", cfg.Format),
		})
	}
}

// Discard returns a logger that drops everything, for tests and callers that
// opt out of logging.
func Discard() *slog.Logger {
	return slog.New(slog.DiscardHandler)
}
