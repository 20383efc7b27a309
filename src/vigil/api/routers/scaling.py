"""Auto-Scaling Engine over HTTP: current recommendations, the KEDA scaler, the history."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from vigil.api.deps import Principal, get_config, get_database, require_role
from vigil.api.problems import ProblemError
from vigil.core.types import Role

router = APIRouter(prefix="/api/v1/scaling", tags=["auto-scaling"])


def _unknown(name: str) -> ProblemError:
    return ProblemError(404, "not-found", "Not found", f"there is no scaling target {name!r}")


@router.get("")
async def recommendations(request: Request,
                          _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """The current recommendation of every configured target (scaling.targets), and why."""
    from vigil.services.scaling import compute_recommendations, recommendation_json

    recs = await run_in_threadpool(compute_recommendations, get_database(request),
                                   get_config(request).scaling, time.time())
    return {"items": [recommendation_json(r) for r in recs]}


@router.get("/{target}/keda", responses={404: {"description": "No such scaling target"}})
async def keda(request: Request, target: str,
               _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """KEDA metrics-api scaler: `replicas` (recommended) and `forecastLoad`, as flat JSON.

    Each call is recorded in the recommendation history (what Vigil said, and when).
    """
    from vigil.services.scaling import (
        UnknownTarget,
        find_target,
        keda_json,
        recommend_target,
        store_recommendations,
    )

    db = get_database(request)
    try:
        cfg = find_target(get_config(request).scaling, target)
    except UnknownTarget:
        raise _unknown(target) from None

    def work() -> dict[str, Any]:
        rec = recommend_target(db, cfg, time.time())
        store_recommendations(db, [rec])
        return keda_json(rec)

    return await run_in_threadpool(work)


@router.get("/{target}/recommendations",
            responses={404: {"description": "No such scaling target"}})
async def history(request: Request, target: str,
                  limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                  before: Annotated[float | None, Query(description="Unix seconds",
                                                        allow_inf_nan=False)] = None,
                  _p: Principal = Depends(require_role(Role.VIEWER))) -> dict[str, Any]:
    """Recommendations served for the target, newest first (audit: what Vigil said, when)."""
    from vigil.services.scaling import UnknownTarget, recommendation_history

    try:
        items = await run_in_threadpool(recommendation_history, get_database(request),
                                        get_config(request).scaling, target, limit, before)
    except UnknownTarget:
        raise _unknown(target) from None
    return {"items": items}
