"""Presenting (issue 22) in a real browser: the keyboard steps a replay, `?present=1` gives big type and a
folded sidebar, the dark theme follows the system, and every page and tab fits a 390 px phone screen."""
import re

import pytest

from core.catalog import TOPICS, slug
from tests.e2e.conftest import wait_until_idle

pytestmark = pytest.mark.e2e

ERRORS = "[data-testid=stException], [data-testid=stAlertContentError]"
PHONE = {"width": 390, "height": 844}
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Mobile/15E148 Safari/604.1")
DESKTOP = {"width": 1400, "height": 1000}
PAGES = [("home", "")] + [(slug(t), slug(t)) for t in TOPICS if t.available] + [("models", "models")]
ONE_PER_GROUP = ["decoding", "detector-internals", "linear-regression"]  # Language, Vision, Learning

OVERFLOW = """() => {
  const d = document.documentElement, m = document.querySelector('[data-testid=stMain]');
  return {doc: [d.scrollWidth, d.clientWidth], main: m ? [m.scrollWidth, m.clientWidth] : [0, 0]};
}"""


# WCAG 2.2 target size (2.5.8): a target is at least 24 x 24 CSS px, or a 24 px circle centred on it
# touches no other target (the spacing exception). An input counts through its label or its select box.
SMALL_TARGETS = """() => {
  const main = document.querySelector('[data-testid=stMain]');
  const sel = 'button, [role=tab], [role=slider], a[href], input:not([type=hidden]), select, textarea, summary';
  const boxes = [];
  for (const el of main.querySelectorAll(sel)) {
    const t = (el.tagName === 'INPUT' && (el.closest('label') || el.closest('[data-baseweb=select]'))) || el;
    const r = t.getBoundingClientRect(), cs = getComputedStyle(t);
    if (r.width === 0 || r.height === 0 || cs.visibility === 'hidden' || cs.display === 'none') continue;
    if (boxes.some(b => b.el === t)) continue;
    boxes.push({el: t, r, name: (t.getAttribute('aria-label') || t.innerText || t.tagName).trim().slice(0, 30)});
  }
  const near = (b, o) => {  // does the 24 px circle centred on b touch o's box?
    const cx = b.r.left + b.r.width / 2, cy = b.r.top + b.r.height / 2;
    const dx = Math.max(o.r.left - cx, 0, cx - o.r.right), dy = Math.max(o.r.top - cy, 0, cy - o.r.bottom);
    return dx * dx + dy * dy < 12 * 12;
  };
  return boxes.filter(b => (b.r.width < 24 || b.r.height < 24) && boxes.some(o => o !== b && near(b, o)))
              .map(b => `${b.name} (${Math.round(b.r.width)}x${Math.round(b.r.height)})`);
}"""


def _errors(page) -> list[str]:
    boxes = page.locator(ERRORS)
    return [boxes.nth(i).inner_text()[:300] for i in range(boxes.count())]


def _fits(page, where: str) -> None:
    small = page.evaluate(SMALL_TARGETS)
    assert small == [], f"{where}: tap targets under 24 px, crowded by a neighbour: {small}"
    o = page.evaluate(OVERFLOW)
    assert o["doc"][0] <= o["doc"][1], f"{where}: the page scrolls sideways {o}"
    assert o["main"][0] <= o["main"][1], f"{where}: the main area scrolls sideways {o}"


def _tall_screenshot(page, path) -> None:
    """The whole page at phone width (Streamlit scrolls inside its main area, so a full-page shot would
    stop at the first screen): make the window as tall as the content, shoot, and put it back."""
    height = page.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": PHONE["width"], "height": min(max(height, PHONE["height"]), 8000)})
    page.screenshot(path=str(path))
    page.set_viewport_size(PHONE)


def _step_value(page, key: str) -> str:
    return page.locator(f".st-key-{key} [data-testid=stSliderThumbValue]").first.inner_text()


def test_arrow_keys_step_the_beam_replay(server, browser, shots_dir):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{server}/decoding", timeout=60_000)
    wait_until_idle(page)
    key = page.locator("[class*='st-key-dec_step_'][data-testid=stElementContainer], "
                       "[class*='st-key-dec_step_']").first.get_attribute("class")
    key = re.search(r"st-key-(dec_step_\d+)\b", key).group(1)
    last = _step_value(page, key)
    page.locator("h1").first.click()  # focus on the page, not on an input
    page.keyboard.press("ArrowLeft")
    wait_until_idle(page)
    assert _step_value(page, key) == str(int(last) - 1)
    assert f"{key}={int(last) - 1}" in page.url  # the step travels in the link
    page.keyboard.press("ArrowRight")
    wait_until_idle(page)
    assert _step_value(page, key) == last
    page.screenshot(path=str(shots_dir / "present_keyboard_decoding.png"), full_page=True)
    assert _errors(page) == []
    page.close()


@pytest.mark.parametrize("name", ONE_PER_GROUP)
def test_presenter_and_dark_screenshots(server, browser, shots_dir, name):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{server}/{name}?present=1", timeout=60_000)
    wait_until_idle(page)
    page.wait_for_function("() => parseFloat(getComputedStyle(document.querySelector('h1')).fontSize) >= 48",
                           timeout=15_000)  # 3.2rem, from the presenter CSS
    sidebar = page.locator("[data-testid=stSidebar]")
    assert sidebar.get_attribute("data-collapsed") == "true"  # folded away for the projector
    assert _errors(page) == []
    page.screenshot(path=str(shots_dir / f"present_{name}.png"), full_page=True)
    page.close()

    dark = browser.new_page(viewport=DESKTOP, color_scheme="dark")
    dark.goto(f"{server}/{name}", timeout=60_000)
    wait_until_idle(dark)
    bg = dark.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    rgb = [int(v) for v in re.findall(r"\d+", bg)[:3]]
    assert sum(rgb) < 3 * 80, bg  # the dark theme, following the system's choice
    assert _errors(dark) == []
    dark.screenshot(path=str(shots_dir / f"dark_{name}.png"), full_page=True)
    dark.close()


@pytest.mark.parametrize("name,path", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_and_tab_fits_a_phone(server, browser, shots_dir, name, path):
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True, user_agent=PHONE_UA)
    page.goto(f"{server}/{path}", timeout=60_000)
    wait_until_idle(page)
    _fits(page, name)
    assert _errors(page) == [], name
    _tall_screenshot(page, shots_dir / f"phone_{name}.png")
    tabs = page.locator("[data-testid=stMain] [data-testid=stTab]")
    labels = [tabs.nth(i).inner_text() for i in range(tabs.count())]
    for i, label in enumerate(labels):
        if i == 0:
            continue  # the first tab is what the page opened with
        tab = page.locator("[data-testid=stMain] [data-testid=stTab]").nth(i)
        tab.scroll_into_view_if_needed()
        tab.click()
        wait_until_idle(page)
        where = f"{name} / {label}"
        _fits(page, where)
        assert _errors(page) == [], where
        safe = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")[:30]
        page.screenshot(path=str(shots_dir / f"phone_{name}_{safe}.png"), full_page=False)
    page.close()
