"""The console in a real browser (Debian's Chromium through Selenium) against `vigil serve`:
log in, see the anomaly on the chart, acknowledge an alert, and a viewer's limits.

A screenshot of every page goes under the test's tmp_path (docs/console/ keeps a few).
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

PAGES = {"overview": "/", "series": "/series", "alerts": "/alerts", "oncall": "/oncall",
         "security": "/security", "reports": "/reports"}
ANOMALY_PIXEL = """
const u = window.vigilChart, i = u.data[0].indexOf(arguments[0]);
const x = Math.round(u.valToPos(u.data[0][i], 'x', true));
const y = Math.round(u.valToPos(u.data[4][i], 'y', true));
const [r, g, b] = u.ctx.getImageData(x, y, 1, 1).data;
const [r2, g2, b2] = u.ctx.getImageData(x, Math.round(u.valToPos(50, 'y', true)), 1, 1).data;
return {index: i, value: u.data[4][i], at: [r, g, b], below: [r2, g2, b2]};
"""


def _shot(driver: WebDriver, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 1000
    return path


def test_log_in_see_every_page_and_the_anomaly_on_the_chart(
        chrome: WebDriver, console_server: ConsoleServer, tmp_path: Path) -> None:
    driver = chrome
    driver.get(console_server.url + "/alerts")
    assert "/login?next=/alerts" in driver.current_url
    assert driver.find_element(By.CSS_SELECTOR, "label[for='api_key']").text == "API key"
    _shot(driver, tmp_path, "login")
    log_in(driver, console_server, console_server.operator_key)
    assert driver.find_element(By.ID, "open-alert-total").text == "2"
    for name, path in PAGES.items():
        driver.get(console_server.url + path)
        assert driver.find_element(By.TAG_NAME, "main").is_displayed()
        assert "Forbidden" not in driver.title and "Not found" not in driver.title
        _shot(driver, tmp_path, name)
    driver.get(console_server.url + "/docs")  # Swagger UI from Vigil's own files
    WebDriverWait(driver, WAIT_SECONDS).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, ".swagger-ui .info .title")))
    assert "Vigil" in driver.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
    assert driver.find_elements(By.CSS_SELECTOR, ".opblock-tag")  # the API's groups rendered
    _shot(driver, tmp_path, "docs")
    driver.get(f"{console_server.url}/series/{console_server.series.series_id}")
    WebDriverWait(driver, WAIT_SECONDS).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "#chart[data-ready='true'] canvas")))
    chart = driver.find_element(By.ID, "chart")
    assert chart.get_attribute("data-anomalies") == "1"
    seen = driver.execute_script(ANOMALY_PIXEL, console_server.series.spike_ts)
    assert seen["value"] == console_server.series.spike_value
    red, green, blue = seen["at"]
    assert red > 150 and green < 80 and blue < 80, seen  # the red anomaly dot is painted there
    assert seen["below"][0] < 150 or seen["below"][2] > 80, seen  # and not everywhere
    _shot(driver, tmp_path, "series-chart")
    rows = driver.find_elements(By.CSS_SELECTOR, "#anomalies tbody tr")
    assert len(rows) == 1 and "critical" in rows[0].text


def test_acknowledge_an_alert_and_see_it_change_state(
        chrome: WebDriver, console_server: ConsoleServer, tmp_path: Path) -> None:
    driver = chrome
    log_in(driver, console_server, console_server.operator_key)
    driver.get(f"{console_server.url}/alerts/{console_server.alert_to_ack}")
    assert driver.find_element(By.ID, "alert-state").text == "firing"
    _shot(driver, tmp_path, "alert-firing")
    driver.find_element(By.ID, "ack-button").click()
    WebDriverWait(driver, WAIT_SECONDS).until(
        ec.text_to_be_present_in_element((By.ID, "alert-state"), "acknowledged"))
    assert "by ana-operator" in driver.find_element(By.ID, "timeline").text
    assert not driver.find_elements(By.ID, "ack-button")
    _shot(driver, tmp_path, "alert-acknowledged")
    driver.get(console_server.url + "/alerts")
    row = driver.find_element(By.CSS_SELECTOR,
                              f"tr[data-alert-id='{console_server.alert_to_ack}']")
    assert "acknowledged" in row.text


def test_a_viewer_sees_no_acknowledge_button_and_a_forged_post_gets_403(
        chrome: WebDriver, console_server: ConsoleServer, tmp_path: Path) -> None:
    driver = chrome
    log_in(driver, console_server, console_server.viewer_key)
    driver.get(f"{console_server.url}/alerts/{console_server.alert_for_viewer}")
    assert driver.find_element(By.ID, "alert-state").text == "firing"
    assert not driver.find_elements(By.ID, "ack-button")
    assert not driver.find_elements(By.CSS_SELECTOR, "form[action$='/resolve']")
    _shot(driver, tmp_path, "alert-viewer")
    post = """
    const done = arguments[arguments.length - 1];
    const body = new URLSearchParams({csrf_token: arguments[1]});
    fetch(arguments[0], {method: 'POST', body: body, credentials: 'same-origin',
                         redirect: 'manual'}).then(r => done(r.status), e => done(String(e)));
    """
    path = f"/alerts/{console_server.alert_for_viewer}/ack"
    assert driver.execute_async_script(post, path, "forged") == 403
    token = driver.find_element(By.CSS_SELECTOR, "input[name='csrf_token']")
    real = token.get_attribute("value")
    assert driver.execute_async_script(post, path, real) == 403  # right token, wrong role
    driver.refresh()
    assert driver.find_element(By.ID, "alert-state").text == "firing"


def test_keyboard_focus_is_visible_and_the_layout_fits_a_phone(
        chrome: WebDriver, console_server: ConsoleServer, tmp_path: Path) -> None:
    driver = chrome
    log_in(driver, console_server, console_server.operator_key)
    driver.set_window_size(390, 844)
    try:
        driver.get(console_server.url + "/")
        focused = driver.execute_script("""
            document.querySelector('nav a').focus();
            const s = getComputedStyle(document.activeElement);
            return [s.outlineStyle, s.outlineWidth];""")
        assert focused[0] != "none" and focused[1] != "0px"
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1  # nothing wider than the phone's screen
        target = driver.find_element(By.CSS_SELECTOR, "nav a").size
        assert target["height"] >= 44  # a tap target a thumb can hit
        _shot(driver, tmp_path, "phone-overview")
        driver.get(f"{console_server.url}/alerts/{console_server.alert_for_viewer}")
        _shot(driver, tmp_path, "phone-alert")
    finally:
        driver.set_window_size(1280, 900)
