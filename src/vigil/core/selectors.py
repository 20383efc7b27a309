"""Series selectors of the operator YAML: a name regex and label regexes, all anchored.

Shared by `remote_write.keep` and `detection.watch`. A selector with no `name` matches
any name; an absent label matches as the empty string (as in PromQL).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator


def _compile(pattern: str, what: str) -> re.Pattern[str]:
    """Compile an anchored regex, naming what it is for in the error."""
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{what} {pattern!r} is not a valid regular expression: {exc}") from None


class SeriesSelector(BaseModel):
    """One keep selector: a name regex and label value regexes, all anchored."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    _name_re: re.Pattern[str] | None = PrivateAttr(default=None)
    _label_res: tuple[tuple[str, re.Pattern[str]], ...] = PrivateAttr(default=())

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str | None) -> str | None:
        if value is not None:
            _compile(value, "name")
        return value

    @field_validator("labels")
    @classmethod
    def _valid_labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key, pattern in value.items():
            _compile(pattern, f"label {key!r}")
        return value

    def model_post_init(self, context: Any, /) -> None:
        """Compile the patterns once."""
        self._name_re = None if self.name is None else re.compile(self.name)
        self._label_res = tuple((k, re.compile(v)) for k, v in sorted(self.labels.items()))

    def matches(self, name: str, labels: dict[str, str]) -> bool:
        """True when the series' name and labels all match this selector."""
        if self._name_re is not None and self._name_re.fullmatch(name) is None:
            return False
        return all(rx.fullmatch(labels.get(key, "")) is not None for key, rx in self._label_res)
