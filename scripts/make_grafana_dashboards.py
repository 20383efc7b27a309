#!/usr/bin/env python3
"""Write deploy/grafana/*.json: Vigil's four dashboards over the metrics Vigil exports.

Run after changing a panel: `python3 scripts/make_grafana_dashboards.py`. The JSON files are
committed; tests check them against deploy/grafana/dashboard.schema.json and check that every
metric a panel queries is on a running Vigil's /metrics.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "deploy" / "grafana"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
JOB = 'job=~"$job"'


def panel(pid: int, title: str, exprs: list[tuple[str, str]], unit: str = "short",
          kind: str = "timeseries", x: int = 0, y: int = 0, w: int = 12, h: int = 8,
          description: str = "") -> dict[str, Any]:
    """One panel with its PromQL targets (expr, legend)."""
    return {
        "id": pid, "type": kind, "title": title, "description": description,
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "options": {},
        "targets": [{"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend,
                     "datasource": DATASOURCE} for i, (expr, legend) in enumerate(exprs)],
    }


def dashboard(uid: str, title: str, tags: list[str],
              panels: list[dict[str, Any]]) -> dict[str, Any]:
    """A dashboard with a Prometheus data-source variable and a job variable.

Vigil's own `job` label (scheduler job names) arrives as `exported_job` after a scrape.
"""
    return {
        "uid": uid, "title": title, "tags": ["vigil", *tags], "timezone": "utc",
        "schemaVersion": 39, "version": 1, "editable": True, "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "type": "datasource", "query": "prometheus",
             "label": "Data source"},
            {"name": "job", "type": "query", "datasource": DATASOURCE, "label": "Job",
             "query": "label_values(vigil_http_requests_total, job)", "includeAll": True,
             "multi": True, "refresh": 1},
        ]},
        "annotations": {"list": []},
        "links": [],
        "panels": panels,
    }


def grid(specs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lay panels out two per row."""
    out = []
    for i, spec in enumerate(specs):
        out.append(panel(i + 1, x=(i % 2) * 12, y=(i // 2) * 8, **spec))
    return out


def system_overview() -> dict[str, Any]:
    """CPU, memory, request rate, error rate, latency, ingest and lag."""
    return dashboard("vigil-system-overview", "Vigil / System overview", ["system"], grid([
        {"title": "CPU (cores)", "unit": "short",
         "exprs": [(f"rate(process_cpu_seconds_total{{{JOB}}}[5m])", "{{instance}}")]},
        {"title": "Resident memory", "unit": "bytes",
         "exprs": [(f"process_resident_memory_bytes{{{JOB}}}", "{{instance}}")]},
        {"title": "Requests per second", "unit": "reqps",
         "exprs": [(f"sum by (route) (rate(vigil_http_requests_total{{{JOB}}}[5m]))",
                    "{{route}}")]},
        {"title": "Error rate (5xx share)", "unit": "percentunit",
         "exprs": [(f"sum(rate(vigil_http_errors_total{{{JOB}}}[5m])) / "
                    f"clamp_min(sum(rate(vigil_http_requests_total{{{JOB}}}[5m])), 1e-9)",
                    "errors")]},
        {"title": "Latency p95", "unit": "s",
         "exprs": [(f"histogram_quantile(0.95, sum by (le) (rate("
                    f"vigil_http_request_duration_seconds_bucket{{{JOB}}}[5m])))", "p95")]},
        {"title": "Ingested points per second", "unit": "short",
         "exprs": [(f"sum by (outcome) (rate(vigil_ingest_points_total{{{JOB}}}[5m]))",
                    "{{outcome}}")]},
        {"title": "Data processing lag", "unit": "s",
         "exprs": [(f"max(data_processing_lag{{{JOB}}})", "lag")]},
        {"title": "Open file descriptors", "unit": "short",
         "exprs": [(f"process_open_fds{{{JOB}}}", "{{instance}}")]},
    ]))


def app_health() -> dict[str, Any]:
    """The application's own health: jobs, detection, alerts, rate limiting, retention."""
    return dashboard("vigil-app-health", "Vigil / Application health", ["app"], grid([
        {"title": "Scheduled job runs", "unit": "short",
         "exprs": [(f"sum by (exported_job, outcome) (increase(vigil_scheduler_job_runs_total"
                    f"{{{JOB}}}[1h]))", "{{exported_job}} {{outcome}}")]},
        {"title": "Scheduled job duration p95", "unit": "s",
         "exprs": [(f"histogram_quantile(0.95, sum by (le, exported_job) (rate("
                    f"vigil_scheduler_job_duration_seconds_bucket{{{JOB}}}[1h])))",
                    "{{exported_job}}")]},
        {"title": "Detection lag p95", "unit": "s",
         "exprs": [(f"histogram_quantile(0.95, sum by (le) (rate("
                    f"vigil_detection_lag_seconds_bucket{{{JOB}}}[5m])))", "p95")]},
        {"title": "Watched series and owned partitions", "unit": "short",
         "exprs": [(f"sum(vigil_detection_watched_series{{{JOB}}})", "watched series"),
                   (f"sum(vigil_detection_partitions_owned{{{JOB}}})", "partitions")]},
        {"title": "Alerts firing", "unit": "short",
         "exprs": [(f"sum by (priority) (vigil_alerts_firing{{{JOB}}})", "{{priority}}")]},
        {"title": "Notifications", "unit": "short",
         "exprs": [(f"sum by (status) (increase(vigil_alert_notifications_total{{{JOB}}}"
                    "[1h]))", "{{status}}")]},
        {"title": "Rate-limited requests", "unit": "short",
         "exprs": [(f"sum(rate(vigil_rate_limited_requests_total{{{JOB}}}[5m]))", "limited")]},
        {"title": "Samples deleted by retention", "unit": "short",
         "exprs": [(f"increase(vigil_retention_deleted_samples_total{{{JOB}}}[1d])",
                    "{{instance}}")]},
    ]))


def security() -> dict[str, Any]:
    """Threats, auth failures, vulnerability findings and scan failures."""
    return dashboard("vigil-security", "Vigil / Security", ["security"], grid([
        {"title": "Threats detected", "unit": "short",
         "exprs": [(f"sum by (type) (increase(security_threats_detected_total"
                    f"{{{JOB}}}[1h]))", "{{type}}")]},
        {"title": "Authentication failure rate", "unit": "percentunit",
         "exprs": [(f"max(authentication_failure_rate{{{JOB}}})", "failure rate")]},
        {"title": "Authentication failures by reason", "unit": "short",
         "exprs": [(f"sum by (reason) (increase(vigil_auth_failures_total{{{JOB}}}[1h]))",
                    "{{reason}}")]},
        {"title": "Open vulnerability findings", "unit": "short",
         "exprs": [(f"sum by (severity) (vigil_security_findings{{{JOB}}})", "{{severity}}")]},
        {"title": "New critical findings", "unit": "short",
         "exprs": [(f"sum(increase(vigil_security_new_critical_findings_total{{{JOB}}}[1d]))",
                    "new criticals")]},
        {"title": "Vulnerability scan failures", "unit": "short",
         "exprs": [(f"sum(increase(vulnerability_scan_failures_total{{{JOB}}}[1d]))",
                    "failures")]},
    ]))


def ml_performance() -> dict[str, Any]:
    """Detection quality, inference time, training and anomalies."""
    return dashboard("vigil-ml-performance", "Vigil / ML performance", ["ml"], grid([
        {"title": "Detection accuracy", "unit": "percentunit",
         "exprs": [(f"anomaly_detection_accuracy{{{JOB}}}", "{{instance}}")]},
        {"title": "False positive rate", "unit": "percentunit",
         "exprs": [(f"false_positive_rate{{{JOB}}}", "{{instance}}")]},
        {"title": "Model inference time p95", "unit": "s",
         "exprs": [(f"histogram_quantile(0.95, sum by (le) (rate("
                    f"model_inference_time_bucket{{{JOB}}}[5m])))", "p95")]},
        {"title": "Data quality score", "unit": "percentunit",
         "exprs": [(f"min(data_quality_score{{{JOB}}})", "quality")]},
        {"title": "Anomalies detected per hour", "unit": "short",
         "exprs": [(f"sum by (severity) (increase(vigil_anomalies_detected_total{{{JOB}}}"
                    "[1h]))", "{{severity}}")]},
        {"title": "Points scored per second", "unit": "short",
         "exprs": [(f"sum(rate(vigil_detection_points_scored_total{{{JOB}}}[5m]))",
                    "scored")]},
        {"title": "Model training: last success age", "unit": "s",
         "exprs": [(f"time() - max(vigil_model_training_last_success_timestamp_seconds"
                    f"{{{JOB}}})", "age")]},
        {"title": "Model training failures and non-promotions", "unit": "short",
         "exprs": [(f"sum(increase(vigil_model_training_failures_total{{{JOB}}}[1d]))",
                    "failures"),
                   (f"sum(increase(vigil_model_training_not_promoted_total{{{JOB}}}[1d]))",
                    "not promoted")]},
    ]))


DASHBOARDS = {"system-overview": system_overview, "app-health": app_health,
              "security": security, "ml-performance": ml_performance}


def main() -> None:
    """Write every dashboard as deploy/grafana/NAME.json."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, build in DASHBOARDS.items():
        (OUT / f"{name}.json").write_text(json.dumps(build(), indent=2) + "\n")
        print(f"wrote {OUT / (name + '.json')}")


if __name__ == "__main__":
    main()
