"""A real Prometheus scrapes itself and Vigil and remote_writes into a real `vigil serve`."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.integration.prometheus.prom_support import binary, process, vigil_serve, wait_for
from tests.support import free_port

pytestmark = pytest.mark.slow

KEEP_CONFIG = """\
remote_write:
  keep:
    - name: up
    - name: "prometheus_(build_info|http_requests_total)"
      labels: {job: prometheus}
    - name: "vigil_http_requests_total"
"""


def prometheus_config(own_port: int, vigil_url: str, key: str) -> str:
    """Scrape Prometheus itself and Vigil every second; remote_write everything to Vigil."""
    vigil_target = vigil_url.removeprefix("http://")
    return f"""\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:{own_port}']
  - job_name: vigil
    static_configs:
      - targets: ['{vigil_target}']
remote_write:
  - url: {vigil_url}/api/v1/write
    authorization:
      credentials: {key}
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 100ms
      max_backoff: 1s
    metadata_config:
      send_interval: 2s
"""


def test_series_scraped_by_prometheus_arrive_in_vigil_filtered_by_keep_selectors(
        tmp_path: Path, vigil_database: str) -> None:
    prometheus = binary("prometheus")
    with vigil_serve(tmp_path, vigil_database, KEEP_CONFIG) as vigil:
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(prometheus_config(port, vigil.url, vigil.operator_key))
        log = tmp_path / "prometheus.log"
        args = [prometheus, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}", "--log.level=info"]
        with process(args, log) as proc:
            def both_up_series() -> list[dict[str, object]] | None:
                ups = vigil.series("up")
                jobs = {s["labels"].get("job") for s in ups}  # type: ignore[attr-defined]
                return ups if {"prometheus", "vigil"} <= jobs else None

            ups = wait_for(both_up_series, 90, "up{job=prometheus|vigil} in Vigil", proc, log)
            build = wait_for(lambda: vigil.series("prometheus_build_info"), 30,
                             "prometheus_build_info in Vigil", proc, log)
            # Vigil's own request counter, scraped and written back: it counts the writes.
            writes = wait_for(lambda: [
                s for s in vigil.series("vigil_http_requests_total")
                if s["labels"].get("route") == "/api/v1/write"
                and s["labels"].get("status") == "204"], 30,
                "vigil_http_requests_total for /api/v1/write in Vigil", proc, log)

            up_prom = next(s for s in ups if s["labels"]["job"] == "prometheus")
            assert up_prom["labels"] == {"instance": f"127.0.0.1:{port}", "job": "prometheus"}
            points = vigil.get(f"/api/v1/series/{up_prom['id']}/points")["points"]
            assert points and all(value == 1.0 for _, value in points)
            assert build[0]["labels"]["job"] == "prometheus"
            assert "version" in build[0]["labels"]
            assert writes[0]["labels"]["job"] == "vigil"

            # The keep selectors dropped everything else Prometheus sent.
            names = {s["name"] for s in vigil.series()}
            assert names <= {"up", "prometheus_build_info", "prometheus_http_requests_total",
                             "vigil_http_requests_total"}
            assert not any(n.startswith("go_") for n in names)
            assert httpx.get(f"http://127.0.0.1:{port}/-/healthy", timeout=5).status_code == 200
        assert "REMOTE_WRITE_REFUSED" not in vigil.log.read_text(errors="replace")
        log_text = log.read_text(errors="replace")
        assert "non-recoverable error" not in log_text, log_text[-2000:]
