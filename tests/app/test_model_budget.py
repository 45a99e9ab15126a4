"""The process-wide model budget seen from the pages: one registry for every page, shown on Models."""
from __future__ import annotations

import pytest

from tests.app.helpers import page


@pytest.fixture
def fresh_budget(monkeypatch):
    from core.zoo import budget

    b = budget.ModelBudget(budget_mb=50)
    monkeypatch.setattr(budget, "BUDGET", b)
    return b


def test_a_page_model_lands_in_the_budget_and_the_models_page_shows_it(fresh_budget):
    at = page("app_pages/attention/page.py").run()
    assert not at.exception, at.exception
    keys = [e.key for e in fresh_budget.entries()]
    assert any("attention/page.py:get_model('gpt-tiny'" in k for k in keys), keys
    gpt = next(e for e in fresh_budget.entries() if "gpt-tiny" in e.key)
    import torch  # the measured size is the bundled model's parameters + buffers

    from core.text.lm.load import load_model

    model = load_model("gpt-tiny", "offline")[0]
    assert gpt.bytes == sum(t.numel() * t.element_size() for t in {id(t): t for t in
                            list(model.parameters()) + list(model.buffers())}.values())
    models = page("app_pages/models.py").run()
    assert not models.exception, models.exception
    frames = [d.value for d in models.dataframe]
    loaded = frames[-1]
    assert any("gpt-tiny" in str(m) for m in loaded["model"]), loaded
    assert any("model budget" in str(p.proto.text) for p in models.get("progress"))


@pytest.mark.slow
def test_an_evicted_model_is_reloaded_and_the_page_says_so(fresh_budget):
    fresh_budget.budget = 1  # one byte: every new model evicts the others
    at = page("app_pages/attention/page.py").run()
    assert not at.exception
    first = [e.key for e in fresh_budget.entries()]
    model_box = next(b for b in at.selectbox if b.value in ("gpt-tiny", "minilm"))  # the key may change with issue 21
    model_box.set_value("minilm").run()
    assert not at.exception, at.exception
    assert any(k in [e for e, _ in fresh_budget.evictions] for k in first)
    next(b for b in at.selectbox if b.value in ("gpt-tiny", "minilm")).set_value("gpt-tiny").run()
    assert not at.exception
    assert any("loaded again" in t.proto.body for t in at.toast), [t.proto.body for t in at.toast]


def test_room_is_made_for_the_card_size_or_its_load_peak():
    from app_pages.parts.ui import _expected_bytes

    assert _expected_bytes(("gpt2", "auto")) == int(548.0 * 2**20)  # the download size
    assert _expected_bytes(("ssd300-vgg16", "auto", None)) == 660 * 2**20  # the builder's peak is larger
    assert _expected_bytes(("no-such-card",)) == 0 and _expected_bytes(()) == 0 and _expected_bytes((3,)) == 0
