"""Console authentication: cookie flags, CSRF on every form, viewer writes refused, revoked
keys end sessions, logout, and the API's read-only use of the session cookie."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.integration.console.conftest import csrf_of, log_in, login_csrf
from tests.integration.console.seed import fire_alert
from vigil.config import Settings
from vigil.services import alerting as alerting_svc
from vigil.services.keys import list_keys, revoke_key
from vigil.storage.database import Database


def test_login_sets_a_secure_httponly_strict_cookie(console: TestClient,
                                                    keys: dict[str, str]) -> None:
    assert console.get("/", follow_redirects=False).headers["location"] == "/login?next=/"
    token = login_csrf(console)
    answer = console.post("/login", data={"api_key": keys["viewer"], "login_csrf": token,
                                          "next": "/alerts"}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/alerts"
    cookie = next(c for c in answer.headers.get_list("set-cookie")
                  if c.startswith("vigil_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=strict", "path=/"} <= flags
    assert keys["viewer"] not in cookie  # the cookie is a session token, never the API key
    page = console.get("/")
    assert page.status_code == 200 and "test-viewer" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'self'" in page.headers["content-security-policy"]


def test_bad_keys_and_forged_logins_are_refused(console: TestClient,
                                                keys: dict[str, str]) -> None:
    token = login_csrf(console)
    wrong = console.post("/login", data={"api_key": "vgl_" + "x" * 43, "login_csrf": token})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    assert "vigil_session" not in console.cookies
    empty = console.post("/login", data={"api_key": "", "login_csrf": login_csrf(console)})
    assert empty.status_code == 422
    # A login posted from elsewhere carries no matching double-submit token.
    forged = console.post("/login", data={"api_key": keys["admin"], "login_csrf": "forged"})
    assert forged.status_code == 403
    assert "vigil_session" not in console.cookies
    # After login, `next` never leads to another site.
    token = login_csrf(console)
    away = console.post("/login", data={"api_key": keys["viewer"], "login_csrf": token,
                                        "next": "//evil.example/x"}, follow_redirects=False)
    assert away.headers["location"] == "/"


def test_forms_without_the_csrf_token_get_403(console: TestClient, keys: dict[str, str],
                                              db: Database, settings: Settings) -> None:
    alert_id = fire_alert(db, settings)
    log_in(console, keys["operator"])
    page = console.get(f"/alerts/{alert_id}")
    assert 'id="ack-button"' in page.text
    for data in ({}, {"csrf_token": "not-the-token"}):
        forged = console.post(f"/alerts/{alert_id}/ack", data=data)
        assert forged.status_code == 403 and "CSRF" in forged.text
    assert alerting_svc.alert_detail(db, alert_id).alert.state.value == "firing"
    for path in ("/silences", "/logout", "/anomalies/1/feedback", "/silences/1/expire",
                 f"/alerts/{alert_id}/resolve"):
        assert console.post(path, data={"csrf_token": ""}).status_code == 403, path
    done = console.post(f"/alerts/{alert_id}/ack", data={"csrf_token": csrf_of(page.text)},
                        follow_redirects=False)
    assert done.status_code == 303
    assert alerting_svc.alert_detail(db, alert_id).alert.state.value == "acknowledged"


def test_viewers_see_no_write_buttons_and_their_writes_get_403(
        console: TestClient, keys: dict[str, str], db: Database, settings: Settings) -> None:
    alert_id = fire_alert(db, settings)
    log_in(console, keys["viewer"])
    page = console.get(f"/alerts/{alert_id}")
    assert page.status_code == 200 and "firing" in page.text
    assert "ack-button" not in page.text and "/resolve" not in page.text
    assert 'action="/silences"' not in console.get("/alerts").text
    token = csrf_of(page.text)  # the logout form carries the session's token
    refused = console.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token})
    assert refused.status_code == 403 and "operator role" in refused.text
    silence = console.post("/silences", data={"csrf_token": token, "comment": "x",
                                              "matchers": 'alertname="X"'})
    assert silence.status_code == 403
    assert alerting_svc.alert_detail(db, alert_id).alert.state.value == "firing"
    assert alerting_svc.list_silences(db, alerting_svc.alert_detail(db, alert_id).alert
                                      .active_at) == []


def test_revoking_the_key_ends_the_session(make_client: Callable[[], TestClient],
                                           keys: dict[str, str], db: Database) -> None:
    browser = make_client()
    log_in(browser, keys["operator"])
    assert browser.get("/alerts").status_code == 200
    [record] = [k for k in list_keys(db) if k.name == "test-operator"]
    revoke_key(db, record.id, actor="test")
    gone = browser.get("/alerts", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    # A fresh login with the revoked key fails too.
    token = login_csrf(browser)
    again = browser.post("/login", data={"api_key": keys["operator"], "login_csrf": token})
    assert again.status_code == 401 and "revoked" in again.text


def test_logout_ends_the_session_on_the_server(make_client: Callable[[], TestClient],
                                               keys: dict[str, str]) -> None:
    browser = make_client()
    log_in(browser, keys["admin"])
    thief = make_client()
    thief.cookies.set("vigil_session", browser.cookies["vigil_session"])
    assert thief.get("/", follow_redirects=False).status_code == 200  # a copied cookie works
    page = browser.get("/")
    out = browser.post("/logout", data={"csrf_token": csrf_of(page.text)},
                       follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert thief.get("/", follow_redirects=False).status_code == 303  # until logout


def test_the_api_takes_the_cookie_for_reads_only(make_client: Callable[[], TestClient],
                                                 keys: dict[str, str], db: Database,
                                                 settings: Settings) -> None:
    alert_id = fire_alert(db, settings)
    browser = make_client()
    assert browser.get("/api/v1/alerts").status_code == 401
    log_in(browser, keys["operator"])
    listed = browser.get("/api/v1/alerts")
    assert listed.status_code == 200 and listed.json()["items"][0]["id"] == alert_id
    # A cookie never authorises an API write: those need the bearer key.
    assert browser.post(f"/api/v1/alerts/{alert_id}/ack").status_code == 401
    assert alerting_svc.alert_detail(db, alert_id).alert.state.value == "firing"


def test_failed_logins_lock_the_address_out_but_never_a_valid_key(
        console: TestClient, keys: dict[str, str], settings: Settings) -> None:
    import re

    token = login_csrf(console)
    for _ in range(settings.auth_failure_limit):
        answer = console.post("/login", data={"api_key": "vgl_wrong", "login_csrf": token})
        assert answer.status_code == 401
        token = re.search(r'name="login_csrf" value="([^"]+)"', answer.text).group(1)  # type: ignore[union-attr]
    locked = console.post("/login", data={"api_key": "vgl_wrong", "login_csrf": token})
    assert locked.status_code == 429 and "Too many failed logins" in locked.text
    token = re.search(r'name="login_csrf" value="([^"]+)"', locked.text).group(1)  # type: ignore[union-attr]
    fine = console.post("/login", data={"api_key": keys["viewer"], "login_csrf": token},
                        follow_redirects=False)
    assert fine.status_code == 303 and "vigil_session" in console.cookies
