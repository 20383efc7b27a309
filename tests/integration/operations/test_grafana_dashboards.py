"""The shipped Grafana dashboards are schema-valid and query only metrics Vigil exports."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml

from tests.integration.operations.running_vigil import RunningVigil

GRAFANA = Path(__file__).resolve().parents[3] / "deploy" / "grafana"
DASHBOARDS = ("system-overview", "app-health", "security", "ml-performance")
# Metrics that helpers are still adding to Vigil's exporter; empty when all have landed.
PENDING_METRICS: set[str] = set()
PROMQL_WORDS = {"sum", "rate", "increase", "max", "min", "avg", "by", "without", "le",
                "histogram_quantile", "clamp_min", "time", "count", "irate", "on",
                "ignoring", "group_left", "group_right", "and", "or", "unless", "bool",
                "offset", "topk", "bottomk", "label_values", "abs", "delta", "deriv"}
SUFFIXES = ("_bucket", "_sum", "_count", "_total", "_created")


def load(name: str) -> dict[str, Any]:
    """One dashboard's JSON."""
    return json.loads((GRAFANA / f"{name}.json").read_text())


def metric_names(expr: str) -> set[str]:
    """Metric names a PromQL expression selects (label matchers, ranges and legends removed)."""
    bare = re.sub(r"\{[^}]*\}", "", expr)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    bare = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", "", bare)
    bare = re.sub(r'"[^"]*"', "", bare)
    bare = re.sub(r"(?<![\w:])\d+(\.\d+)?([eE][+-]?\d+)?", " ", bare)  # numbers, 1e-9
    words = set(re.findall(r"[a-zA-Z_:][a-zA-Z0-9_:]*", bare))
    return words - PROMQL_WORDS


def exported(metrics_text: str) -> set[str]:
    """Every family and sample name on a /metrics page."""
    names: set[str] = set()
    for line in metrics_text.splitlines():
        if line.startswith("# TYPE "):
            names.add(line.split()[2])
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


def known(name: str, names: set[str]) -> bool:
    """True when the name, or its family without a histogram/counter suffix, is exported."""
    if name in names:
        return True
    return any(name.endswith(s) and name[: -len(s)] in names for s in SUFFIXES)


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The JSON Schema of the dashboard subset Vigil uses."""
    data: dict[str, Any] = json.loads((GRAFANA / "dashboard.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(data)
    return data


@pytest.mark.parametrize("name", DASHBOARDS)
def test_dashboard_matches_the_schema(name: str, schema: dict[str, Any]) -> None:
    dashboard = load(name)
    jsonschema.Draft202012Validator(schema).validate(dashboard)
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"


def test_metric_names_are_read_from_promql() -> None:
    expr = ('sum(rate(a_total{job=~"$job"}[5m])) / clamp_min(sum by (le) (b_bucket), 1e-9)'
            ' - time()')
    assert metric_names(expr) == {"a_total", "b_bucket"}


def test_schema_rejects_what_grafana_would_not_read(schema: dict[str, Any]) -> None:
    broken = load("security")
    broken["panels"][0]["gridPos"]["w"] = 30
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_every_panel_queries_metrics_a_running_vigil_exports(vigil_server: RunningVigil
                                                             ) -> None:
    names = exported(httpx.get(vigil_server.url + "/metrics", timeout=10).text)
    missing: dict[str, set[str]] = {}
    for dashboard in DASHBOARDS:
        for panel in load(dashboard)["panels"]:
            for target in panel["targets"]:
                unknown = {m for m in metric_names(target["expr"])
                           if not known(m, names) and m not in PENDING_METRICS}
                if unknown:
                    missing[f"{dashboard}/{panel['title']}"] = unknown
    assert missing == {}


def test_provisioning_points_grafana_at_the_dashboards() -> None:
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "vigil.yaml")
                              .read_text())["providers"][0]
    assert provider["type"] == "file" and provider["options"]["path"]
    source = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yaml")
                            .read_text())["datasources"][0]
    assert source["type"] == "prometheus"
