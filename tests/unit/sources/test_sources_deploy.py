"""The shipped write-back rule file passes promtool, and the example Grafana dashboard is
schema-valid and overlays the write-back metrics."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.integration.prometheus.prom_support import binary
from tests.unit.prometheus.test_deploy_rules import run

DEPLOY = Path(__file__).parents[3] / "deploy"
RULES = DEPLOY / "prometheus" / "vigil-sources-rules.yml"
PANEL = DEPLOY / "grafana" / "examples" / "source-anomaly-overlay.json"


def test_the_rule_file_passes_promtool_check_and_its_tests() -> None:
    promtool = binary("promtool")
    checked = run(promtool, "check", "rules", RULES.name, cwd=RULES.parent)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 4 rules found" in checked.stdout
    tested = run(promtool, "test", "rules", "vigil-sources-rules_test.yml", cwd=RULES.parent)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_example_dashboard_is_valid_and_overlays_the_band() -> None:
    schema = json.loads((DEPLOY / "grafana" / "dashboard.schema.json").read_text())
    dashboard = json.loads(PANEL.read_text())
    jsonschema.Draft202012Validator(schema).validate(dashboard)
    overlay = dashboard["panels"][0]
    exprs = {t["refId"]: t["expr"] for t in overlay["targets"]}
    assert exprs["B"].startswith("vigil_expected_upper{") and 'for="$query_key"' in exprs["B"]
    assert exprs["C"].startswith("vigil_expected_lower{")
    assert "vigil_anomaly{" in exprs["D"]
    fills = [p for o in overlay["fieldConfig"]["overrides"] for p in o["properties"]
             if p["id"] == "custom.fillBelowTo"]
    assert fills == [{"id": "custom.fillBelowTo", "value": "lower"}]
