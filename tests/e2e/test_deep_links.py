"""A page URL opened first on a freshly started server gets the frame (navigation + sidebar), not
Streamlit's folder-discovered raw file list (streamlit#9624: why the pages live in app_pages/)."""
import pytest

from tests.e2e.conftest import _require_browser, start_server, stop_server, wait_until_idle

pytestmark = pytest.mark.e2e


def test_first_visit_by_page_url_on_a_fresh_server_gets_the_frame(browser, shots_dir):
    _require_browser()
    proc, url = start_server("e2e_deep_link_server.log")
    try:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/models", timeout=60_000)  # the very first request this server sees (a page whose
        # file stem equals its URL: the case folder discovery used to capture)
        wait_until_idle(page)
        page.screenshot(path=str(shots_dir / "deep_link_first_visit.png"), full_page=True)
        sidebar = page.locator("[data-testid=stSidebar]").inner_text()
        assert "Model source" in sidebar and "Seed" in sidebar, sidebar
        nav = page.locator("[data-testid=stSidebarNav]").inner_text()
        for raw in ("ui", "shapes tab", "ssl reproduction tab", "app"):
            assert raw not in nav.lower().split("\n"), nav
        assert "Models" in page.locator("h1").first.inner_text()
        page.close()
    finally:
        stop_server(proc)
