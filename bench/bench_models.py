"""Peak memory with every pretrained-size model the pages offer, tried once in class order, under the
default model budget (issue 25). The work happens in a fresh process (bench/peak_models.py says how
the real-size models are built without the network); here its figures become one benchmark line.

value: the process's peak RSS (VmHWM). baseline: the budget plus the floor that process measured
before its first model (the libraries), so ratio <= 1.10 is the issue's "within budget + floor + 10%".
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def peak_rss_every_model_mb() -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KEYPOINT_OFFLINE": "", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("KEYPOINT_PEAK_ONLY", None)
    r = subprocess.run([sys.executable, "-m", "bench.peak_models"], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=3600)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    out = json.loads(r.stdout.strip().splitlines()[-1])
    return {"value": out["peak_mb"], "unit": "MB", "baseline": out["budget_mb"] + out["floor_mb"],
            "target_mb": 2500, "floor_mb": out["floor_mb"], "budget_mb": out["budget_mb"], "end_mb": out["end_mb"],
            "models": out["models"], "evictions": out["evictions"], "wall_s": out["wall_s"],
            "steps": [(s["card"], s["event"], s["model_mb"], s["rss_mb"]) for s in out["steps"]]}


BENCHMARKS = {"peak_rss_every_model_mb": peak_rss_every_model_mb}
