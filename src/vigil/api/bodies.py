"""Shared request-body handling: JSON parsed into a model with 400/422 problems."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from vigil.api.problems import ProblemError, field_errors

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
