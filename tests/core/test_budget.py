"""The process-wide model budget (core.zoo.budget): sizes, eviction order, held models, threads."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from core.zoo.budget import MB, ModelBudget, nbytes


def blob(mb: float, dtype=torch.float32) -> torch.nn.Module:
    """A module holding `mb` MB in one parameter (float32: 4 bytes per element)."""
    m = torch.nn.Module()
    m.w = torch.nn.Parameter(torch.zeros(int(mb * MB) // torch.tensor([], dtype=dtype).element_size(), dtype=dtype))
    return m


def test_size_is_parameters_plus_buffers_counted_once():
    lin = torch.nn.Linear(10, 20)  # 10*20 + 20 float32
    bn = torch.nn.BatchNorm1d(20)  # weight, bias (params) + running mean, var, num_batches_tracked (buffers)
    model = torch.nn.Sequential(lin, bn)
    expected = sum(t.numel() * t.element_size() for t in list(model.parameters()) + list(model.buffers()))
    assert nbytes(model) == expected == (220 + 40) * 4 + 40 * 4 + 8
    tied = torch.nn.Module()
    tied.a = lin
    tied.b = lin  # a tied / shared module counts once
    assert nbytes(tied) == 220 * 4
    half = torch.nn.Linear(4, 4).to(torch.float16)
    assert nbytes(half) == 20 * 2  # element_size, not a fixed 4


def test_size_sees_through_tuples_dataclasses_and_wrappers():
    @dataclass
    class Loaded:
        name: str
        predictor: object

    class Wrapper:  # defined in tests: attributes are not walked (only core/app wrappers are)
        def __init__(self, m):
            self.model = m

    m = torch.nn.Linear(100, 100)
    arr = np.zeros((10, 10), np.float64)
    assert nbytes((m, "tokenizer", arr)) == 10100 * 4 + 800
    assert nbytes(Loaded("x", {"net": m})) == 10100 * 4
    assert nbytes(Wrapper(m)) == 0


def test_least_recently_used_is_evicted_first():
    b = ModelBudget(budget_mb=10)
    loads = []

    def loader(name, mb):
        return lambda: loads.append(name) or blob(mb)

    b.get("a", loader("a", 4))
    b.get("b", loader("b", 4))
    assert b.get("a", loader("a", 4))[1] == "hit"  # a is now the most recent
    _, event = b.get("c", loader("c", 4))  # 12 MB > 10: evict b (least recent), keep a
    assert event == "loaded"
    assert [k for k, _ in b.evictions] == ["b"]
    assert [e.key for e in b.entries()] == ["c", "a"]
    assert b.used() == 8 * MB
    assert b.get("b", loader("b", 4))[1] == "reloaded"  # evicted, then asked again: the page says so
    assert [k for k, _ in b.evictions] == ["b", "a"]
    assert loads == ["a", "b", "c", "b"]


def test_expected_size_makes_room_before_loading():
    b = ModelBudget(budget_mb=10)
    b.get("a", lambda: blob(4))
    b.get("b", lambda: blob(4))
    seen_during_load = []
    b.get("c", lambda: seen_during_load.append(b.used()) or blob(4), expect_bytes=4 * MB)
    assert seen_during_load == [4 * MB]  # a was evicted before c started loading


def test_a_held_model_is_not_evicted():
    b = ModelBudget(budget_mb=10)
    with b.hold("a", lambda: blob(6)) as a:
        b.get("b", lambda: blob(6))  # over budget, but a is held: b stays too (it is the newest)
        assert "a" in b and "b" in b
        assert b.get("a", lambda: blob(6))[0] is a
        b.get("c", lambda: blob(6))  # b is evicted, never the held a
        assert "a" in b and "b" not in b
    b.get("d", lambda: blob(6))  # released: now a is the least recent and goes
    assert "a" not in b
    assert [k for k, _ in b.evictions] == ["b", "a", "c"]


def test_a_model_alone_over_the_budget_stays_loaded():
    b = ModelBudget(budget_mb=1)
    model, _ = b.get("big", lambda: blob(3))
    assert "big" in b and b.get("big", lambda: blob(3))[0] is model


def test_env_variable_sets_the_budget(monkeypatch):
    monkeypatch.setenv("KEYPOINT_MODEL_BUDGET_MB", "300")
    assert ModelBudget.from_env().budget == 300 * MB
    monkeypatch.setenv("KEYPOINT_MODEL_BUDGET_MB", "lots")
    assert ModelBudget.from_env().budget > 0  # a typo falls back to the default, never to zero


@pytest.mark.slow
def test_threads_load_each_model_once_and_stay_within_budget():
    b = ModelBudget(budget_mb=20)
    counts: dict[str, int] = {}
    guard = threading.Lock()
    errors = []

    def load(name):
        def fn():
            with guard:
                counts[name] = counts.get(name, 0) + 1
            return blob(4)
        return fn

    def student(i):
        try:
            for j in range(30):
                name = f"m{(i + j) % 8}"
                with b.hold(name, load(name)) as m:
                    assert nbytes(m) == 4 * MB
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert all(e.holders == 0 for e in b.entries())
    assert b.used() <= 20 * MB
    # a model loads again only after the budget evicted it (never two copies loading at once)
    evicted = [k for k, _ in b.evictions]
    assert counts == {k: evicted.count(k) + (k in b) for k in counts}


def test_concurrent_first_requests_load_once():
    b = ModelBudget(budget_mb=100)
    calls = []
    start = threading.Barrier(8)

    def slow():
        calls.append(1)
        threading.Event().wait(0.2)
        return blob(1)

    got = []

    def ask():
        start.wait()
        got.append(b.get("x", slow)[0])

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(calls) == 1 and len({id(g) for g in got}) == 1
