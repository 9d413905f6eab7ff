"""The explorer in a real browser (headless Chromium): it loads, a step advances the date,
a slider change changes the plotted balance, and the chart shows at 1280 and 390 px.
Screenshots are kept in the test's folder (`explorer_<width>.png`)."""

from __future__ import annotations

import datetime as dt
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

EXPLORE = Path(sys.executable).with_name("caucasus-sim-explore")
WAIT = 120  # seconds: the first page builds a model and draws it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def explorer(tmp_path_factory):
    """`caucasus-sim-explore` serving on a free port; its URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("explorer") / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen([str(EXPLORE), "--port", str(port), "--host", "127.0.0.1"], stdout=out,
                                  stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + WAIT
    while True:
        try:
            urllib.request.urlopen(url, timeout=5)
            break
        except OSError:
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=30)


def wait_for(browser, condition, what: str, timeout: float = WAIT):
    """`condition()` once it is true; an element the page re-rendered meanwhile counts as not yet."""
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except StaleElementReferenceException:
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def status(browser) -> str:
    found = browser.find_elements("css selector", ".caucasus-charts")
    return found[0].text if found else ""


def click(browser, label: str) -> None:
    """Click the displayed button labelled `label`, once there is one: after a resize the
    sidebar unfolds for a while, and its buttons appear some time after its sliders."""
    def displayed_button():
        return next((b for b in browser.find_elements("tag name", "button")
                     if b.is_displayed() and b.text.strip().upper() == label), None)
    button = wait_for(browser, displayed_button, f"the {label} button", timeout=30)
    browser.execute_script("arguments[0].click()", button)


def chart_shows(browser) -> bool:
    """Both chart images loaded, wide enough to read, inside the page's width."""
    return browser.execute_script("""
        const imgs = Array.from(document.querySelectorAll('.caucasus-charts img'));
        const width = document.documentElement.clientWidth;
        return imgs.length === 2 && imgs.every(i => i.complete && i.naturalWidth > 0
            && i.getBoundingClientRect().width > 0.6 * Math.min(width, 500)
            && i.getBoundingClientRect().right <= width + 1);""")


def balance_of(browser, client: str = "Azerbaijan") -> str | None:
    """The client's balance as the charts' caption prints it; None while none is shown."""
    found = re.search(rf"{client} ([+-]\d\.\d{{3}})", status(browser))
    return found.group(1) if found else None


def test_the_explorer_loads_steps_reacts_to_a_slider_and_fits_a_phone(browser, explorer, tmp_path):
    browser.set_window_size(1280, 900)
    browser.get(explorer)
    wait_for(browser, lambda: "step 0 of" in status(browser) and chart_shows(browser), "the explorer's charts")
    assert "2024-12-01" in status(browser)
    start = balance_of(browser)
    assert start is not None, status(browser)
    click(browser, "STEP")
    wait_for(browser, lambda: "step 0 of" not in status(browser), "a batch of steps")
    steps = int(re.search(r"step (\d+) of", status(browser)).group(1))
    assert steps > 1 and (dt.date(2024, 12, 1) + dt.timedelta(weeks=steps)).isoformat() in status(browser)
    for width in (1280, 390):  # the chart of five steps, on a desktop and on a phone
        browser.set_window_size(width, 900)
        wait_for(browser, lambda: chart_shows(browser), f"the chart at {width} px", timeout=30)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= \
            browser.execute_script("return document.documentElement.clientWidth")
        browser.save_screenshot(str(tmp_path / f"explorer_{width}.png"))
        assert (tmp_path / f"explorer_{width}.png").stat().st_size > 10_000
    browser.set_window_size(1280, 900)  # the sidebar, folded away on a phone
    slider = browser.find_element("xpath", "//div[contains(@class, 'v-input') and .//label[contains(., "
                                  "'capability exponent')]]//div[@role='slider']")
    wait_for(browser, slider.is_displayed, "the sidebar back at 1280 px", timeout=30)  # it unfolds after the resize
    slider.send_keys("\ue011")  # Home: the capability exponent from 0.5 to 0; Reset builds that model
    wait_for(browser, lambda: slider.get_attribute("aria-valuenow") == "0", "the slider at 0", timeout=30)
    click(browser, "RESET")
    wait_for(browser, lambda: "step 0 of" in status(browser), "the model rebuilt")
    # the slider did not change the plotted balance, if this times out
    wait_for(browser, lambda: balance_of(browser) not in (None, start), "a balance other than the first model's", timeout=30)
    wait_for(browser, lambda: chart_shows(browser), "the new model's chart")


def test_on_a_phone_the_first_load_shows_the_charts_and_the_menu_and_loads_every_file(browser, explorer, tmp_path):
    """At 390 px from the first load (not a desktop window shrunk): the side panel is closed,
    so the menu button and the charts are not covered; the sliders show their values once
    the panel is opened; and the console reports no file that failed to load (KaTeX once)."""
    browser.set_window_size(390, 844)
    browser.get(explorer)
    wait_for(browser, lambda: "step 0 of" in status(browser) and chart_shows(browser), "the explorer's charts")
    drawer_closed = """const n = document.querySelector('.v-navigation-drawer');
        return n !== null && n.getBoundingClientRect().right <= 0;"""
    wait_for(browser, lambda: browser.execute_script(drawer_closed), "the side panel closed on a phone", timeout=30)
    uncovered = browser.execute_script("""
        const targets = [...document.querySelectorAll('.caucasus-charts img'), document.querySelector('header button')];
        return targets.every(t => { const r = t.getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + Math.min(r.height / 2, 20));
            return hit !== null && (t === hit || t.contains(hit)); });""")
    assert uncovered, "the side panel, or something else, covers a chart or the menu button"
    browser.save_screenshot(str(tmp_path / "explorer_phone_first_load.png"))
    browser.execute_script("document.querySelector('header button').click()")  # the menu button: the panel opens
    wait_for(browser, lambda: not browser.execute_script(drawer_closed), "the side panel opened", timeout=30)
    labels = browser.find_elements("css selector", ".v-slider__thumb-label")
    wait_for(browser, lambda: any(label.is_displayed() and label.text.strip() for label in labels),
             "the sliders' values", timeout=30)
    failed = [e["message"] for e in browser.get_log("browser") if "Failed to load resource" in e["message"]]
    assert failed == []
