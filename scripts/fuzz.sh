#!/usr/bin/env bash
# Runs every Go fuzz target in the module for the given time each
# (default 30s): ./scripts/fuzz.sh 60s. New crashers land in the package's
# testdata/fuzz and fail `go test` until fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${1:-30s}
status=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
		echo "== $pkg $f ($t)"
		go test "$pkg" -run '^$' -fuzz "^${f}\$" -fuzztime "$t" || status=1
	done
done
exit $status
