"""Readiness: is the database reachable and current, is Redis (if configured) answering."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from vigil.config import Settings
from vigil.storage.database import Database
from vigil.storage.migrate import current_revisions, expected_revisions


def check_readiness(db: Database, settings: Settings) -> dict[str, Any]:
    """Check every dependency, with a reason per failing check.

    `ready` is false (and `status` "down") only when the database cannot serve; Redis
    not answering leaves the API working on in-process limits, so `status` is "degraded".
    """
    checks: dict[str, dict[str, Any]] = {}
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = current_revisions(conn)
        expected = expected_revisions()
        if current == expected:
            checks["database"] = {"ok": True, "dialect": db.dialect}
        else:
            checks["database"] = {"ok": False, "dialect": db.dialect,
                                  "reason": f"schema at {sorted(current) or 'nothing'}, "
                                            f"expected {sorted(expected)}: run `vigil db upgrade`"}
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        checks["database"] = {"ok": False, "dialect": db.dialect,
                              "reason": reason[0] if reason else "unreachable"}
    if settings.redis_url:
        checks["redis"] = _check_redis(settings.redis_url)
        if not checks["redis"]["ok"]:
            checks["redis"]["impact"] = ("rate limits and lockouts are kept per process "
                                         "until Redis answers again")
    ready = checks["database"]["ok"]
    status = "down" if not ready else (
        "ok" if all(c["ok"] for c in checks.values()) else "degraded")
    return {"ready": ready, "status": status, "checks": checks}


def _check_redis(url: str) -> dict[str, Any]:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
        return {"ok": True}
    except redis.RedisError as exc:
        return {"ok": False, "reason": str(exc)}
    finally:
        client.close()
