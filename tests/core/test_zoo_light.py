"""Asking the zoo where weights are stays light: no torchvision import for a cache check (issue 25)."""
from __future__ import annotations

import os
import subprocess
import sys

from core.catalog import ROOT


def test_the_file_table_matches_torchvisions_enums():
    from core.zoo import all_cards
    from core.zoo.sources import TORCHVISION_FILES, torchvision_weights

    refs = {s.ref for c in all_cards().values() for s in c.sources if s.hub == "torchvision"}
    assert refs == set(TORCHVISION_FILES)
    for ref in refs:
        from core.zoo.card import Source

        assert TORCHVISION_FILES[ref] == os.path.basename(torchvision_weights(Source("pretrained", "torchvision", ref)).url)


def test_hub_dir_without_torch_matches_torch(tmp_path, monkeypatch):
    import torch


    for env in ({"TORCH_HOME": str(tmp_path / "th")}, {"XDG_CACHE_HOME": str(tmp_path / "xdg")}):
        for k in ("TORCH_HOME", "XDG_CACHE_HOME"):
            monkeypatch.delenv(k, raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        code = "import core.zoo.sources as s, sys; print(s.torch_hub_dir()); assert 'torch' not in sys.modules"
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ}, capture_output=True,
                             text=True, check=True).stdout.strip()
        assert out == torch.hub._get_torch_home() + "/hub"


def test_the_models_table_imports_no_torch():
    code = ("import sys; from core.zoo.table import zoo_rows; rows = zoo_rows('offline'); "
            "print(len(rows), [m for m in ('torch', 'torchvision', 'transformers') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "KEYPOINT_OFFLINE": "1"}).stdout.strip()
    n, loaded = out.split(" ", 1)
    assert int(n) > 20 and loaded == "[]", out
