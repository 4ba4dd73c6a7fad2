#!/usr/bin/env bash
# The whole suite: install and build, lint and format check, type check, then the tests, which
# bring up their own FerretDB and Redis (see test/support/global-setup.ts).
set -euo pipefail
cd "$(dirname "$0")/.."
unset MONGODB_URI REDIS_URL
bash scripts/setup.sh
if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests..." >&2
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "chromium is missing: install Debian's chromium package (apt-get install chromium)." >&2
    exit 1
  fi
fi
echo "== lint" >&2
npx biome ci --colors=off .
echo "== types" >&2
npx tsc --noEmit
echo "== tests" >&2
npx vitest run "$@"
