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
