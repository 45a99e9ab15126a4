"""Drawing with the mouse in Chromium (streamlit-drawable-canvas): a digit for LeNet, an MAE mask, a RoI,
ground truth on a photo. Each drawing must change what the page computes; screenshots of each."""
import re
import time

import pytest

from tests.e2e.conftest import wait_until_idle

ERRORS = "[data-testid=stException], [data-testid=stAlertContentError]"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _open(browser, url):
    page = browser.new_page(viewport={"width": 1400, "height": 2200})
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(url, timeout=60_000)
    wait_until_idle(page)
    return page


def _canvas_box(page, nth=0):
    """The bounding box of the nth drawing canvas (Fabric's upper canvas takes the mouse)."""
    c = page.locator("canvas.upper-canvas:visible").nth(nth)
    c.scroll_into_view_if_needed()
    time.sleep(0.3)
    return c.bounding_box()


def _stroke(page, box, pts):
    """Drag the mouse through points given as fractions (fx, fy) of the canvas."""
    page.mouse.move(box["x"] + pts[0][0] * box["width"], box["y"] + pts[0][1] * box["height"])
    page.mouse.down()
    for fx, fy in pts[1:]:
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"], steps=4)
    page.mouse.up()
    time.sleep(0.5)
    wait_until_idle(page)


def _no_errors(page):
    errors = page.locator(ERRORS)
    assert [errors.nth(i).inner_text()[:300] for i in range(errors.count())] == []
    assert page.errors == [], page.errors


def _choose(page, label, option):
    """Pick an option of the visible selectbox whose label is `label` (again if a rerun closed the list)."""
    for _ in range(5):
        wait_until_idle(page)
        box = page.locator("[data-testid=stSelectbox]:visible").filter(has_text=label).first
        box.scroll_into_view_if_needed()
        box.click()
        opt = page.get_by_role("option", name=option, exact=True).first
        try:
            opt.wait_for(timeout=5_000)
            opt.click(timeout=5_000)
            break
        except Exception:  # noqa: BLE001 (the list closed under a rerun: open it again)
            page.keyboard.press("Escape")
    wait_until_idle(page)


def _metric(page, label):
    m = page.locator("[data-testid=stMetric]").filter(has_text=label).first
    return m.locator("[data-testid=stMetricValue]").inner_text()


def test_draw_a_digit_for_lenet(server, browser, shots_dir):
    page = _open(browser, f"{server}/cnns")
    page.get_by_role("tab", name="Feature maps & Grad-CAM").click()
    _choose(page, "Network", "cnn-lenet5-digits (LeNet)")
    page.get_by_role("button", name="Clear").click()
    wait_until_idle(page)
    assert page.get_by_text("Nothing drawn yet").count() == 1
    box = _canvas_box(page)
    _stroke(page, box, [(0.55, 0.12), (0.5, 0.5), (0.45, 0.88)])  # a slanted 1
    first = _metric(page, "LeNet reads")
    page.screenshot(path=str(shots_dir / "draw_digit_1.png"), full_page=True)
    page.get_by_role("button", name="Clear").click()
    wait_until_idle(page)
    box = _canvas_box(page)
    circle = [(0.5 + 0.25 * __import__("math").sin(t / 12 * 6.3), 0.5 - 0.38 * __import__("math").cos(t / 12 * 6.3))
              for t in range(13)]
    _stroke(page, box, circle)  # a 0
    second = _metric(page, "LeNet reads")
    page.screenshot(path=str(shots_dir / "draw_digit_0.png"), full_page=True)
    assert re.fullmatch(r"\d", first) and re.fullmatch(r"\d", second)
    assert first != second, (first, second)
    _no_errors(page)
    page.close()


def test_paint_the_mae_mask(server, browser, shots_dir):
    page = _open(browser, f"{server}/vision-transformers")
    page.get_by_role("tab", name="MAE").click()
    wait_until_idle(page)
    page.get_by_text("Paint them").click()
    wait_until_idle(page)
    assert page.get_by_text("Nothing painted yet").count() == 1
    box = _canvas_box(page)
    _stroke(page, box, [(0.1, 0.3), (0.9, 0.3)])  # one row of patches
    first = _metric(page, "Encoder tokens")
    _stroke(page, box, [(0.1, 0.7), (0.9, 0.7)])  # and another
    second = _metric(page, "Encoder tokens")
    page.screenshot(path=str(shots_dir / "draw_mae_mask.png"), full_page=True)
    n1, n2 = (int(v.split(" of ")[0]) for v in (first, second))
    total = int(first.split(" of ")[1])
    assert 0 < n2 < n1 < total, (first, second)
    _no_errors(page)
    page.close()


def test_draw_a_roi(server, browser, shots_dir):
    page = _open(browser, f"{server}/detector-internals")
    page.get_by_role("tab", name="RoI Pool vs RoI Align").click()
    wait_until_idle(page)
    before = (_metric(page, "RoI Pool output, mean"), _metric(page, "RoI Align output, mean"))
    box = _canvas_box(page)
    _stroke(page, box, [(0.55, 0.5), (0.75, 0.7), (0.95, 0.95)])  # a new box, lower right
    after = (_metric(page, "RoI Pool output, mean"), _metric(page, "RoI Align output, mean"))
    page.screenshot(path=str(shots_dir / "draw_roi.png"), full_page=True)
    assert before[0] != after[0] and before[1] != after[1], (before, after)
    assert page.get_by_text("Your RoI: x 70").count() >= 1 or page.get_by_text("Your RoI: x 7").count() >= 1
    _no_errors(page)
    page.close()


def test_draw_ground_truth_on_the_detection_page(server, browser, shots_dir):
    page = _open(browser, f"{server}/detection")
    assert page.get_by_text("No ground truth yet").count() == 1
    photo = page.get_by_text("person 0.", exact=False).count() > 0 or page.get_by_text("yolox_nano.onnx").count() > 0
    _choose(page, "Class of the next box", "person" if photo else "circle")
    box = _canvas_box(page)
    _stroke(page, box, [(0.03, 0.03), (0.4, 0.5), (0.74, 0.99)])  # round the astronaut (or the top-left shape)
    precision, recall = _metric(page, "Precision"), _metric(page, "Recall")
    page.locator("[data-testid=stMetric]").filter(has_text="Precision").first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots_dir / "draw_ground_truth.png"), full_page=True)
    assert re.fullmatch(r"[01]\.\d\d", precision) and re.fullmatch(r"[01]\.\d\d", recall), (precision, recall)
    assert page.get_by_text("AP@0.5 on this image").count() == 1
    _no_errors(page)
    page.close()


def test_click_a_yolo_cell(server, browser, shots_dir):
    page = _open(browser, f"{server}/detector-internals")
    page.get_by_role("tab", name="YOLO grid").click()
    wait_until_idle(page)
    box = _canvas_box(page)
    page.mouse.click(box["x"] + 0.94 * box["width"], box["y"] + 0.3 * box["height"])  # row 2, last column of 8
    time.sleep(0.5)
    wait_until_idle(page)
    page.screenshot(path=str(shots_dir / "click_yolo_cell.png"), full_page=True)
    assert page.get_by_text("Cell (2, 7):").count() >= 1
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.9 * box["height"])  # row 7, column 2
    time.sleep(0.5)
    wait_until_idle(page)
    assert page.get_by_text("Cell (7, 2):").count() >= 1
    _no_errors(page)
    page.close()
