"""deploy/ files end to end: real Prometheus evaluates rules.yml on a scraped exporter and
alerts a real Alertmanager running the example routing, which calls the right webhook."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.integration.prometheus.prom_support import (
    alertmanager,
    binary,
    example_alertmanager_config,
    fired,
    process,
    wait_for,
    webhook_receiver,
)
from tests.support import free_port

pytestmark = pytest.mark.slow

RULES = Path(__file__).parents[3] / "deploy" / "prometheus" / "rules.yml"


@contextmanager
def exporter(metrics: dict[str, float]) -> Iterator[str]:
    """A tiny exporter serving `metrics` (changeable while it runs) in the text format."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = "".join(f"{name} {value}\n" for name, value in dict(metrics).items()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_threat_metric_pages_p1_and_resolves(tmp_path: Path) -> None:
    prometheus = binary("prometheus")
    metrics = {"security_threats_detected": 3.0, "vulnerability_scan_failures": 0.0,
               "data_quality_score": 0.99}
    with webhook_receiver() as hook, exporter(metrics) as target, \
            alertmanager(tmp_path, example_alertmanager_config(hook)) as am_url:
        port = free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(f"""\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {RULES}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['{am_url.removeprefix("http://")}']
scrape_configs:
  - job_name: exporter
    static_configs:
      - targets: ['{target}']
""")
        log = tmp_path / "prometheus.log"
        args = [prometheus, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}"]
        with process(args, log) as proc:
            firing = wait_for(lambda: fired(hook, "SecurityThreatDetected", "firing"), 90,
                              "SecurityThreatDetected at the webhook", proc, log)
            alert = firing[0]
            assert alert["labels"]["priority"] == "P1"
            assert alert["labels"]["severity"] == "critical"
            assert alert["labels"]["instance"] == target
            assert alert["annotations"]["summary"] == "Security threats detected"
            assert alert["annotations"]["description"].startswith(
                f"3 security threat(s) detected on {target}")
            receivers = {post["receiver"] for post in hook.posts}
            assert receivers == {"pager-immediate"}

            metrics["security_threats_detected"] = 0.0
            wait_for(lambda: fired(hook, "SecurityThreatDetected", "resolved"), 60,
                     "SecurityThreatDetected resolved at the webhook", proc, log)
        names = {a["labels"]["alertname"] for a in hook.alerts()}
        assert names == {"SecurityThreatDetected"}  # nothing fired for the healthy metrics
