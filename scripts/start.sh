#!/usr/bin/env bash
# Quick start: install, build, bring up FerretDB + Redis unless MONGODB_URI / REDIS_URL are set,
# seed a demo account and start the server (prints the URL and the demo sign-in).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/orgauth.js dev
