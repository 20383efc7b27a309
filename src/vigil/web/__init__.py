"""The web console: server-rendered pages at `/` over the same services as the API.

An adapter beside `api` and `cli` (layer just below `api`, which mounts it): Jinja2
templates, a little plain JavaScript and vendored static files (uPlot for charts,
Swagger UI for `/docs`), so it works with no internet. See docs/console.md.
"""

from vigil.web.mount import mount_console

__all__ = ["mount_console"]
