"""A dead network in its three shapes (issue 17): nothing listening, a hub address that accepts
connections and never answers, a dead or silent proxy. The probe says "offline" within its timeout,
once per process, and a pretrained card then resolves to its local fallback without waiting again."""
import socket
import threading
import time

import pytest

from core.zoo import ModelCard, Source, network, resolve


@pytest.fixture
def online_env(monkeypatch):
    for flag in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "KEYPOINT_OFFLINE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(flag, raising=False)
    network._reset_for_tests()
    yield monkeypatch
    network._reset_for_tests()


@pytest.fixture
def black_hole():
    """A TCP server that accepts every connection and never sends a byte."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held, stop = [], threading.Event()

    def accept():
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()
    stop.set()
    t.join()
    for c in held:
        c.close()
    srv.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _timed_probe(timeout_s=0.5):
    t0 = time.perf_counter()
    up = network.network_up(timeout_s=timeout_s)
    return up, time.perf_counter() - t0


def test_hub_that_accepts_and_never_answers_is_offline(online_env, black_hole):
    online_env.setattr(network, "_PROBE_HOST", black_hole)
    up, s = _timed_probe()
    assert up is False and s < 1.0
    up, s = _timed_probe()  # once per process
    assert up is False and s < 0.01


def test_nothing_listening_is_offline(online_env):
    online_env.setattr(network, "_PROBE_HOST", ("127.0.0.1", _closed_port()))
    up, s = _timed_probe()
    assert up is False and s < 1.0


def test_dead_proxy_and_silent_proxy_are_offline(online_env, black_hole):
    online_env.setenv("HTTPS_PROXY", f"http://127.0.0.1:{_closed_port()}")
    up, s = _timed_probe()
    assert up is False and s < 1.0
    network._reset_for_tests()
    online_env.setenv("HTTPS_PROXY", f"http://{black_hole[0]}:{black_hole[1]}")
    up, s = _timed_probe()
    assert up is False and s < 1.0


def test_pretrained_card_falls_back_within_the_probe_timeout(online_env, black_hole, tmp_path):
    online_env.setattr(network, "_PROBE_HOST", black_hole)
    online_env.setenv("HF_HUB_CACHE", str(tmp_path))
    online_env.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    orig = network.network_up
    online_env.setattr(network, "network_up", lambda timeout_s=0.5: orig(timeout_s))
    card = ModelCard(name="t", family="T", task="t", license="MIT",
                     sources=(Source("pretrained", "hf", "nobody/model"), Source("bundled", "assets", "requirements.txt")))
    t0 = time.perf_counter()
    res = resolve(card, "auto")
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = resolve(card, "auto")
    second = time.perf_counter() - t0
    assert res.source.kind == again.source.kind == "bundled"
    assert "does not answer" in res.skipped[0]
    assert first < 1.5 and second < 0.2
