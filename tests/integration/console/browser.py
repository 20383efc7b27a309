"""A real `vigil serve` with seeded data, and Debian's Chromium driven by Selenium.

Nothing is downloaded: Selenium is given `/usr/bin/chromedriver` and `/usr/bin/chromium`
(installed by scripts/install-system-deps.sh), so Selenium Manager never runs.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.integration.console.seed import SeededSeries, fire_alert, seed_series
from tests.integration.serving import serve_process
from vigil.config import Settings
from vigil.core.types import Role
from vigil.services.keys import create_key
from vigil.storage.database import open_database
from vigil.storage.migrate import upgrade

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT_SECONDS = 20


@dataclass
class ConsoleServer:
    """A started `vigil serve`, its keys and what was seeded into it."""

    url: str
    operator_key: str
    viewer_key: str
    series: SeededSeries
    alert_to_ack: int
    alert_for_viewer: int


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    """Seed a SQLite database, then serve it with `vigil serve` until the module ends."""
    root = tmp_path_factory.mktemp("console-serve")
    url = f"sqlite:///{root / 'vigil.db'}"
    upgrade(url)
    settings = Settings(data_dir=root / "data", database_url=url, scheduler_enabled=False)
    db = open_database(settings)
    try:
        operator = create_key(db, "ana-operator", Role.OPERATOR, actor="test").secret
        viewer = create_key(db, "vic-viewer", Role.VIEWER, actor="test").secret
        series = seed_series(db, settings)
        to_ack = fire_alert(db, settings, {"source": "ssh"})
        for_viewer = fire_alert(db, settings, {"source": "web"})
    finally:
        db.dispose()
    # the scheduler runs, as in production (serve_process turns it off by default)
    with serve_process(root, VIGIL_DATABASE_URL=url, VIGIL_SCHEDULER_ENABLED="true") as served:
        yield ConsoleServer(served.url, operator, viewer, series, to_ack, for_viewer)


@pytest.fixture(scope="module")
def chrome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One headless Chromium for the module (cookies are cleared by `browser` per test)."""
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        from tests.support import service_missing

        service_missing("Chromium and chromedriver", "run scripts/install-system-deps.sh")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # belt and braces: Selenium Manager may not download
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 "--window-size=1280,900", "--lang=en-GB",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def log_in(driver: object, server: ConsoleServer, key: str) -> None:
    """Log in through the form, as a person would: type the key, press Enter."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    assert isinstance(driver, WebDriver)
    driver.get(server.url + "/health")
    driver.delete_all_cookies()  # a fresh browser session for each test
    driver.get(server.url + "/")
    WebDriverWait(driver, WAIT_SECONDS).until(ec.url_contains("/login"))
    field = driver.find_element(By.ID, "api_key")
    field.send_keys(key, Keys.ENTER)
    WebDriverWait(driver, WAIT_SECONDS).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "nav[aria-label='Main']")))
