"""The paper's claims and how our runs judge them: paired differences and a 95% t-interval.

Each claim "B beats A" is read on pairs (same labeled split, same burn-in, same held-out images):
d_s = mAP_B(s) - mAP_A(s) for every seed s. The 95% interval is mean(d) +- t_{0.975, n-1} sd(d)/sqrt(n).
A claim is "reproduced" only when the whole interval lies above zero, "contradicted" when it lies
below, and "not resolved" otherwise: a few noisy runs that point the right way are not a result.
"""
from __future__ import annotations

import statistics

# The papers' COCO mAP (Faster R-CNN R50-FPN) per labeled fraction: supervised and Soft Teacher from
# Soft Teacher's Table 1 (average of 5 splits), STAC from the STAC paper's Table 1, E2E + EMA (10%)
# from Soft Teacher's ablation. Missing = not a number the papers give.
PAPER = {0.01: {"supervised": 10.0, "STAC": 13.97, "Soft Teacher + jitter": 20.46},
         0.05: {"supervised": 20.92, "STAC": 24.38, "Soft Teacher + jitter": 30.74},
         0.10: {"supervised": 26.94, "STAC": 28.64, "Mean Teacher (E2E + EMA)": 31.2, "Soft Teacher + jitter": 34.04}}
PAPER_SOURCE = ("Soft Teacher (Xu et al., ICCV 2021) Table 1 and ablation; STAC (Sohn et al., 2020) Table 1; "
                "COCO mAP, Faster R-CNN R50-FPN")
# (claim, weaker, stronger); the first is the chapter's headline
CLAIMS = [("Soft Teacher (+ box jittering) beats supervised", "supervised", "Soft Teacher + jitter"),
          ("end-to-end Soft Teacher beats multi-stage STAC", "STAC", "Soft Teacher + jitter"),
          ("STAC beats supervised", "supervised", "STAC"),
          ("Mean Teacher (E2E + EMA) beats supervised", "supervised", "Mean Teacher (E2E + EMA)"),
          ("Soft Teacher beats plain Mean Teacher", "Mean Teacher (E2E + EMA)", "Soft Teacher + jitter"),
          # the supervised run's own EMA model: what is left of the gain once the EMA's share is taken out
          ("Soft Teacher beats supervised scored by its EMA too", "supervised + EMA", "Soft Teacher + jitter")]


def paired_interval(diffs: list[float], level: float = 0.95) -> dict:
    """Mean, sample std and the t-interval of paired differences; with one pair the interval is
    unbounded (nothing can be resolved from a single run)."""
    from scipy import stats

    n = len(diffs)
    mean = statistics.fmean(diffs) if n else float("nan")
    if n < 2:
        return {"n": n, "mean": mean, "std": float("nan"), "lo": float("-inf"), "hi": float("inf")}
    sd = statistics.stdev(diffs)
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / n ** 0.5
    return {"n": n, "mean": mean, "std": sd, "lo": mean - half, "hi": mean + half}


def verdict(interval: dict) -> str:
    """'reproduced' only when the whole interval is above zero; 'contradicted' when below."""
    if interval["lo"] > 0:
        return "reproduced"
    if interval["hi"] < 0:
        return "contradicted"
    return "not resolved"


def paper_gain(fraction: float, weaker: str, stronger: str) -> float | None:
    paper = PAPER.get(round(fraction, 2), {})
    return round(paper[stronger] - paper[weaker], 2) if weaker in paper and stronger in paper else None


def judge(runs: list[dict], fraction: float) -> list[dict]:
    """One row per claim with at least one pair at this fraction: interval, verdict, the paper's gain."""
    by_seed: dict = {}
    for x in runs:
        if x["fraction"] == fraction:
            by_seed.setdefault(x["seed"], {})[x["method"]] = x["map"]
            if "map_ema" in x:
                by_seed[x["seed"]][x["method"] + " + EMA"] = x["map_ema"]
    out = []
    for text, a, b in CLAIMS:
        diffs = [d[b] - d[a] for d in by_seed.values() if a in d and b in d]
        if diffs:
            iv = paired_interval(diffs)
            out.append({"claim": text, "weaker": a, "stronger": b, **iv, "verdict": verdict(iv),
                        "paper_gain": paper_gain(fraction, a, b)})
    return out


def sentence(c: dict, fraction: float) -> str:
    """The verdict in words, with why, in mAP points (x100), e.g. 'not resolved: the interval
    [-0.4, +2.1] includes zero'."""
    iv = f"[{100 * c['lo']:+.1f}, {100 * c['hi']:+.1f}]"
    paper = "" if c["paper_gain"] is None else f" The paper reports {c['paper_gain']:+.1f} COCO mAP at {fraction:.0%}."
    head = f"At {fraction:.0%} labels, {c['claim']}: mean gain {100 * c['mean']:+.1f} mAP over {c['n']} paired seeds."
    if c["n"] < 2:
        return f"{head} Not resolved: one pair gives no interval.{paper}"
    why = {"reproduced": f"Reproduced: the 95% interval {iv} lies above zero.",
           "contradicted": f"Contradicted: the 95% interval {iv} lies below zero; here the claim does not hold.",
           "not resolved": f"Not resolved: the 95% interval {iv} includes zero."}[c["verdict"]]
    return f"{head} {why}{paper}"
