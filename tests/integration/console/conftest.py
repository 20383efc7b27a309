"""Fixtures of the console tests: an in-process client over HTTPS (the session cookie is
Secure), keys of each role, and a logged-in client per role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from vigil.api.app import create_app
from vigil.config import OperatorConfig, Settings
from vigil.storage.database import Database

BASE = "https://testserver"


def login_csrf(client: TestClient) -> str:
    """The login form's double-submit token (the form also sets its cookie)."""
    page = client.get("/login")
    assert page.status_code == 200
    match = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert match is not None
    return match.group(1)


def log_in(client: TestClient, key: str, next_path: str = "/") -> None:
    """Log the client in with an API key through the form."""
    token = login_csrf(client)
    answer = client.post("/login", data={"api_key": key, "login_csrf": token,
                                         "next": next_path}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert "vigil_session" in client.cookies


def csrf_of(page_html: str) -> str:
    """The session's CSRF token, from any form of a logged-in page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert match is not None, "no form with a CSRF token on the page"
    return match.group(1)


@pytest.fixture
def make_client(settings: Settings, db: Database) -> Iterator[Callable[[], TestClient]]:
    """Open more clients of one app (each its own cookie jar: a browser each)."""
    app = create_app(settings, db=db, config=OperatorConfig(), background=False)
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app, base_url=BASE, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def console(make_client: Callable[[], TestClient]) -> TestClient:
    """A not-yet-logged-in console client."""
    return make_client()
