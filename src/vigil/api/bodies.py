"""Shared request-body handling: JSON parsed into a model with 400/422 problems."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request
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


def json_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """A dependency that reads and validates the JSON body; declare it after the role check.

    FastAPI parses declared body parameters before any dependency runs, so a route that
    took `body: Model` would answer 400/422 to an unauthenticated caller and spend CPU
    on its body first; this reads the body only once the caller is known.
    """

    async def dependency(request: Request) -> ModelT:
        return parse_json_body(model, await request.body())

    return dependency


def optional_json_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT | None]]:
    """Like `json_body`, for a route whose body may be left out (None then)."""

    async def dependency(request: Request) -> ModelT | None:
        raw = await request.body()
        return parse_json_body(model, raw) if raw.strip() else None

    return dependency


def openapi_body(model: type[BaseModel], required: bool = True) -> dict[str, Any]:
    """The `openapi_extra` that documents a JSON body read by `json_body`."""
    return {"requestBody": {"required": required, "content": {"application/json": {
        "schema": model.model_json_schema(ref_template="#/components/schemas/{model}")}}}}

