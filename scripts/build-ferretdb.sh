#!/usr/bin/env bash
# Builds FerretDB v1.24.2 from the Go module proxy into .cache/bin/ferretdb-v1.24.2-idindex (once; later runs reuse it).
# The module zip lacks build/version/version.txt, and a binary built from it panics at start
# (FerretDB#2982, #4889; a scratch-module `go get -tool` build panics too with Go 1.26). So we take
# the module's source from the module cache, add that one file, and build it as the main module.
#
# One fix is applied to the source (upstream v1.24.2 as published otherwise): the SQLite backend looks
# documents up by `_ferretdb_sjson->'$._id'` while the unique `_id` index it creates is on
# `_ferretdb_sjson->"_id"`; SQLite only uses an index whose expression matches the query's, so every
# `_id` lookup, update and delete scanned the whole table (measured: 164 ms per findOne at 100,000
# documents, EXPLAIN says SCAN). The fix makes the query use the index's own expression (EXPLAIN:
# SEARCH USING INDEX); both expressions select the same value.
set -euo pipefail
VERSION=v1.24.2
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
bin="$cache/bin/ferretdb-$VERSION-idindex"
[ -x "$bin" ] && exit 0

go=$(command -v go || true)
[ -z "$go" ] && [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go
if [ -z "$go" ]; then
  echo "Go is needed to build FerretDB: install Go >= 1.24, or set MONGODB_URI to a MongoDB server (e.g. docker compose up -d mongo redis)." >&2
  exit 3
fi

echo "Building FerretDB $VERSION with $("$go" version | cut -d' ' -f3) (first run only, about 1-2 minutes)..." >&2
src="$cache/ferretdb-src"
log="$cache/ferretdb-build.log"
mkdir -p "$cache/bin"
if ! {
  dir=$(cd "$cache" && GOFLAGS=-mod=mod "$go" mod download -json "github.com/FerretDB/FerretDB@$VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') &&
    [ -n "$dir" ] &&
    rm -rf "$src" && cp -r "$dir" "$src" && chmod -R u+w "$src" &&
    echo "$VERSION" >"$src/build/version/version.txt" &&
    sed -i "s|IDColumn = DefaultColumn + \"->'\$._id'\"|IDColumn = DefaultColumn + \"->\\\\\"_id\\\\\"\"|" \
      "$src/internal/backends/sqlite/metadata/metadata.go" &&
    grep -q 'IDColumn = DefaultColumn + "->\\"_id\\""' "$src/internal/backends/sqlite/metadata/metadata.go" &&
    (cd "$src" && CGO_ENABLED=0 "$go" build -trimpath -o "$bin.tmp" ./cmd/ferretdb)
} >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "FerretDB could not be built (log: $log); set MONGODB_URI to a MongoDB server instead." >&2
  exit 3
fi
mv "$bin.tmp" "$bin"
rm -rf "$src"
echo "FerretDB built at $bin" >&2
