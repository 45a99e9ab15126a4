"""The tabs issue 24 changed, in a real browser: each opens on its effect without an error box;
a screenshot of each for a person to look at."""
import time

import pytest

from tests.e2e.conftest import wait_until_idle

ERRORS = "[data-testid=stException], [data-testid=stAlertContentError]"
TABS = [("attention", ["Mask & temperature", "Multi-head", "Cost of context", "Directions & superposition"]),
        ("vision-transformers", ["BERT pre-training"]),
        ("sequence-models", ["RNN, GRU and LSTM cells", "Deep & bidirectional"]),
        ("decoding", []),
        ("detector-internals", ["DETR and Hungarian matching"])]

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("path,tabs", TABS, ids=[t[0] for t in TABS])
def test_changed_tabs_open_on_their_effect(server, browser, shots_dir, path, tabs):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors = []
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.goto(f"{server}/{path}", timeout=60_000)
    wait_until_idle(page)
    for tab in tabs or [None]:
        if tab:
            page.get_by_role("tab", name=tab).click()
            time.sleep(0.5)
            wait_until_idle(page)
        name = f"notes_{path}" + (f"_{tab.split()[0].lower().strip('&,')}" if tab else "")
        page.screenshot(path=str(shots_dir / f"{name}.png"), full_page=True)
        errors = page.locator(ERRORS)
        assert [errors.nth(i).inner_text()[:300] for i in range(errors.count())] == [], (path, tab)
    assert console_errors == [], console_errors
    page.close()
