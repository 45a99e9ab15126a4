import time

import torch

from core import runtime


def test_device_env_override(monkeypatch):
    runtime.device.cache_clear()
    monkeypatch.setenv("KEYPOINT_DEVICE", "cpu")
    assert runtime.device() == torch.device("cpu")
    runtime.device.cache_clear()


def test_device_default_is_cuda_then_mps_then_cpu(monkeypatch):
    runtime.device.cache_clear()
    monkeypatch.delenv("KEYPOINT_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert runtime.device().type == "cpu"
    runtime.device.cache_clear()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert runtime.device().type == "cuda"
    runtime.device.cache_clear()


def test_seed_everything_repeats():
    g1 = runtime.seed_everything(7)
    a = torch.rand(3, generator=g1), torch.rand(3)
    g2 = runtime.seed_everything(7)
    b = torch.rand(3, generator=g2), torch.rand(3)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


def test_set_threads(monkeypatch):
    before = torch.get_num_threads()
    assert runtime.set_threads(1) == 1
    runtime.set_threads(before)


def test_timer_measures():
    with runtime.Timer() as t:
        time.sleep(0.02)
    assert 15 <= t.ms < 500
    rec = {}
    with runtime.timed(rec, "x"):
        time.sleep(0.01)
    assert rec["x"] >= 5


def test_default_threads_leaves_room_and_obeys_env(monkeypatch):
    monkeypatch.delenv("KEYPOINT_THREADS", raising=False)
    monkeypatch.setattr(runtime.os, "cpu_count", lambda: 2)
    assert runtime.default_threads() == 1
    monkeypatch.setattr(runtime.os, "cpu_count", lambda: 16)
    assert runtime.default_threads() == 8
    monkeypatch.setenv("KEYPOINT_THREADS", "3")
    assert runtime.default_threads() == 3
