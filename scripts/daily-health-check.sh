#!/usr/bin/env bash
# Daily health check (runbook: "Daily"): service, database, firing P1 alerts, advisory
# database, a one-minute watch of error rate and p95. Exit 1 on any breach.
#   scripts/daily-health-check.sh [URL]    (default http://127.0.0.1:8000; VIGIL_* as served)
set -uo pipefail
VIGIL=${VIGIL:-vigil}
URL=${1:-${VIGIL_URL:-http://127.0.0.1:8000}}
WATCH_MINUTES=${WATCH_MINUTES:-1}
failed=0
check() { local name=$1; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; failed=1; fi; }
no_p1_firing() {
  local out
  out=$($VIGIL alerts list --state firing --format json) || return 1
  python3 -c 'import json,sys; a=json.load(sys.stdin); a=a.get("alerts", a) if isinstance(a, dict) else a; p1=[x for x in a if x.get("priority")=="P1"]; [print("  P1 firing:", x.get("name"), x.get("id")) for x in p1]; sys.exit(1 if p1 else 0)' <<<"$out"
}
check "service answers (smoke test)" $VIGIL deploy smoke --url "$URL"
check "database reachable, schema current" $VIGIL db check
check "no P1 alert firing" no_p1_firing
advisories_loaded() {
  local out; out=$($VIGIL advisories status) || return 1
  echo "  $out" | head -n 1
  ! grep -qE '^0 advisories' <<<"$out"
}
check "advisory database loaded (not empty)" advisories_loaded
check "error rate and p95 within thresholds" $VIGIL deploy watch --url "$URL" --minutes "$WATCH_MINUTES" --interval "${WATCH_INTERVAL:-30}"
exit $failed
