"""Request and response models of the foundation routes (they also shape the OpenAPI spec)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema, field_validator


def _raw_number(value: Any) -> float | int | str:
    """Accept a JSON number or string (parsed later, point by point); refuse anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("must be a number or a string")
    return value


RawNumber = Annotated[
    float | int | str,
    PlainValidator(_raw_number),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]}),
]


class IngestSeries(BaseModel):
    """One series in an ingest request."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(description="Metric name, [a-zA-Z_:][a-zA-Z0-9_:]*")
    labels: dict[str, str] = Field(default_factory=dict)
    points: list[tuple[RawNumber, RawNumber]] = Field(
        description="[timestamp, value] pairs; timestamp RFC 3339 text or Unix seconds")


class IngestRequest(BaseModel):
    """Body of POST /api/v1/ingest."""

    model_config = ConfigDict(extra="forbid")

    series: list[IngestSeries]


class RejectedPoint(BaseModel):
    """A point (or, with point null, a whole series) that was not stored."""

    series: int
    point: int | None
    reason: str


class IngestResponse(BaseModel):
    """What an ingest request stored and what it rejected."""

    accepted: int
    duplicates: int
    rejected_count: int
    rejected: list[RejectedPoint]


class SeriesOut(BaseModel):
    """A stored series."""

    id: int
    name: str
    labels: dict[str, str]
    created_at: str


class SeriesPage(BaseModel):
    """A page of series."""

    items: list[SeriesOut]
    next_cursor: str | None


class PointsPage(BaseModel):
    """A page of points of one series: [Unix seconds, value] pairs in time order."""

    series: SeriesOut
    points: list[tuple[float, float]]
    next_cursor: str | None


class AnomalyOut(BaseModel):
    """A stored anomaly."""

    id: int
    series_id: int
    timestamp: str
    value: float
    score: float
    expected_value: float | None
    expected_lower: float | None
    expected_upper: float | None
    severity: str
    detector: str
    model_version: str
    explanation: str | None
    status: str
    created_at: str
    feedback: dict[str, Any] | None = None  # the operator's verdict, if labelled


class AnomalyPage(BaseModel):
    """A page of anomalies, newest first."""

    items: list[AnomalyOut]
    next_cursor: str | None


class KeyCreate(BaseModel):
    """Body of POST /api/v1/keys."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    role: str = Field(pattern="^(viewer|operator|admin)$")

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the name must not be blank")
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise ValueError("the name must not contain control characters")
        return value.strip()


class KeyOut(BaseModel):
    """A key without its secret."""

    id: int
    name: str
    prefix: str
    role: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


class KeyCreated(KeyOut):
    """A new key: `key` is shown this once and never again."""

    key: str
