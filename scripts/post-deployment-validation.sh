#!/usr/bin/env bash
# Post-deployment validation: smoke test, database and schema, then a short watch of error
# rate and p95 against the runbook thresholds. Exit 1 on any failure.
#   scripts/post-deployment-validation.sh [URL] [MINUTES]   (defaults: :8000, 2 minutes)
set -uo pipefail
VIGIL=${VIGIL:-vigil}
URL=${1:-${VIGIL_URL:-http://127.0.0.1:8000}}
MINUTES=${2:-2}
failed=0
check() { local name=$1; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; failed=1; fi; }
check "smoke test" $VIGIL deploy smoke --url "$URL"
check "database reachable, schema current" $VIGIL db check
check "error rate and p95 within thresholds" $VIGIL deploy watch --url "$URL" --minutes "$MINUTES" --interval 30
exit $failed
