#!/usr/bin/env bash
# run.sh — `npm run bench`: the shared reference harness with Heater measured beside the
# references in the same run, then Heater-only micro benchmarks.
#
#   npm run bench                                   # full run, several minutes
#   RUNS_SMALL=3 RUNS_MEDIUM=2 RUNS_PUSH=3 WRK_RUNS=1 WRK_DURATION=2s CONCURRENCY="1 16" npm run bench
#   ONLY=files npm run bench                        # any anchors.sh setting passes through
#
# Steps:
#   1. npm run build (from the repo root), so dist/ matches src/;
#   2. starts `node dist/main.js` itself on PRODUCT_PORT (default 18090) with
#      HEATER_REPOS=$BENCH_WORK/repos and a fixed admin token, waits for /healthz;
#      (the server reads repos lazily per request, so it may start before anchors.mjs copies the
#      fixtures bench/{small,medium,push}.git into that directory);
#   3. runs bench/anchors.sh with PRODUCT_URL and PRODUCT_TOKEN and without PRODUCT_CMD, so this
#      script knows the server's pid; then records the server's VmRSS/VmHWM (and those of its
#      git children) in $BENCH_WORK/product-rss.txt and stops it;
#   4. runs bench/validate.mjs (validating the largest corpus template and the fixture, warm),
#      bench/diff.mjs (the diff API cold and warm against spawning git diff) and
#      bench/resolve.mjs (range resolution on a 1,000-version repo; each starts its own server),
#      bench/reads.mjs (every read kept in memory against nginx static and a bare Node floor),
#      bench/catalog.mjs (the catalog with 10,000 templates against a floor server);
#   5. runs bench/clone-storm.mjs (16 identical simultaneous clones, Heater's pack cache against
#      http-backend, wall time and server CPU per clone; starts its own servers);
#   6. prints where the results are.
#
# Settings (environment), on top of everything anchors.sh reads:
#   PRODUCT_PORT=18090        port of the Heater server measured by the harness
#   SKIP_ANCHORS=1            skip steps 2-3;  SKIP_MICRO=1  skip step 4;  SKIP_CATALOG=1  skip catalog.mjs
#   SKIP_READS=1              skip reads.mjs (READS_* settings: see that file)
#   SKIP_STORM=1              skip step 5;  STORM_*  see bench/clone-storm.mjs
# Last, bench/summary.mjs prints issue 13's targets against this run's figures ($BENCH_WORK/summary.md).
#   CATALOG_*                 see bench/catalog.mjs
#   RESOLVE_*                 see bench/resolve.mjs
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
export BENCH_FIXTURES=${BENCH_FIXTURES:-/tmp/heater-bench/fixtures}
export BENCH_WORK=${BENCH_WORK:-/tmp/heater-bench/run}
PRODUCT_PORT=${PRODUCT_PORT:-18090}
TOKEN=heater-bench-admin-token-0123456789   # fixed: the harness sends it as HTTP Basic on pushes
unset PRODUCT_CMD                            # this script starts the product itself

cd "$root"
echo "bench: building (npm run build)" >&2
npm run build --silent

server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$server_pid" 2>/dev/null && kill -KILL "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

