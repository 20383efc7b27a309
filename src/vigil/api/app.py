"""The FastAPI application: middleware, problem handlers, routers, start-up and shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from vigil import __version__
from vigil.api.middleware import (
    AuthMiddleware,
    BodyLimitMiddleware,
    BodyTimeoutMiddleware,
    HeadAndUrlMiddleware,
    MetricsMiddleware,
)
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
    reports,
    scaling,
    security_scans,
    security_threats,
    sources,
    system,
)
from vigil.config import OperatorConfig, Settings, load_operator_config
from vigil.services.cpu_pool import CpuPool
from vigil.services.limits import Limiter, policy_from
from vigil.services.runtime import Runtime
from vigil.storage.database import Database, open_database
from vigil.web import mount_console


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
                  docs_url=None, redoc_url=None,  # /docs: the console serves Swagger UI locally
                  description="Self-hosted operations intelligence. Every /api/v1 route needs "
                              "`Authorization: Bearer <API key>`. Errors are RFC 9457 "
                              "application/problem+json.")
    app.state.settings = settings
    app.state.db = db
    app.state.config = config
    app.state.runtime = runtime
    app.state.limiter = limiter
    app.state.proxy_trust = settings.proxy_trust()
    app.state.cpu_pools = cpu_pools
    install_problem_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes,
                       status_by_path={prometheus.WRITE_PATH: 400})
    app.add_middleware(AuthMiddleware)  # outside the body limit: authenticate first
    app.add_middleware(BodyTimeoutMiddleware, seconds=settings.body_timeout_seconds)
    app.add_middleware(HeadAndUrlMiddleware)
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
        scaling.router,
        reports.router,
        sources.router,
    ):
        app.include_router(router)
    mount_console(app)
    install_security_scheme(app)
    return app


def app_from_environment() -> FastAPI:
    """The app of one `vigil serve --workers N` process: settings and YAML from the environment.

    The parent process has migrated the database and checked the file; every worker runs
    the scheduler and the detection worker, whose PostgreSQL advisory locks make each
    job run and each partition score once per deployment.
    """
    settings = Settings()
    config = load_operator_config(settings.config)
    if settings.external_url and "external_url" not in config.alerting.model_fields_set:
        config.alerting.external_url = settings.external_url
    return create_app(settings, config=config)


def install_security_scheme(app: FastAPI) -> None:
    """Declare the bearer API key in OpenAPI (so /docs can authorise) on every /api/v1 route."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version,
                                 description=app.description, routes=app.routes)
            schema.setdefault("components", {})["securitySchemes"] = {"bearerAuth": {
                "type": "http", "scheme": "bearer", "bearerFormat": "vgl_ API key",
                "description": "An API key made by `vigil keys create`"}}
            for path, operations in schema.get("paths", {}).items():
                if path.startswith("/api/v1"):
                    for operation in operations.values():
                        operation["security"] = [{"bearerAuth": []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
