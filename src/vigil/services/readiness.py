"""Readiness: is the database reachable and current, is Redis (if configured) answering."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from vigil.config import Settings
from vigil.storage.database import Database
from vigil.storage.migrate import current_revisions, expected_revisions


def check_readiness(db: Database, settings: Settings) -> dict[str, Any]:
    """Check every dependency; `ready` is false with a reason per failing check."""
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
    return {"ready": all(c["ok"] for c in checks.values()), "checks": checks}


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
