"""Mount the console on the app: its pages, static files, local API docs and error pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from vigil.web import alerts, login, oncall, overview, reports, security, series
from vigil.web.session import (
    Forbidden,
    LoginRequired,
    PageNotFound,
    current_session,
    login_url,
)
from vigil.web.templating import render

STATIC_DIR = Path(__file__).parent / "static"
SWAGGER = "/static/vendor/swagger-ui"


def mount_console(app: FastAPI) -> None:
    """Add the console's routes, `/static`, `/docs` (Swagger UI served locally) and handlers."""
    for router in (login.router, overview.router, series.router, alerts.router,
                   oncall.router, security.router, reports.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        """Swagger UI from this server's own files (works offline)."""
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} - API docs",
            swagger_js_url=f"{SWAGGER}/swagger-ui-bundle.js",
            swagger_css_url=f"{SWAGGER}/swagger-ui.css",
            swagger_favicon_url=f"{SWAGGER}/favicon-32x32.png",
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": False})

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, "error.html", {"title": "Forbidden", "message": exc.reason},
                      current_session(request), 403)

    @app.exception_handler(PageNotFound)
    async def _missing(request: Request, exc: PageNotFound) -> Response:
        return render(request, "error.html", {"title": "Not found", "message": str(exc)},
                      current_session(request), 404)
