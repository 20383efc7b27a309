#!/usr/bin/env bash
# Pre-deployment checks: Dockerfile lint, overlays render and pass the audit, dependencies
# have no critical vulnerability, the database answers. Exit 1 on any failure.
#   scripts/pre-deployment-checks.sh     (VIGIL_DATABASE_URL as the service has it)
set -uo pipefail
cd "$(dirname "$0")/.."
VIGIL=${VIGIL:-vigil}
failed=0
check() { local name=$1; shift; if "$@"; then echo "ok   $name"; else echo "FAIL $name"; failed=1; fi; }

check "Dockerfile lint" python3 scripts/dockerfile_lint.py Dockerfile
rendered=$(mktemp -d)
trap 'rm -rf "$rendered"' EXIT
for overlay in production blue green; do
  check "render overlay $overlay" sh -c "kubectl kustomize deploy/kubernetes/overlays/$overlay > $rendered/$overlay.yaml"
done
check "audit rendered manifests" $VIGIL audit k8s "$rendered" --fail-on warning
check "no critical vulnerability in requirements.lock" $VIGIL scan requirements.lock --kind requirements --fail-on critical --unknown-as critical
check "database reachable, schema current" $VIGIL db check
exit $failed
