"""Shared request-body handling: JSON parsed into a model with 400/422 problems, ingest hooks."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from vigil.api.problems import ProblemError, field_errors
from vigil.services.ingest import IngestReport
from vigil.telemetry.metrics import INGEST_POINTS

ModelT = TypeVar("ModelT", bound=BaseModel)


def parse_json_body(model: type[ModelT], body: bytes) -> ModelT:
    """Validate a JSON body: 400 when it is not JSON, 422 with field paths when mis-shaped."""
    if not body.strip():
        raise ProblemError(400, "malformed-json", "Bad request", "the request body is empty")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        errors = exc.errors()
        if any(e["type"] == "json_invalid" for e in errors):
            raise ProblemError(400, "malformed-json", "Bad request",
                               f"the body is not valid JSON: {errors[0]['msg']}") from None
        raise ProblemError(422, "invalid-input", "Invalid input",
                           "the request does not have the expected shape",
                           field_errors([{**e, "loc": ("body", *e["loc"])} for e in errors])) \
            from None


def after_ingest(request: Request, report: IngestReport) -> None:
    """Count an ingest's outcome and tell the detection worker about new points."""
    INGEST_POINTS.labels("accepted").inc(report.accepted)
    INGEST_POINTS.labels("duplicate").inc(report.duplicates)
    INGEST_POINTS.labels("rejected").inc(len(report.rejected))
    hook = getattr(request.app.state, "on_ingested", None)
    if hook is not None and report.accepted:
        hook(report)
