"""A real Prometheus (Debian's) for the sources tests: remote-write receiver on, optional
scrape targets; helpers to seed history through remote_write and to ask PromQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.integration.prometheus.prom_support import binary, process, wait_for
from tests.support import free_port
from vigil.core.remote_write import encode_body


@contextmanager
def prometheus(tmp: Path, targets: list[str] | None = None, port: int | None = None,
               data: Path | None = None, interval: str = "1s") -> Iterator[str]:
    """Run Prometheus on 127.0.0.1 (a free port unless given) and yield its URL."""
    exe = binary("prometheus")
    port = port or free_port()
    config = tmp / f"prometheus-{port}.yml"
    scrape = ""
    if targets:
        scrape = ("scrape_configs:\n  - job_name: exporter\n    static_configs:\n"
                  f"      - targets: {targets!r}\n")
    config.write_text(f"global:\n  scrape_interval: {interval}\n  evaluation_interval: "
                      f"{interval}\n{scrape}", encoding="utf-8")
    data = data or tmp / f"prom-data-{port}"
    log = tmp / f"prometheus-{port}.log"
    args = [exe, f"--config.file={config}", f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}", "--web.enable-remote-write-receiver",
            "--log.level=warn"]
    with process(args, log) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: httpx.get(url + "/-/ready", timeout=2).status_code == 200, 60,
                 "prometheus to be ready", proc, log)
        yield url


def push(url: str, series: list[tuple[dict[str, str], list[tuple[float, float]]]]) -> None:
    """Write (labels incl. __name__, [(unix seconds, value)]) into Prometheus."""
    body = encode_body([(labels, [(round(t * 1000), v) for t, v in points])
                        for labels, points in series])
    response = httpx.post(url + "/api/v1/write", content=body, timeout=30,
                          headers={"Content-Encoding": "snappy",
                                   "Content-Type": "application/x-protobuf",
                                   "X-Prometheus-Remote-Write-Version": "0.1.0"})
    assert response.status_code < 300, response.text


def instant(url: str, query: str, at: float) -> list[dict[str, Any]]:
    """An instant query's result vector."""
    body = httpx.get(url + "/api/v1/query", params={"query": query, "time": at},
                     timeout=30).json()
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def series_range(url: str, query: str, start: float, end: float,
                 step: float = 1) -> list[dict[str, Any]]:
    """A range query's matrix."""
    body = httpx.get(url + "/api/v1/query_range",
                     params={"query": query, "start": start, "end": end, "step": step},
                     timeout=30).json()
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result
