package sqlitestore

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind (for
// example a wake-up listener that outlived its store).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