# VmRSS/VmHWM of a pid and its descendants, one line each, plus totals
rss_report() {
  local pid=$1 all=("$1") i=0 kids
  while [ $i -lt ${#all[@]} ]; do
    kids=$(cat "/proc/${all[$i]}/task/"*/children 2>/dev/null || true)
    for k in $kids; do all+=("$k"); done
    i=$((i + 1))
  done
  local sum=0 p rss hwm cmd
  for p in "${all[@]}"; do
    [ -r "/proc/$p/status" ] || continue
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")
    hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status")
    cmd=$(tr '\0' ' ' < "/proc/$p/cmdline" | cut -c1-100)
    sum=$((sum + ${rss:-0}))
    awk -v p="$p" -v r="${rss:-0}" -v h="${hwm:-0}" -v c="$cmd" 'BEGIN { printf "pid %s VmRSS %d kB (%.1f MiB) VmHWM %d kB (%.1f MiB)  %s\n", p, r, r / 1024, h, h / 1024, c }'
  done
  awk -v n="${#all[@]}" -v s="$sum" 'BEGIN { printf "process tree: %d processes, VmRSS sum %d kB (%.1f MiB)\n", n, s, s / 1024 }'
}

if [ "${SKIP_ANCHORS:-0}" != 1 ]; then
  mkdir -p "$BENCH_WORK/repos" "$BENCH_WORK/logs-product"
  if (exec 3<>"/dev/tcp/127.0.0.1/$PRODUCT_PORT") 2>/dev/null; then
    echo "bench: port $PRODUCT_PORT is in use on 127.0.0.1: set PRODUCT_PORT" >&2; exit 1
  fi
  log=$BENCH_WORK/logs-product/heater.log
  echo "bench: starting node dist/main.js on 127.0.0.1:$PRODUCT_PORT serving $BENCH_WORK/repos (log $log)" >&2
  # Same environment discipline as the harness gives PRODUCT_CMD: no caller GIT_* variables.
  env $(env | awk -F= '/^GIT_/ {printf "-u %s ", $1}') \
    HEATER_REPOS="$BENCH_WORK/repos" HEATER_HOST=127.0.0.1 HEATER_PORT="$PRODUCT_PORT" \
    HEATER_PUBLIC_URL="http://127.0.0.1:$PRODUCT_PORT" HEATER_ADMIN_TOKEN="$TOKEN" HEATER_LOG_LEVEL=info \
    node dist/main.js >"$log" 2>&1 &
  server_pid=$!
  ok=0
  for _ in $(seq 1 200); do
    kill -0 "$server_pid" 2>/dev/null || { echo "bench: the server exited; see $log" >&2; cat "$log" >&2; exit 1; }
    if curl -fsS -o /dev/null "http://127.0.0.1:$PRODUCT_PORT/healthz" 2>/dev/null; then ok=1; break; fi
    sleep 0.1
  done
  [ $ok = 1 ] || { echo "bench: the server did not answer /healthz within 20 s; see $log" >&2; exit 1; }

  PRODUCT_URL="http://127.0.0.1:$PRODUCT_PORT" PRODUCT_TOKEN="$TOKEN" bash "$here/anchors.sh"

  kill -0 "$server_pid" 2>/dev/null || { echo "bench: the server died during the anchors run; see $log" >&2; exit 1; }
  {
    echo "# Heater server (node dist/main.js, pid $server_pid) after the anchors run, $(date -u +%FT%TZ)"
    rss_report "$server_pid"
  } | tee "$BENCH_WORK/product-rss.txt"
  stop_server
fi

if [ "${SKIP_MICRO:-0}" != 1 ]; then
  mkdir -p "$BENCH_WORK"
  [ -d "$BENCH_FIXTURES/bench/small.git" ] || "$here/make-fixtures.sh" "$BENCH_FIXTURES" small >&2
  echo "bench: validation of a version, warm (bench/validate.mjs)" >&2
  node "$here/validate.mjs" | tee "$BENCH_WORK/validate.md"
  echo "bench: the structural diff of two 6 KB templates, warm (bench/structural.mjs)" >&2
  node "$here/structural.mjs" | tee "$BENCH_WORK/structural.md"
  echo "bench: diffs against spawning git diff (bench/diff.mjs)" >&2
  node "$here/diff.mjs" | tee "$BENCH_WORK/diff.md"
  node "$here/resolve.mjs"
  if [ "${SKIP_READS:-0}" != 1 ]; then
    echo "bench: reads against nginx static and a bare Node server (bench/reads.mjs)" >&2
    node "$here/reads.mjs"
  fi
  if [ "${SKIP_CATALOG:-0}" != 1 ]; then
    echo "bench: the catalog at scale (bench/catalog.mjs; builds many:10000 when missing)" >&2
    node "$here/catalog.mjs"
  fi
fi

if [ "${SKIP_STORM:-0}" != 1 ]; then
  [ -d "$BENCH_FIXTURES/bench/medium.git" ] || "$here/make-fixtures.sh" "$BENCH_FIXTURES" small medium >&2
  echo "bench: clone storms, Heater's pack cache against http-backend (bench/clone-storm.mjs)" >&2
  node "$here/clone-storm.mjs"
fi

# issue 13's targets against this run's figures, from the files above
node "$here/summary.mjs"

echo
echo "bench: results"
[ "${SKIP_ANCHORS:-0}" = 1 ] || echo "  anchors + product:   $BENCH_WORK/results.md (raw: $BENCH_WORK/results.json)"
[ "${SKIP_ANCHORS:-0}" = 1 ] || echo "  product RSS:         $BENCH_WORK/product-rss.txt (server log: $BENCH_WORK/logs-product/heater.log)"
[ "${SKIP_MICRO:-0}" = 1 ] || echo "  range resolution:    $BENCH_WORK/resolve.md (raw: $BENCH_WORK/resolve.json)"
[ "${SKIP_MICRO:-0}" = 1 ] || echo "  validation, diffs:   $BENCH_WORK/validate.md, $BENCH_WORK/diff.md"
[ "${SKIP_MICRO:-0}" = 1 ] || [ "${SKIP_READS:-0}" = 1 ] || echo "  reads vs references: $BENCH_WORK/reads.md (raw: $BENCH_WORK/reads.json)"
[ "${SKIP_MICRO:-0}" = 1 ] || [ "${SKIP_CATALOG:-0}" = 1 ] || echo "  catalog at scale:    $BENCH_WORK/catalog.md (raw: $BENCH_WORK/catalog.json)"
[ "${SKIP_STORM:-0}" = 1 ] || echo "  clone storms:        $BENCH_WORK/clone-storm.md"
echo "  summary for the repo: bench/RESULTS.md (written by hand from these files)"
