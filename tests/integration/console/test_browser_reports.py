"""The reports page in a real browser: the daily and weekly reports render their charts.

The reports API (`GET /api/v1/reports/{kind}?format=html`) comes from the analytics work
of issue #14 (branch s21-analytics); this test passes once both are merged.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.integration.console.browser import (
    WAIT_SECONDS,
    ConsoleServer,
    chrome,
    console_server,
    log_in,
)

__all__ = ["chrome", "console_server"]
pytestmark = [pytest.mark.xdist_group("browser"), pytest.mark.slow]


@pytest.mark.parametrize("kind", ["daily", "weekly"])
def test_a_report_page_renders_its_charts(chrome: WebDriver, console_server: ConsoleServer,
                                          tmp_path: Path, kind: str) -> None:
    driver = chrome
    log_in(driver, console_server, console_server.viewer_key)
    driver.get(f"{console_server.url}/reports?kind={kind}")
    assert "does not serve reports" not in driver.page_source, \
        "this build has no reports API: the test needs the analytics work (s21-analytics)"
    frame = WebDriverWait(driver, WAIT_SECONDS).until(
        ec.presence_of_element_located((By.ID, "report-frame")))
    assert frame.get_attribute("src").endswith(f"/api/v1/reports/{kind}?format=html")
    driver.switch_to.frame(frame)
    try:
        WebDriverWait(driver, WAIT_SECONDS * 3).until(
            ec.presence_of_element_located((By.TAG_NAME, "svg")))
        charts = [svg for svg in driver.find_elements(By.TAG_NAME, "svg")
                  if svg.size["width"] > 50 and svg.size["height"] > 20]
        assert charts, "the report shows no chart"
        drawn = driver.execute_script(
            "return Array.from(document.querySelectorAll('svg')).map("
            "s => s.querySelectorAll('path, rect, polyline, circle, line').length)")
        assert max(drawn) > 1  # the charts have marks, not just an empty frame
        for svg in charts:
            assert not svg.find_elements(By.CSS_SELECTOR, "image[href^='http'], use[href^='http']")
    finally:
        driver.switch_to.default_content()
    path = tmp_path / f"report-{kind}.png"
    assert driver.save_screenshot(str(path))
