#!/usr/bin/env bash
# Builds FerretDB v1.24.2 from the Go module proxy, with the reviewed patches in scripts/ferretdb-patches/ applied,
# into .cache/bin/ferretdb-v1.24.2-<hash> (once; later runs reuse it). <hash> is the first 12 hex digits of the
# SHA-256 of the patch files concatenated in file-name order, so any change to the patches builds a new binary;
# ferretDbBinary() in src/stores/local/ferretdb.ts computes the same name. `--print-binary` prints the path.
#
# The module zip lacks build/version/version.txt, and a binary built from it panics at start
# (FerretDB#2982, #4889; a scratch-module `go get -tool` build panics too with Go 1.26). So we take
# the module's source from the module cache, add that one file, copy the dependencies a patch changes
# (patched_modules) into its third_party/, apply the patches in order, and build it as the main module.
# What each patch changes, why query results stay right and how it is tested is written at the top of each
# patch file; docs/embedded-store.md describes the result.
set -euo pipefail
export LC_ALL=C # file-name order of the patches, same as JavaScript's default sort
VERSION=v1.24.2
# Modules FerretDB depends on that a patch changes (0013: modernc.org/memory), at the versions its go.mod has
# once patch 0007 updated modernc.org/sqlite.
patched_modules=(modernc.org/memory@v1.11.0)
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$root/.cache"
patches=("$root"/scripts/ferretdb-patches/*.patch)
[ -f "${patches[0]}" ] || { echo "No patches found in $root/scripts/ferretdb-patches" >&2; exit 3; }
hash=$(cat "${patches[@]}" | sha256sum | cut -c1-12)
bin="$cache/bin/ferretdb-$VERSION-$hash"
if [ "${1:-}" = "--print-binary" ]; then
  echo "$bin"
  exit 0
fi
[ -x "$bin" ] && exit 0

go=$(command -v go || true)
[ -z "$go" ] && [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go
if [ -z "$go" ]; then
  echo "Go is needed to build FerretDB: install Go >= 1.24, or set MONGODB_URI to a MongoDB server (e.g. docker compose up -d mongo redis)." >&2
  exit 3
fi

# patch(1) if present; otherwise git apply, kept from looking for a repository above the source folder
# (inside one, it would resolve the patch's paths from that repository's root and skip them).
apply_patch() {
  if command -v patch >/dev/null; then
    patch -p1 --forward --batch --fuzz=0 --no-backup-if-mismatch -i "$1"
  else
    GIT_CEILING_DIRECTORIES="$cache" git apply -p1 --whitespace=nowarn "$1"
  fi
}

echo "Building FerretDB $VERSION-$hash with $("$go" version | cut -d' ' -f3) (first run only, about 1-2 minutes)..." >&2
mkdir -p "$cache/bin"
# A folder of this build's own: test runs started at the same time may build at once.
src=$(mktemp -d "$cache/ferretdb-src.XXXXXX")
log="$cache/ferretdb-build.log"
tmp="$bin.tmp.$$"
trap 'rm -rf "$src" "$tmp"' EXIT
# Copies a module's source from the module cache (downloaded through the Go module proxy if missing) to a folder.
copy_module() {
  local dir
  dir=$(cd "$cache" && GOFLAGS=-mod=mod "$go" mod download -json "$1" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p') || return 1
  [ -n "$dir" ] || return 1
  mkdir -p "$2" && cp -r "$dir/." "$2" && chmod -R u+w "$2"
}
# Each step checks its own status: `set -e` does not apply inside a function run as an `if` condition.
build() {
  local m p
  copy_module "github.com/FerretDB/FerretDB@$VERSION" "$src" || return 1
  echo "$VERSION" >"$src/build/version/version.txt" || return 1
  # Dependencies a patch changes, copied beside the source (the patch points go.mod at the copy).
  for m in "${patched_modules[@]}"; do
    copy_module "$m" "$src/third_party/${m%@*}" || return 1
  done
  for p in "${patches[@]}"; do
    echo "Applying $(basename "$p")"
    (cd "$src" && apply_patch "$p") || return 1
  done
  (cd "$src" && CGO_ENABLED=0 "$go" build -trimpath -o "$tmp" ./cmd/ferretdb) || return 1
}
if ! build >"$log.$$" 2>&1; then
  mv "$log.$$" "$log"
  tail -n 20 "$log" >&2
  echo "FerretDB could not be built (log: $log); set MONGODB_URI to a MongoDB server instead." >&2
  exit 3
fi
mv "$log.$$" "$log"
mv "$tmp" "$bin"
echo "FerretDB built at $bin" >&2
