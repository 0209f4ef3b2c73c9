#!/usr/bin/env bash
# crash.sh — the crash proof at full length: kill -9 of `node dist/main.js` at random moments (fixed
# seed) during 200 pushes and publishes (test/crash.test.ts runs 30 of them in `npm test`).
#   bash bench/crash.sh            # CRASH_OPS=500 bash bench/crash.sh for longer
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build --silent
CRASH_OPS="${CRASH_OPS:-200}" npx jest --runInBand test/crash.test.ts
