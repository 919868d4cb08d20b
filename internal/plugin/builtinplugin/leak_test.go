package builtinplugin

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine (a sleep timer's
// waiter) behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
