"""`vigil deploy watch|smoke` against a real `vigil serve` as the metrics source."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import httpx

from tests.integration.operations.running_vigil import RunningVigil
from tests.support import free_port
from vigil.services.deploy_watch import Snapshot, Thresholds, judge, parse, quantile


def vigil(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the `vigil` CLI in its own process."""
    return subprocess.run([sys.executable, "-m", "vigil.cli.main", *args],
                          capture_output=True, text=True, timeout=300)


def traffic(server: RunningVigil, stop: threading.Event, path: str = "/api/v1/series") -> None:
    """Steady authenticated requests until told to stop."""
    headers = {"Authorization": f"Bearer {server.key}"}
    with httpx.Client(base_url=server.url, headers=headers, timeout=10) as client:
        while not stop.is_set():
            client.get(path)
            stop.wait(0.02)


def watch_with_traffic(server: RunningVigil, *options: str) -> subprocess.CompletedProcess[str]:
    """`vigil deploy watch` for ~3 s while requests flow."""
    stop = threading.Event()
    thread = threading.Thread(target=traffic, args=(server, stop), daemon=True)
    thread.start()
    try:
        return vigil("deploy", "watch", "--url", server.url, "--minutes", "0.05",
                     "--interval", "1", "--min-requests", "5", "--format", "json", *options)
    finally:
        stop.set()
        thread.join(timeout=10)


def test_healthy_release_is_kept(vigil_server: RunningVigil) -> None:
    result = watch_with_traffic(vigil_server)
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["rollback"] is False
    judged = [w for w in verdict["windows"] if w["error_rate"] is not None]
    assert judged and all(w["error_rate"] == 0 for w in judged)


def test_latency_over_the_threshold_rolls_back(vigil_server: RunningVigil) -> None:
    result = watch_with_traffic(vigil_server, "--max-p95", "0.0000001", "--breaches", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["rollback"] is True and "p95" in verdict["reason"]


def test_a_release_that_stops_answering_rolls_back() -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    result = vigil("deploy", "watch", "--url", dead, "--minutes", "0.01", "--interval", "0.2")
    assert result.returncode == 1 and "ROLLBACK" in result.stdout


def test_error_rate_is_the_5xx_share_of_real_traffic(vigil_server: RunningVigil) -> None:
    before = parse(httpx.get(vigil_server.url + "/metrics").text)
    headers = {"Authorization": f"Bearer {vigil_server.key}"}
    for _ in range(20):
        httpx.get(vigil_server.url + "/api/v1/series", headers=headers)
    after = parse(httpx.get(vigil_server.url + "/metrics").text)
    window = judge(before, after, Thresholds())
    assert window.requests == 20 and window.error_rate == 0.0 and not window.breached
    # The same window with a fifth of the requests answered 5xx breaches the runbook's 5 %.
    failing = Snapshot(after.requests, after.errors + 4, after.buckets)
    assert judge(before, failing, Thresholds()).breached


def test_quantile_matches_prometheus_histogram_quantile() -> None:
    buckets = {0.1: 50.0, 0.5: 90.0, 1.0: 100.0, float("inf"): 100.0}
    assert quantile(0.5, buckets) == 0.1
    assert abs((quantile(0.95, buckets) or 0) - 0.75) < 1e-9


def test_smoke_passes_on_a_running_vigil_and_fails_on_a_dead_one(
        vigil_server: RunningVigil) -> None:
    ok = vigil("deploy", "smoke", "--url", vigil_server.url, "--key", vigil_server.key)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    dead = vigil("deploy", "smoke", "--url", f"http://127.0.0.1:{free_port()}")
    assert dead.returncode == 1 and "FAIL liveness" in dead.stdout
