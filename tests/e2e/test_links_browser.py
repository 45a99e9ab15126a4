"""Share a view in a real browser, on every page: change a control, take the address bar's URL, open it
in a fresh browser context (no cookies, no session): the control and the picture come back. Also the
sidebar's "link to this view" equals the address bar, and a lesson steps with its buttons."""
import difflib
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import wait_until_idle

pytestmark = pytest.mark.e2e

ERRORS = "[data-testid=stException], [data-testid=stAlertContentError]"
DESKTOP = {"width": 1400, "height": 1000}
# page, how to change it: ("tab", label) clicks a tab, ("slider", key, presses) moves a slider with the keyboard
CASES = [
    ("attention", ("tab", "Mask & temperature"), "att_tab"),
    ("decoding", ("slider", "dec_k", "ArrowRight"), "dec_k"),
    ("sequence-models", ("tab", "Perplexity, every model"), "seq_tab"),
    ("cnns", ("tab", "Blocks"), "cnn_tab"),
    ("detection", ("slider", "det_score", "ArrowRight"), "det_score"),
    ("detector-internals", ("tab", "Non-maximum suppression"), "int_tab"),
    ("vision-transformers", ("tab", "Swin"), "vit_tab"),
    ("linear-regression", ("tab", "Projection"), "lin_tab"),
    ("semi-supervised", ("tab", "Box jittering"), "ssl_tab"),
]


def _errors(page) -> list[str]:
    boxes = page.locator(ERRORS)
    return [boxes.nth(i).inner_text()[:300] for i in range(boxes.count())]


def _state(page, how) -> tuple[str, str]:
    """(the control's value, the text of what it shows) as a student sees them."""
    if how[0] == "tab":
        tab = page.locator("[data-testid=stTab][aria-selected=true]").first.inner_text()
        panel = page.locator("[role=tabpanel]:not([hidden])").first
        return tab, panel.inner_text()
    thumb = page.locator(f".st-key-{how[1]} input[type=range]").first  # 1.67's slider (DESIGN.md)
    return thumb.input_value(), page.locator("[data-testid=stMain]").inner_text()


def _shared_link(page) -> str:
    box = page.locator("[data-testid=stSidebar] [data-testid=stExpander]", has_text="Copy a link to this view").first
    box.locator("summary").click()
    return box.locator("code").first.inner_text().strip()


@pytest.mark.parametrize("name,how,key", CASES, ids=[c[0] for c in CASES])
def test_a_changed_view_survives_its_link_in_a_fresh_browser(server, browser, shots_dir, name, how, key):
    first = browser.new_context(viewport=DESKTOP)
    page = first.new_page()
    page.goto(f"{server}/{name}", timeout=60_000)
    wait_until_idle(page)
    before = _state(page, how)
    if how[0] == "tab":
        page.locator("[data-testid=stTab]", has_text=how[1]).first.click()
    else:
        page.locator(f".st-key-{how[1]} input[type=range]").first.focus()
        page.keyboard.press(how[2])
    wait_until_idle(page)
    changed = _state(page, how)
    assert changed[0] != before[0], (name, before[0])
    url = page.url
    assert key in parse_qs(urlsplit(url).query), url  # the browser's own URL carries the change
    shared = _shared_link(page)
    assert parse_qs(urlsplit(shared).query) == parse_qs(urlsplit(url).query), (shared, url)
    page.screenshot(path=str(shots_dir / f"link_{name}_changed.png"), full_page=True)
    first.close()

    fresh = browser.new_context(viewport=DESKTOP)  # another student: no session, no cookies
    other = fresh.new_page()
    other.goto(url, timeout=60_000)
    wait_until_idle(other)
    again = _state(other, how)
    for _ in range(10):  # the last elements may still be painting: look again for a while before failing
        if again == changed:
            break
        other.wait_for_timeout(2000)
        again = _state(other, how)
    other.screenshot(path=str(shots_dir / f"link_{name}_reopened.png"), full_page=True)
    assert again[0] == changed[0], (name, again[0], changed[0])
    diff = [d for d in difflib.unified_diff(changed[1].splitlines(), again[1].splitlines(), lineterm="", n=0)
            if d[:1] in "+-" and d[:3] not in ("+++", "---")]
    assert not diff, f"{name}: the linked view draws something else: {diff[:12]}"
    assert _errors(other) == []
    fresh.close()


def test_a_hostile_link_opens_the_defaults_with_one_notice(server, browser, shots_dir):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{server}/linear-regression?seed=inf&lin_noise=99&bogus=%3Cscript%3Ealert(1)%3C/script%3E"
              f"&lin_tab={'x' * 3000}", timeout=60_000)
    wait_until_idle(page)
    page.screenshot(path=str(shots_dir / "link_hostile.png"), full_page=True)
    assert _errors(page) == []
    notice = page.locator("[data-testid=stAlert]", has_text="This link asked for settings").all()
    assert len(notice) == 1 and "`" not in notice[0].inner_text()
    assert "seed" not in parse_qs(urlsplit(page.url).query) and "bogus" not in page.url
    page.close()


def test_a_lesson_plays_with_its_buttons(server, browser, shots_dir):
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{server}/linear-regression?lesson=linear-regression&step=1", timeout=60_000)
    wait_until_idle(page)
    bar = page.locator(".st-key-lesson_bar")
    assert "step 1 of 5" in bar.inner_text()
    page.locator(".st-key-lesson_next button").click()
    wait_until_idle(page)
    assert "step 2 of 5" in bar.inner_text()
    assert float(page.locator(".st-key-lin_noise input[type=range]").first.input_value()) == 2.0
    page.screenshot(path=str(shots_dir / "link_lesson_step2.png"), full_page=True)
    page.keyboard.press("PageDown")  # a presenter's clicker
    wait_until_idle(page)
    assert "step 3 of 5" in bar.inner_text()
    assert _errors(page) == []
    page.close()
