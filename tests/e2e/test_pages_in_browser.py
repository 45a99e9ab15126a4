"""Visit every page in headless Chromium; fail on any error element; keep a screenshot per page."""
import pytest

from core.catalog import TOPICS, slug
from tests.e2e.conftest import wait_until_idle

PAGES = [("home", "")] + [(slug(t), slug(t)) for t in TOPICS if t.available] + [("models", "models")]
ERRORS = "[data-testid=stException], [data-testid=stAlertContentError]"

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("name,path", PAGES, ids=[p[0] for p in PAGES])
def test_page_renders_without_errors(server, browser, shots_dir, name, path):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors = []
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    page.goto(f"{server}/{path}", timeout=60_000)
    wait_until_idle(page)
    page.screenshot(path=str(shots_dir / f"{name}.png"), full_page=True)
    errors = page.locator(ERRORS)
    texts = [errors.nth(i).inner_text()[:300] for i in range(errors.count())]
    assert texts == [], f"{name}: error elements on the page: {texts}"
    assert page.locator("h1").count() >= 1, f"{name}: no title rendered"
    assert console_errors == [], console_errors
    page.close()


def test_sidebar_has_frame_controls(server, browser):
    page = browser.new_page()
    page.goto(server, timeout=60_000)
    wait_until_idle(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    assert "Model source" in sidebar.inner_text()
    assert "Seed" in sidebar.inner_text()
    page.close()
