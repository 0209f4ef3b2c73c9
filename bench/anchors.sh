#!/usr/bin/env bash
# anchors.sh — the reference ("anchor") benchmarks for Heater, and the same measurements
# against a Heater server in the same run when PRODUCT_URL is set.
#
#   bench/anchors.sh                                    # references only
#   PRODUCT_URL=http://127.0.0.1:8080 bench/anchors.sh  # + the product, with ratios
#
# What it does (everything on 127.0.0.1, ports PORT_BASE..PORT_BASE+3, default 18080..18083):
#   1. installs what is missing with apt-get (nginx fcgiwrap wrk git nodejs), never letting the
#      packages start their system services;
#   2. builds the fixtures (make-fixtures.sh small medium) in $BENCH_FIXTURES if absent;
#   3. copies them to $BENCH_WORK/repos/bench/{small,medium}.git (when they differ) and makes
#      fresh copies of small to push to: bench/push-ref.git (http-backend, http.receivepack=true),
#      $BENCH_WORK/push-floor.git (file://) and bench/push.git (the product's);
#   4. starts, as its own children: fcgiwrap + nginx (git http-backend, and /static/ for one
#      file), git daemon, and two naive Node file servers (ref-file-server.mjs);
#   5. measures, interleaving all variants round by round:
#      - clone (--no-checkout), clone --depth 1, no-op fetch of small and medium, protocol v2:
#        http-backend | git daemon | git daemon with protocol v0 (v2 over git:// stalls on
#        delayed ACKs) | file:// --no-local | --local (full clone only) | product
#        Each is one whole `git` process timed from spawn to exit (Node hrtime; set-up such as
#        rm -rf of the target is not timed); hyperfine agrees within ~3%.
#      - push of 1 commit + 1 annotated tag to small: http-backend | file:// | product
#      - GET of template.yaml at v1.2.3 (6,228 bytes) with wrk at CONCURRENCY:
#        nginx static file | Node spawning `git show` per request | Node with one
#        `git cat-file --batch` | product
#   6. prints a Markdown report (also $BENCH_WORK/results.md, raw figures in results.json)
#      and stops every process it started, by PID.
#
# Settings (environment):
#   BENCH_FIXTURES  fixture dir (default /tmp/heater-bench/fixtures)
#   BENCH_WORK      scratch dir: repos served, clones, logs, results (default /tmp/heater-bench/run)
#   PORT_BASE       18080: nginx; +1 spawn server; +2 cat-file server; +3 git daemon
#   RUNS_SMALL=15 RUNS_MEDIUM=9 RUNS_PUSH=15 WARMUP=2   timed rounds per variant (after warm-up)
#   WRK_RUNS=3 WRK_DURATION=5s CONCURRENCY="1 16 64"    raw-file load
#   ONLY=clone,push,files                                 sections to run; ONLY=serve only
#                      starts the references, prints their URLs and keeps them up until killed
#   FCGI_BUFFERING=off (nginx fastcgi_buffering for git; 'on' spools packs through nginx)
#   FCGI_CHILDREN=4    fcgiwrap preforked workers
#   FILE_VERSION=1.2.3 FILE_PATH=template.yaml            the file fetched in the raw-file test
# The product (all optional but PRODUCT_URL):
#   PRODUCT_URL        base URL, e.g. http://127.0.0.1:8080
#   PRODUCT_GIT_PATH   git remote path, {repo} = small|medium|push  (default /bench/{repo}.git);
#                      the product must serve $BENCH_WORK/repos (HEATER_REPOS) for these to exist
#   PRODUCT_FILE_PATH  raw file path, {version} {path} filled in
#                      (default /api/v1/templates/bench/small/versions/{version}/files/{path})
#   PRODUCT_TOKEN      write token; sent on git requests as HTTP Basic (user "bench") for push
#   PRODUCT_CMD        command that starts the product (run with bash -c from the current
#                      directory, in its own process group, stopped at the end); it gets
#                      HEATER_REPOS=$BENCH_WORK/repos, HEATER_HOST/HEATER_PORT from PRODUCT_URL,
#                      HEATER_PUBLIC_URL, and
#                      HEATER_ADMIN_TOKEN=$PRODUCT_TOKEN. Without it, start the product yourself
#                      with HEATER_REPOS=$BENCH_WORK/repos (it must serve the same repos; the
#                      harness checks that the refs and the file bytes match).
#   PRODUCT_READY_PATH readiness path (default /healthz)
# With a product, each table gains product/reference ratios: for times lower is better
# (median of per-round ratios), for req/s higher is better.
# Copied from the shared harness /work/shared/bench/anchors.sh; unchanged apart from this line.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_FIXTURES=${BENCH_FIXTURES:-/tmp/heater-bench/fixtures}
export BENCH_WORK=${BENCH_WORK:-/tmp/heater-bench/run}

missing=()
for pair in nginx:nginx fcgiwrap:fcgiwrap wrk:wrk git:git node:nodejs; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || PATH=$PATH:/usr/sbin command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
done
export PATH=$PATH:/usr/sbin
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "anchors: missing packages: ${missing[*]} (install them with apt-get as root)" >&2; exit 1; }
  echo "anchors: installing ${missing[*]} ..." >&2
  # Keep the packages from starting system-wide services (nginx would bind 0.0.0.0:80).
  own_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; own_policy=1; fi
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  [ $own_policy = 0 ] || rm -f /usr/sbin/policy-rc.d
fi

"$here/make-fixtures.sh" "$BENCH_FIXTURES" small medium >&2
exec node "$here/anchors.mjs"
