#!/usr/bin/env bash
# Benchmarks (bench/): install and build as the other commands do, then run each scenario and merge
# the results into bench/results/latest.json and latest.md (each part also writes its own file).
# BENCH_SECONDS (default 5) sets each run's length; see bench/token-endpoint.ts for the others.
set -euo pipefail
cd "$(dirname "$0")/.."
unset MONGODB_URI REDIS_URL
bash scripts/setup.sh
npm run build --silent
node --import tsx bench/middleware.ts
node --import tsx bench/credits.ts
node --import tsx bench/token-endpoint.ts
node --import tsx bench/report.ts
