#!/usr/bin/env bash
# Blue-green release of the API (runbook: "Deployment"). kubectl commands act on a cluster.
#
#   scripts/deploy-blue-green.sh --image IMAGE [--namespace production] [--minutes 10]
#                                [--interval 30] [--active blue|green] [--dry-run]
#
# 1. pre-checks (scripts/pre-deployment-checks.sh: lint, render, audit, database);
# 2. apply the idle colour's overlay with IMAGE and wait for its rollout;
# 3. smoke-test it through a port-forward (`vigil deploy smoke`);
# 4. switch the Service `anomaly-detection-api` selector to the idle colour;
# 5. watch error rate and p95 from the new pods' /metrics for N minutes (`vigil deploy
#    watch`: runbook thresholds 5 % errors, p95 2 s); on a sustained breach switch the
#    selector back (automatic rollback) and exit 1.
# --dry-run prints every kubectl command instead of running it (no cluster needed).
set -euo pipefail
cd "$(dirname "$0")/.."

NS=production
IMAGE=""
MINUTES=10
INTERVAL=30
ACTIVE=""
DRY=""
SERVICE=anomaly-detection-api
while [ $# -gt 0 ]; do
  case "$1" in
    --image) IMAGE="$2"; shift 2 ;;
    --namespace) NS="$2"; shift 2 ;;
    --minutes) MINUTES="$2"; shift 2 ;;
    --interval) INTERVAL="$2"; shift 2 ;;
    --active) ACTIVE="$2"; shift 2 ;;
    --dry-run) DRY=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "deploy-blue-green: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$IMAGE" ] || { echo "deploy-blue-green: --image is required" >&2; exit 2; }
VIGIL=${VIGIL:-vigil}

say() { echo "deploy-blue-green: $*"; }
k() {  # run (or, on a dry run, print) one kubectl command
  if [ -n "$DRY" ]; then echo "kubectl -n $NS $*"; else kubectl -n "$NS" "$@"; fi
}
deployment_of() { if [ "$1" = blue ]; then echo "$SERVICE"; else echo "$SERVICE-$1"; fi; }

say "pre-deployment checks"
if [ -n "$DRY" ]; then
  say "(dry run) would run scripts/pre-deployment-checks.sh"
else
  scripts/pre-deployment-checks.sh || { say "pre-checks failed: nothing deployed"; exit 1; }
fi

if [ -z "$ACTIVE" ]; then
  if [ -n "$DRY" ]; then ACTIVE=blue
  else ACTIVE=$(kubectl -n "$NS" get service "$SERVICE" -o jsonpath='{.spec.selector.color}'); fi
fi
case "$ACTIVE" in blue) IDLE=green ;; green) IDLE=blue ;;
  *) say "cannot tell the active colour (selector color=$ACTIVE); pass --active"; exit 2 ;; esac
TARGET=$(deployment_of "$IDLE")
say "active colour $ACTIVE, deploying $IMAGE to $IDLE ($TARGET)"

k apply -k "deploy/kubernetes/overlays/$IDLE"
k set image "deployment/$TARGET" "vigil=$IMAGE" "migrate=$IMAGE"
k rollout status "deployment/$TARGET" --timeout=10m

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
if [ -n "$DRY" ]; then
  echo "kubectl -n $NS port-forward deployment/$TARGET $port:8000"
else
  kubectl -n "$NS" port-forward "deployment/$TARGET" "$port:8000" >/dev/null 2>&1 &
  pf=$!
  trap 'kill "$pf" 2>/dev/null || true' EXIT
  sleep 3
fi
URL="http://127.0.0.1:$port"

say "smoke test of $IDLE"
if [ -z "$DRY" ] && ! $VIGIL deploy smoke --url "$URL"; then
  say "smoke test failed: traffic stays on $ACTIVE"; exit 1
fi

switch_to() {
  k patch service "$SERVICE" --type merge \
    -p "{\"spec\":{\"selector\":{\"app\":\"$SERVICE\",\"color\":\"$1\"}}}"
}
say "switching traffic to $IDLE"
switch_to "$IDLE"

say "watching $IDLE for $MINUTES minutes"
if [ -n "$DRY" ]; then
  echo "$VIGIL deploy watch --url $URL --minutes $MINUTES --interval $INTERVAL"
  say "(dry run) on a breach: rollback by"; switch_to "$ACTIVE"; exit 0
fi
if ! $VIGIL deploy watch --url "$URL" --minutes "$MINUTES" --interval "$INTERVAL"; then
  say "breach of the runbook thresholds: ROLLING BACK to $ACTIVE"
  switch_to "$ACTIVE"
  exit 1
fi
say "release on $IDLE kept; $ACTIVE ($(deployment_of "$ACTIVE")) stays up for a manual rollback"
