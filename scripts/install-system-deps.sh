#!/bin/sh
# Install the system binaries Vigil's tests and deploy checks use, when missing:
#   prometheus, promtool      (Debian package: prometheus)
#   prometheus-alertmanager, amtool (Debian package: prometheus-alertmanager)
#   pg_dump, pg_restore, psql (Debian package: postgresql-client; `vigil db backup|restore`
#                             on PostgreSQL; its major version must be >= the server's)
#   chromium, chromedriver    (Debian packages: chromium, chromium-driver; the web console's
#                             browser tests drive them through Selenium, nothing is downloaded)
# kubectl (for `kubectl kustomize` in the deploy tests) is not taken from Debian: bookworm's
# kubernetes-client 1.20 is too old for the kustomize tree; the tests say so when it is absent.
# Idempotent: does nothing when every binary is already on PATH. Never starts the
# services (tests start their own on free ports); if a package manager started a
# daemon anyway, it is stopped so nothing keeps ports 9090/9093 bound.
# Needs root (or sudo) and apt-get, i.e. Debian/Ubuntu.
set -eu

missing=""
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 \
    || missing="$missing prometheus"
command -v prometheus-alertmanager >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 \
    || missing="$missing prometheus-alertmanager"
command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1 \
    && command -v psql >/dev/null 2>&1 || missing="$missing postgresql-client"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v chromedriver >/dev/null 2>&1 || missing="$missing chromium-driver"

if [ -z "$missing" ]; then
    echo "install-system-deps: prometheus, prometheus-alertmanager, postgresql-client and chromium already installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: apt-get not found; install$missing yourself" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-system-deps: need root (or sudo) to install$missing" >&2
        exit 1
    fi
fi

# policy-rc.d exit code 101 tells invoke-rc.d not to start services during install.
policy=/usr/sbin/policy-rc.d
added_policy=""
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    added_policy="yes"
fi
cleanup() { if [ -n "$added_policy" ]; then $SUDO rm -f "$policy"; fi; }
trap cleanup EXIT

echo "install-system-deps: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing

# Where systemd runs, the packages enable and may start their units: stop and disable them.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    for unit in prometheus prometheus-alertmanager; do
        $SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true
    done
fi

for bin in prometheus promtool prometheus-alertmanager amtool pg_dump pg_restore psql chromium chromedriver; do
    command -v "$bin" >/dev/null 2>&1 || { echo "install-system-deps: $bin still missing" >&2; exit 1; }
done
echo "install-system-deps: done ($(prometheus --version 2>&1 | head -n 1))"
