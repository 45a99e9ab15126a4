"""A class on one server (issue 17), in the browser: eight sessions at once get what a lone session
gets, with no error; bad uploads sent past the browser's file filter leave the page usable."""
import re

import pytest

from tests.e2e.conftest import wait_until_idle

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
ERRORS = "[data-testid=stException], [data-testid=stAlertContentError]"


def _main_text(page) -> list[str]:
    """The page's markdown, captions and code (the results it printed), without timings, once the
    tab is in front and has settled (a background tab may not have laid out everything)."""
    page.bring_to_front()
    page.wait_for_timeout(1000)
    wait_until_idle(page)
    loc = page.locator("[data-testid=stMain] [data-testid=stMarkdownContainer], "
                       "[data-testid=stMain] [data-testid=stCode]")
    return [re.sub(r"\d+(\.\d+)?\s*(ms|s)\b", "<t>", loc.nth(i).inner_text()) for i in range(loc.count())]


def _errors(page) -> list[str]:
    loc = page.locator(ERRORS)
    return [loc.nth(i).inner_text()[:200] for i in range(loc.count())]


def test_eight_sessions_at_once_match_a_lone_session(server, browser):
    lone = browser.new_context().new_page()
    lone.goto(f"{server}/decoding", timeout=120_000)
    wait_until_idle(lone)
    expected = _main_text(lone)
    assert not _errors(lone)
    contexts = [browser.new_context() for _ in range(8)]
    pages = [c.new_page() for c in contexts]
    for p in pages:  # all eight requests in flight before any is awaited
        p.goto(f"{server}/decoding", timeout=120_000, wait_until="commit")
    for p in pages:
        wait_until_idle(p, timeout_s=600)
    for i, p in enumerate(pages):
        assert not _errors(p), (i, _errors(p))
        assert _main_text(p) == expected, i
    for c in contexts:
        c.close()


def test_upload_with_a_refused_name_and_bad_bytes_keeps_the_page(server, browser, tmp_path):
    from tests.core.test_reliability_images import bad_images

    files = {n: d for n, d, _ in bad_images()}
    page = browser.new_context().new_page()
    page.goto(f"{server}/detection", timeout=120_000)
    wait_until_idle(page)
    page.get_by_text("Photo (sample, upload or camera)", exact=True).first.click()  # offline it opens on a scene
    wait_until_idle(page)
    page.locator("[data-testid=stMain]").get_by_text("Upload", exact=True).first.click()
    wait_until_idle(page)
    for name in ["photo.jfif", "photo.exe", "drawing.png", "bomb_header.png", "animated.gif", "truncated.jpg"]:
        path = tmp_path / name
        path.write_bytes(files[name])
        page.locator("[data-testid=stMain] input[type=file]").first.set_input_files(str(path))  # past the browser's filter
        wait_until_idle(page)
        assert not page.locator("[data-testid=stException]").count(), name
        body = page.locator("[data-testid=stMain]").inner_text()
        assert "Detection" in body, name
        if name in ("photo.jfif", "photo.exe", "animated.gif"):
            assert page.locator("[data-testid=stImage]").count() >= 1, name
        else:
            assert name in body.replace("\\", ""), (name, body[:500])
    page.close()
