#!/usr/bin/env bash
# Benchmarks (bench/): install and build as the other commands do, then run each scenario.
# Results go to bench/results/ (JSON and a Markdown table).
set -euo pipefail
cd "$(dirname "$0")/.."
unset MONGODB_URI REDIS_URL
bash scripts/setup.sh
node --import tsx bench/middleware.ts
npm run build --silent
node --import tsx bench/credits.ts
node --import tsx bench/token-endpoint.ts
