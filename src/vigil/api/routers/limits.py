"""Lockouts and rate limits (admin role): list them, lift them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from vigil.api.deps import Principal, require_role
from vigil.core.types import Role
from vigil.services.limits import Limiter
from vigil.telemetry.logging import log_event

router = APIRouter(prefix="/api/v1/limits", tags=["limits"])


def _limiter(request: Request) -> Limiter:
    limiter: Limiter = request.app.state.limiter
    return limiter


@router.get("")
def list_limits(request: Request,
                _p: Principal = Depends(require_role(Role.ADMIN))) -> dict[str, Any]:
    """Active lockouts (`auth:<address>`) with the seconds left, and where limits are kept."""
    limiter = _limiter(request)
    return {"backend": limiter.backend,
            "locks": [{"key": lock.key, "remaining_seconds": round(lock.remaining_seconds, 1)}
                      for lock in limiter.locks()]}


@router.delete("")
def clear_limits(request: Request,
                 key: Annotated[str | None, Query(max_length=300, description=(
                     "One lock to lift, e.g. auth:203.0.113.9; all when absent"))] = None,
                 principal: Principal = Depends(require_role(Role.ADMIN))) -> dict[str, Any]:
    """Lift one lockout, or all of them."""
    cleared = _limiter(request).clear(key)
    log_event("limits_cleared", "INFO", key=key or "*", cleared=cleared,
              actor=f"key:{principal.name}")
    return {"cleared": cleared}
