"""The `sources` section of the operator YAML: validation names the offending line."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from vigil.config import ConfigError, OperatorConfig, load_operator_config
from vigil.sources.config import SourceConfig, StoreMode

GOOD = """\
sources:
  - name: prod-prom
    type: prometheus
    url: http://prometheus:9090/
    auth: {bearer_token: abc}
    queries:
      cpu: 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))'
      p95: 'histogram_quantile(0.95, sum by (le) (rate(http_duration_seconds_bucket[5m])))'
    step: 1m
    lookback_on_start: 7d
    store: none
    write_back:
      remote_write: {url: http://prometheus:9090/api/v1/write, auth: {username: u, password: p}}
"""


def test_the_issue_example_loads(tmp_path: Path) -> None:
    path = tmp_path / "vigil.yml"
    path.write_text(GOOD)
    (source,) = load_operator_config(path).sources
    assert source.url == "http://prometheus:9090"
    assert source.step_seconds == 60
    assert source.lookback_on_start.total_seconds() == 7 * 86400
    assert source.store is StoreMode.NONE
    assert list(source.queries) == ["cpu", "p95"]
    assert source.write_back.remote_write is not None
    assert OperatorConfig().sources == []


@pytest.mark.parametrize(("text", "where", "message"), [
    (GOOD.replace("cpu:", "cpu-usage:"), ":6:", "query key 'cpu-usage'"),
    (GOOD.replace("step: 1m", "step: 500ms"), ":9:", "at least 1s"),
    (GOOD.replace("store: none", "store: all"), ":11:", "store"),
    (GOOD.replace("http://prometheus:9090/\n", "prometheus:9090\n"), ":4:", "http://"),
    (GOOD.replace("{bearer_token: abc}", "{bearer_token: abc, username: u}"), ":5:",
     "not both"),
    (GOOD + GOOD.removeprefix("sources:\n"), ":1:", "used twice"),
])
def test_bad_sources_are_refused_with_the_line(tmp_path: Path, text: str, where: str,
                                               message: str) -> None:
    path = tmp_path / "vigil.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_operator_config(path)
    assert f"vigil.yml{where}" in str(caught.value)


def test_queries_must_not_be_empty() -> None:
    with pytest.raises(ValidationError, match="at least one query"):
        SourceConfig(name="a", url="http://x", queries={})
    with pytest.raises(ValidationError, match="unknown detector"):
        SourceConfig(name="a", url="http://x", queries={"q": "up"}, detector="nope")
