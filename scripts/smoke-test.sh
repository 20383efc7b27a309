#!/usr/bin/env bash
# Smoke test a running Vigil: /health, /ready, /metrics, auth (and an authenticated call
# when VIGIL_API_KEY is set). Exit 1 on any failure.
#   scripts/smoke-test.sh [URL]          (default http://127.0.0.1:8000)
set -euo pipefail
exec "${VIGIL:-vigil}" deploy smoke --url "${1:-${VIGIL_URL:-http://127.0.0.1:8000}}"
