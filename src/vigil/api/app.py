"""The FastAPI application: middleware, problem handlers, routers, start-up and shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from vigil import __version__
from vigil.api.middleware import AuthMiddleware, BodyLimitMiddleware, MetricsMiddleware
from vigil.api.problems import install_problem_handlers
from vigil.api.routers import (
    alerts,
    data,
    detect,
    feedback,
    forecast,
    keys,
    limits,
    models,
    prometheus,
    security_scans,
    security_threats,
    system,
)
from vigil.config import OperatorConfig, Settings, load_operator_config
from vigil.services.cpu_pool import CpuPool
from vigil.services.limits import Limiter, policy_from
from vigil.services.runtime import Runtime
from vigil.storage.database import Database, open_database


def create_app(settings: Settings | None = None, db: Database | None = None,
               config: OperatorConfig | None = None, background: bool = True) -> FastAPI:
    """Build the app; `background=False` leaves the scheduler and workers off (tests)."""
    settings = settings or Settings()
    config = config if config is not None else load_operator_config(settings.config)
    db = db or open_database(settings)
    runtime = Runtime(db, settings, config)
    limiter = Limiter(policy_from(settings), settings.redis_url)
    cpu_pools = {"detect": CpuPool("detect", settings.cpu_workers, settings.cpu_queue, "process"),
                 "scan": CpuPool("scan", settings.cpu_workers, settings.cpu_queue, "thread")}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if background:
            runtime.start()
        try:
            yield
        finally:
            runtime.stop()
            limiter.close()
            for pool in cpu_pools.values():
                pool.shutdown()

    app = FastAPI(title="Vigil", version=__version__, lifespan=lifespan,
                  description="Self-hosted operations intelligence. Every /api/v1 route needs "
                              "'Authorization: Bearer <API key>'. Errors are RFC 9457 "
                              "application/problem+json.")
    app.state.settings = settings
    app.state.db = db
    app.state.config = config
    app.state.runtime = runtime
    app.state.limiter = limiter
    app.state.cpu_pools = cpu_pools
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       status_by_path={prometheus.WRITE_PATH: 400})
    app.add_middleware(AuthMiddleware)  # outside the body limit: authenticate first
    app.add_middleware(MetricsMiddleware)
    for router in (
        system.router,
        data.router,
        keys.router,
        limits.router,
        detect.router,
        alerts.router,
        prometheus.router,
        security_scans.router,
        security_threats.router,
        forecast.router,
        feedback.router,
        models.router,
    ):
        app.include_router(router)
    return app
