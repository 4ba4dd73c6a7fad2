#!/usr/bin/env bash
# Benchmarks (bench/): install and build as the other commands do, then run each part and merge the
# results into bench/results/latest.json and latest.md (each part also writes its own file).
#   BENCH_SECONDS (default 5)  length of each run
#   BENCH_SCALE=0              skip seeding the large installation (BENCH_SCALE_TOKENS etc. set its size)
#   BENCH_PART=big-org         bench/data-layer.ts: only the members list of one organization 10x the size
#   BENCH_PART=sweep           bench/data-layer.ts: only the expired-record sweep at size (into its last results)
#   BENCH_PROFILE=1            only Orgauth's client-credentials JWT run, under --cpu-prof
#                              (bench/results/profiles/), then its top self-time functions
# See bench/token-endpoint.ts for the others.
set -euo pipefail
cd "$(dirname "$0")/.."
unset MONGODB_URI REDIS_URL
bash scripts/setup.sh
if [ "${BENCH_PROFILE:-}" = 1 ]; then
  exec node --import tsx bench/token-endpoint.ts
fi
node --import tsx bench/query-trace.ts
node --import tsx bench/middleware.ts
node --import tsx bench/credits.ts
node --import tsx bench/token-endpoint.ts
node --import tsx bench/data-layer.ts
node --import tsx bench/read-cache-notices.ts
node --import tsx bench/outages.ts
node --import tsx bench/report.ts
