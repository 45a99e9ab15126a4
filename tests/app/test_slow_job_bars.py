"""The vision pages' slow jobs show st.progress driven by the job itself (issue 22.4): on a cold cache the
page's bar moves from 0 to 1 through the job's own steps, says what it is doing, and is gone afterwards."""
import re

import pytest
import streamlit as st

from tests.app.helpers import charts, page

pytestmark = pytest.mark.slow


@pytest.fixture
def bars(monkeypatch):
    """{what the bar says: [(fraction, steps done, total)] as the page's bars were moved}, on a cold cache."""
    from app_pages.parts import progress

    seen: dict[str, list] = {}
    real = progress.Bar.__call__

    def spy(self, done, total=None):
        real(self, done, total)
        seen.setdefault(self.what, []).append((self.value, done, total))

    monkeypatch.setattr(progress.Bar, "__call__", spy)
    st.cache_data.clear()  # the jobs run once per server: make this run the first
    return seen


def one_bar(seen: dict, starts: str) -> list:
    moves = [v for what, v in seen.items() if what.startswith(starts)]
    assert len(moves) == 1, list(seen)
    return moves[0]


def assert_0_to_1(moves: list, total: int) -> None:
    fractions = [f for f, _, _ in moves]
    assert fractions[0] < 1 and fractions[-1] == 1.0 and fractions == sorted(fractions), fractions
    assert [(d, t) for _, d, t in moves] == [(i, total) for i in range(1, total + 1)]  # every step, in order


def assert_cleared(at) -> None:
    assert not at.exception, at.exception
    assert not list(at.get("progress")), "a finished job shows its result, not a full bar"


def test_cnn_family_measurement(bars):
    from core.vision.cnn.registry import TEACHING

    at = page("app_pages/cnns/page.py").run()
    assert_cleared(at)
    assert_0_to_1(one_bar(bars, "Measuring the family"), len(TEACHING))


def test_swin_flop_counting(bars):
    at = page("app_pages/vision_transformers/page.py").run()
    assert_cleared(at)
    assert_0_to_1(one_bar(bars, "Counting FLOPs"), 8)  # sides 7, 14, 21, 28: global + window each


def test_rcnn_vs_fast_rcnn_timing(bars):
    at = page("app_pages/detector_internals/page.py").run()
    assert_cleared(at)
    moves = one_bar(bars, "Timing R-CNN")
    titles = re.findall(r"The same backbone, (\d+) proposals", " ".join(c.proto.spec for c in charts(at)))
    assert len(titles) == 1 and 1 <= int(titles[0]) <= 100, titles  # the tab times at most 100 proposals
    assert_0_to_1(moves, int(titles[0]) + 1)  # one CNN pass per proposal, then one on the whole image
