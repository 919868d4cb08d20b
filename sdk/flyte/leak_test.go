package flyte_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: local
// runs wait for every node and element they start.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
