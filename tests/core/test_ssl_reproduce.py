"""The reproduction's verdict rule on synthetic results, and its smoke version end to end."""
import json
import math

import pytest
from scipy import stats

from core.learn.ssl import reproduce as rp


def _runs(gains: dict, seeds: int, noise: float, base: float = 0.4, seed: int = 0):
    """Synthetic mAPs: a shared per-seed level (the burn-in) + a method gain + small noise."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = []
    for s in range(seeds):
        level = base + 0.13 * rng.standard_normal()          # seeds differ a lot, like real burn-ins
        for name, _, _ in rp.METHODS:
            out.append({"fraction": 0.1, "seed": s, "method": name, "wall_s": 1.0, "burn_in_map": level,
                        "map": level + gains.get(name, 0.0) + noise * rng.standard_normal()})
    return out


def test_paired_interval_matches_scipy():
    d = [0.012, 0.02, 0.005, 0.017, 0.011]
    iv = rp.paired_interval(d)
    lo, hi = stats.t.interval(0.95, len(d) - 1, loc=sum(d) / len(d), scale=stats.sem(d))
    assert iv["lo"] == pytest.approx(lo) and iv["hi"] == pytest.approx(hi) and iv["n"] == 5
    one = rp.paired_interval([0.3])
    assert math.isinf(one["lo"]) and rp.verdict(one) == "not resolved"


def test_clear_gain_is_reproduced_and_noise_is_not_resolved():
    clear = {c["claim"]: c for c in rp.judge(_runs({"E2E + EMA": 0.03, "+ Soft Teacher": 0.03,
                                                    "+ box jittering": 0.03}, 5, 0.003), 0.1)}
    assert clear["E2E + EMA beats supervised"]["verdict"] == "reproduced"
    assert clear["Soft Teacher (+ jittering) beats supervised"]["verdict"] == "reproduced"
    assert clear["Soft Teacher beats E2E + EMA"]["verdict"] == "not resolved"     # no gain between them
    # gains of 1 mAP under 2 mAP of per-run noise, 3 seeds: a "3 of 3 better" reading must not pass
    noisy = rp.judge(_runs({"+ Soft Teacher": 0.01, "+ box jittering": 0.01}, 3, 0.02, seed=4), 0.1)
    assert all(c["verdict"] != "reproduced" for c in noisy if c["claim"] == "Soft Teacher beats E2E + EMA")
    worse = {c["claim"]: c for c in rp.judge(_runs({"STAC": 0.05}, 5, 0.003), 0.1)}
    assert worse["end-to-end Soft Teacher beats multi-stage STAC"]["verdict"] == "contradicted"
    assert clear["E2E + EMA beats supervised"]["paper_gain"] == pytest.approx(31.2 - 26.94)


@pytest.mark.slow
def test_smoke_reproduction_writes_table_claims_and_command(tmp_path):
    out = tmp_path / "r.json"
    assert rp.main(["--smoke", "--out", str(out)]) == 0
    res = json.loads(out.read_text())
    assert res["command"].endswith(f"--smoke --out {out}") and res["total_wall_s"] > 0
    assert len(res["runs"]) == 2 * len(rp.METHODS) and {r["method"] for r in res["rows"]} == {m for m, _, _ in rp.METHODS}
    assert all(c["verdict"] in ("reproduced", "not resolved", "contradicted") for c in res["claims"]["0.1"])
    assert "paper's gain" in out.with_suffix(".md").read_text()
