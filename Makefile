# Development tasks. Tools are pinned in go.mod and run with `go tool`.

.PHONY: generate check-generate

## Protobuf code generation: proto/ -> gen/ (see buf.yaml and buf.gen.yaml). gen/ is committed.

# generate lints the IDL and regenerates gen/ from scratch, so removed .proto files leave nothing behind.
generate:
	go tool buf lint
	go tool buf format --diff --exit-code
	rm -rf gen
	go tool buf generate

# check-generate fails when gen/ differs from what proto/ generates.
check-generate:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	go tool buf generate --output "$$tmp" && \
	if ! diff -r gen "$$tmp/gen"; then \
		echo "gen/ is stale: run 'make generate' and commit the result" >&2; exit 1; \
	fi

## Checks and tests. `make test` is what CI (.ci/run) runs.

.PHONY: test vet fmt-check bench

# test runs every check and the whole suite with the race detector. PostgreSQL
# tests run when FLYTE_TEST_POSTGRES_DSN is set (.ci/run sets it) and skip
# with a message otherwise. -count=1 because the end-to-end tests build the
# binaries themselves, which Go's test cache cannot see.
test: vet fmt-check
	go test -race -count=1 -timeout 30m ./...

vet:
	go vet ./...

# fmt-check fails when a hand-written Go file is not gofmt'ed.
fmt-check:
	@out=$$(gofmt -l cmd internal e2e examples sdk); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# bench prints the registration and list throughput on SQLite and PostgreSQL.
bench:
	go test -run '^$$' -bench . -benchmem ./internal/store/... ./internal/admin/ ./internal/compiler/
