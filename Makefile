# Safehub build. `make demo` and `make test` are the two commands a newcomer
# needs; CI runs .ci/run, which installs PostgreSQL and Chromium when missing
# and then calls `make test`.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)
GO ?= go
DIST := internal/web/static/dist
DEMO_DATA ?= demo-data
DEMO_ADDR ?= 127.0.0.1:8080

.PHONY: all build assets demo test test-short test-pg bench lint fuzz clean

all: build

# Front-end packages come from the committed lock file; esbuild bundles them
# into content-hashed files that the binary embeds.
frontend/node_modules/.package-lock.json: frontend/package-lock.json frontend/package.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

$(DIST)/manifest.json: frontend/node_modules/.package-lock.json $(shell find frontend/src -type f 2>/dev/null) frontend/build.mjs
	cd frontend && node build.mjs
	@touch $@

assets: $(DIST)/manifest.json

build: assets
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/safehub ./cmd/safehub

demo: build
	./bin/safehub demo --addr $(DEMO_ADDR) --data $(DEMO_DATA)

# The whole suite on both engines: SQLite always, PostgreSQL through a private
# cluster the test harness starts with initdb/pg_ctl (CI=true makes a missing
# PostgreSQL a failure rather than a skip).
test: assets
	$(GO) vet ./...
	@unformatted=$$(gofmt -l cmd internal); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	SAFEHUB_TEST_ENGINES=sqlite,postgres $(GO) test -count=1 -timeout 20m ./...
	# The race detector over the pure packages (the database-heavy ones run
	# too slowly under it on two cores: modernc SQLite is Go code it instruments).
	$(GO) test -race -count=1 ./internal/hub/... ./internal/ident/... ./internal/access/... ./internal/auth/... ./internal/audit/... ./internal/httpx/...

# SQLite only, for a quick loop.
test-short: assets
	SAFEHUB_TEST_ENGINES=sqlite $(GO) test -count=1 -short ./...

test-pg: assets
	SAFEHUB_TEST_ENGINES=postgres $(GO) test -count=1 ./internal/store/... ./internal/app/...

bench: assets
	SAFEHUB_TEST_ENGINES=sqlite,postgres $(GO) test -run '^$$' -bench . -benchtime 3x ./...

fuzz:
	./scripts/fuzz.sh 30s

lint:
	$(GO) vet ./...
	gofmt -l cmd internal

clean:
	rm -rf bin
	find $(DIST) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
