// Package e2e holds the end-to-end tests: they build the real flyte and
// flyte-cli binaries, start the platform as a separate process and drive it
// through the CLI exactly as a user would.
package e2e
