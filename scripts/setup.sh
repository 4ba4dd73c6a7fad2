#!/usr/bin/env bash
# Installs what the project needs and builds it: Node packages (npm ci, when the lockfile changed),
# the TypeScript build, and the FerretDB binary (when no MONGODB_URI is given).
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "Orgauth needs Node.js >= 20.19 (found: $(node --version 2>/dev/null || echo none))." >&2
  exit 1
fi

lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.orgauth-lock ] || [ "$(cat node_modules/.orgauth-lock)" != "$lock_sum" ]; then
  echo "Installing Node packages (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" >node_modules/.orgauth-lock
fi

# Rebuild only when a source, the build configuration or the lockfile changed since the last build.
stamp=dist/.orgauth-build
if [ ! -f "$stamp" ] || [ -n "$(find src tsconfig.json tsconfig.build.json package-lock.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  npm run --silent build
  touch "$stamp"
fi

if [ -z "${MONGODB_URI:-}" ]; then
  bash scripts/build-ferretdb.sh
fi
