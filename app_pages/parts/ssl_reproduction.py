"""The Reproduction tab of the semi-supervised page: our toy-scale table next to the paper's,
and the paper's claims checked seed by seed."""
from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]


def render():
    from core.learn.ssl.reproduce import PAPER

    st.markdown("`python -m core.learn.ssl.reproduce` trains every method from the same burn-in for the same "
                "number of steps on ShapesWorld and scores it on held-out images (E2E methods by their "
                "teacher, as the paper does). The full run: "
                "`python -m core.learn.ssl.reproduce --fractions 0.01 0.05 0.10 --seeds 3 --steps 2000 --ema 0.999 "
                "--burn-in-steps 1500` (hours on a 2-core CPU).")
    path = ROOT / "assets" / "ssl" / "reproduce.json"
    if not path.exists():
        st.info("No reproduction results yet: run `python -m core.learn.ssl.reproduce`.")
        return
    try:
        res = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        st.warning(f"Could not read {path.name}: {e}")
        return
    import pandas as pd

    st.caption(f"`{res['command']}`, {res['total_wall_s'] / 60:.1f} min in all")
    if res.get("note"):
        st.caption(res["note"])
    df = pd.DataFrame([{"labeled": f"{r['fraction']:.0%}", "method": r["method"],
                        "mAP (mean)": round(100 * r["mean"], 1), "± std": round(100 * r["std"], 1),
                        "gain vs supervised (same seed)": round(100 * r.get("gain", 0.0), 1),
                        "seeds better": f"{r.get('wins', 0)}/{r['n']}",
                        "wall s / run": round(r["wall_s"]), "burn-in mAP": round(100 * r["burn_in_map"], 1)}
                       for r in res["rows"]])
    st.dataframe(df, hide_index=True)
    st.dataframe(pd.DataFrame([{"paper (COCO, Faster R-CNN R50-FPN)": k, "mAP": f"{v:.1f}" if v is not None else "see paper"}
                               for k, v in PAPER.items()]), hide_index=True)
    for frac in sorted({r["fraction"] for r in res["rows"]}):
        runs = [x for x in res["runs"] if x["fraction"] == frac]
        st.markdown(f"**{frac:.0%} labels**: the paper's claims, checked seed by seed (same burn-in):")
        for text, a, b in verdicts({x["method"] for x in runs}):
            by_seed = {}
            for x in runs:
                by_seed.setdefault(x["seed"], {})[x["method"]] = x["map"]
            diffs = [d[b] - d[a] for d in by_seed.values() if a in d and b in d]
            wins = sum(x > 0 for x in diffs)
            mean = 100 * sum(diffs) / len(diffs)
            ok = wins == len(diffs) if len(diffs) > 1 else mean > 0
            (st.success if ok else st.warning)(
                f"{text}: {mean:+.1f} mAP on average, better in {wins} of {len(diffs)} seeds: "
                + ("reproduced" if ok else "not reproduced"))
    st.caption("Short runs from a burn-in are noisy, and the first steps of every semi-supervised method "
               "cost the student mAP (objects the teacher missed are taught as background); the full run "
               "is the honest test.")


def verdicts(methods) -> list[tuple[str, str, str]]:
    """(claim, weaker, stronger) pairs of the paper's ordering that the results can check."""
    pairs = [("E2E + EMA beats supervised", "supervised", "E2E + EMA"),
             ("Soft Teacher beats E2E + EMA", "E2E + EMA", "+ Soft Teacher"),
             ("box jittering adds to Soft Teacher", "+ Soft Teacher", "+ box jittering"),
             ("Soft Teacher beats supervised", "supervised", "+ Soft Teacher"),
             ("Soft Teacher (+ jittering) beats supervised", "supervised", "+ box jittering"),
             ("end-to-end Soft Teacher beats multi-stage STAC", "STAC", "+ box jittering")]
    return [p for p in pairs if p[1] in methods and p[2] in methods]
