#!/usr/bin/env bash
# Build Vigil's image with podman (or buildah) and smoke-test it; lint the Dockerfile first.
#
#   scripts/build-image.sh [--tag IMAGE] [--base IMAGE] [--lint-only]
#
# Base image: --base, else the Dockerfile's default (python:3.11-slim-bookworm) when a registry
# answers, else a Debian bookworm base made here with debootstrap (localhost/vigil-base:bookworm,
# built once and reused). When no container tool can build here, it prints exactly why, runs
# only the Dockerfile lint, and exits 3: it never reports an image that was not built.
# Exit: 0 built and smoke-tested; 1 lint, build or smoke test failed; 3 not built (reason shown).
set -euo pipefail
cd "$(dirname "$0")/.."

TAG="localhost/vigil:$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)"
BASE=""
LINT_ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --tag) TAG="$2"; shift 2 ;;
    --base) BASE="$2"; shift 2 ;;
    --lint-only) LINT_ONLY=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
  esac
done

say() { echo "build-image: $*"; }

say "linting Dockerfile"
python3 scripts/dockerfile_lint.py Dockerfile || { say "Dockerfile lint failed"; exit 1; }
if [ -n "$LINT_ONLY" ]; then say "lint only: no image built"; exit 0; fi

not_built() { say "NOT BUILT: $*"; say "only the Dockerfile lint ran (passed)"; exit 3; }

TOOL=""
if command -v podman >/dev/null 2>&1; then TOOL=podman
elif command -v buildah >/dev/null 2>&1; then TOOL=buildah
else not_built "neither podman nor buildah is installed (Debian: apt-get install podman)"; fi
if ! err=$($TOOL info 2>&1 >/dev/null); then
  not_built "$TOOL cannot run here: $(echo "$err" | tail -n 1)"
fi

DEFAULT_BASE=$(sed -n 's/^ARG BASE_IMAGE=//p' Dockerfile)
if [ -z "$BASE" ]; then
  if $TOOL pull -q "$DEFAULT_BASE" >/dev/null 2>&1; then
    BASE="$DEFAULT_BASE"
  else
    say "registry unreachable for $DEFAULT_BASE: using a local Debian base"
    BASE="localhost/vigil-base:bookworm"
    if ! $TOOL image exists "$BASE" 2>/dev/null; then
      command -v debootstrap >/dev/null 2>&1 \
        || not_built "no registry and no debootstrap to make a base (apt-get install debootstrap)"
      [ "$(id -u)" -eq 0 ] || not_built "debootstrap needs root to make the base image"
      rootfs=$(mktemp -d /tmp/vigil-rootfs.XXXXXX)
      trap 'rm -rf "$rootfs"' EXIT
      say "debootstrap bookworm (minbase + python3) into $rootfs"
      debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$rootfs" http://deb.debian.org/debian >/dev/null \
        || not_built "debootstrap failed (is deb.debian.org reachable?)"
      rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
      tar -C "$rootfs" -c . | $TOOL import - "$BASE" >/dev/null
      say "imported $BASE"
    fi
  fi
fi

# Can this machine run a container at all? (A build runs each RUN step in one.)
if [ "$TOOL" = podman ]; then
  probe=(podman run --rm --network=host "$BASE" true)
else
  probe=(buildah run --network=host "$(buildah from -q "$BASE")" true)
fi
if ! err=$("${probe[@]}" 2>&1); then
  not_built "$TOOL cannot start a container here, so no RUN step can execute: $(echo "$err" | tail -n 1)"
fi

build_args=(--build-arg "BASE_IMAGE=$BASE")
ca=$(python3 -m pip config get global.cert 2>/dev/null || true)
if [ -n "$ca" ] && [ -f "$ca" ]; then
  build_args+=(--volume "$ca:/run/host-ca.crt:ro" --build-arg "PIP_CERT=/run/host-ca.crt")
fi
say "building $TAG from $BASE with $TOOL"
if [ "$TOOL" = podman ]; then
  podman build --network=host --format docker "${build_args[@]}" -t "$TAG" . \
    || { say "build FAILED"; exit 1; }
else
  buildah bud --network=host --format docker "${build_args[@]}" -t "$TAG" . \
    || { say "build FAILED"; exit 1; }
fi
say "built $TAG"

if [ "$TOOL" != podman ]; then say "built; smoke test skipped: it needs podman to run"; exit 0; fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
user=$(podman run --rm --entrypoint id "$TAG" -u)
[ "$user" != 0 ] || { say "smoke test FAILED: the image runs as root"; exit 1; }
cid=$(podman run -d --read-only --tmpfs /tmp -p "127.0.0.1:$port:8000" "$TAG")
trap 'podman rm -f "$cid" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 60); do
  if python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=2).status == 200 else 1)" 2>/dev/null; then
    podman healthcheck run "$cid" >/dev/null || { say "smoke test FAILED: HEALTHCHECK"; exit 1; }
    podman exec "$cid" vigil db check >/dev/null || { say "smoke test FAILED: vigil db check"; exit 1; }
    say "smoke test passed: uid $user, read-only root, /health 200, HEALTHCHECK ok, db check ok"
    exit 0
  fi
  sleep 1
done
podman logs "$cid" | tail -n 20
say "smoke test FAILED: /health did not answer within 60 s"
exit 1
