"""CNNs page in a real browser: every tab shows without an error box; a live run draws its charts."""
import time

import pytest

from tests.e2e.conftest import wait_until_idle

ERRORS = "[data-testid=stException], [data-testid=stAlertContentError]"

pytestmark = pytest.mark.e2e


def test_cnns_tabs_and_a_live_run(server, browser, shots_dir):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors = []
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.goto(f"{server}/cnns", timeout=60_000)
    wait_until_idle(page)
    for i, tab in enumerate(["Architectures", "Blocks", "Feature maps & Grad-CAM", "Live training"]):
        page.get_by_role("tab", name=tab).click()
        time.sleep(0.5)
        page.screenshot(path=str(shots_dir / f"cnns_tab{i}.png"), full_page=True)
    page.get_by_role("button", name="Start training").click()
    deadline = time.time() + 90
    while time.time() < deadline and page.get_by_text("Gradient at the first layer").count() == 0:
        time.sleep(0.5)
    time.sleep(3)  # a few live ticks
    page.screenshot(path=str(shots_dir / "cnns_live.png"), full_page=True)
    assert page.locator("text=/Step \\d+ \\/ 300/").count() >= 1
    page.locator("[data-testid=stMain]").get_by_role("button", name="Stop").click()  # not the header's Stop
    wait_until_idle(page)
    errors = page.locator(ERRORS)
    assert [errors.nth(i).inner_text()[:300] for i in range(errors.count())] == []
    assert console_errors == [], console_errors
    page.close()
