"""Operator config for the Prometheus remote_write receiver: which series to keep.

    remote_write:
      keep:                       # empty or absent: keep every series
        - name: "node_.*"         # regex, anchored at both ends (a plain name is exact)
          labels: {job: node}     # every listed label must match (regex, anchored)
        - name: http_requests_total

A series is kept when it matches any `keep` selector. A selector with no `name`
matches any name; an absent label matches as the empty string (as in PromQL).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from vigil.core.selectors import SeriesSelector


class RemoteWriteConfig(BaseModel):
    """The `remote_write` section of the operator YAML file."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    keep: list[SeriesSelector] = Field(default_factory=list)

    def keeps(self, name: str, labels: dict[str, str]) -> bool:
        """True when a series should be stored (no selectors: keep everything)."""
        if not self.keep:
            return True
        return any(selector.matches(name, labels) for selector in self.keep)
