#!/usr/bin/env bash
# Weekly maintenance (runbook: "Weekly"): backup, database upkeep, old logs, compliance
# audits, dependency scan. Exit 1 when any step fails or finds a breach.
#   BACKUP_DIR=/backups LOG_DIR=/var/log/vigil scripts/weekly-maintenance.sh
set -uo pipefail
cd "$(dirname "$0")/.."
VIGIL=${VIGIL:-vigil}
BACKUP_DIR=${BACKUP_DIR:-./backups}
failed=0
check() { local name=$1; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; failed=1; fi; }
check "backup" $VIGIL db backup --out "$BACKUP_DIR/vigil-$(date -u +%Y%m%dT%H%M%SZ).backup"
check "database maintenance (retention, VACUUM/ANALYZE, indexes)" $VIGIL db maintain
if [ -n "${LOG_DIR:-}" ]; then
  check "old logs removed" $VIGIL logs clean --dir "$LOG_DIR" --older-than-days "${LOG_DAYS:-14}"
fi
check "Kubernetes manifests audit" $VIGIL audit k8s deploy/kubernetes --fail-on warning
check "Vigil settings audit" $VIGIL audit config
check "no critical vulnerability in requirements.lock" $VIGIL scan requirements.lock --kind requirements --fail-on critical --unknown-as critical
exit $failed
