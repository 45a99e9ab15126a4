"""The Reproduction tab of the semi-supervised page: our toy-scale table next to the paper's numbers,
and each of the paper's claims judged by a paired 95% interval (core.learn.ssl.reproduce.judge)."""
from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from app_pages.parts import export

ROOT = Path(__file__).resolve().parents[2]


def render():
    from core.learn.ssl.reproduce import PAPER, PAPER_SOURCE

    st.markdown("`python -m core.learn.ssl.reproduce` trains every method from the same burn-in for the same "
                "number of steps on ShapesWorld and scores it on held-out images (E2E methods by their "
                "teacher, as the paper does). A claim counts as **reproduced** only when the 95% interval of "
                "its paired differences (same seed, same burn-in) lies above zero; otherwise it is **not "
                "resolved**, however many seeds happen to point the right way. The full run, offline (many "
                "hours on a 2-core CPU): `python -m core.learn.ssl.reproduce --fractions 0.01 0.05 0.10 --seeds 5 "
                "--vary data --steps 2000 --ema 0.999 --burn-in-steps 1500 --batch 8`.")
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

    args = res.get("args", {})
    st.caption(f"What was run: `{res['command']}`, {res['total_wall_s'] / 60:.1f} min on {res.get('threads', 1)} "
               f"thread(s); {args.get('steps', '?')} steps per method, seeds done: "
               f"{', '.join(f'{float(k):.0%}: {v}' for k, v in res.get('seeds_done', {}).items()) or '?'} "
               f"(seeds vary {args.get('vary', 'data')}), {args.get('eval_images', '?')} held-out images.")
    if res.get("note"):
        st.caption(res["note"])
    paper = PAPER  # the numbers we read the table against live in code, one home
    df = pd.DataFrame([{"labeled": f"{r['fraction']:.0%}", "method": r["method"],
                        "mAP (mean)": round(100 * r["mean"], 1), "± std": round(100 * r["std"], 1),
                        "gain vs supervised (same seed)": round(100 * r.get("gain", 0.0), 1),
                        "seeds": r["n"], "wall s / run": round(r["wall_s"]),
                        "paper, COCO mAP": paper.get(round(r["fraction"], 2), {}).get(r["method"], "not quoted")}
                       for r in res["rows"]])
    st.dataframe(df, hide_index=True)
    export.csv(df, "ssl-reproduction", label="Reproduction table (CSV)")
    st.caption(PAPER_SOURCE + ". ShapesWorld mAP and COCO mAP are different scales: compare "
               "the direction and the gains, not the numbers.")
    for frac, claims in res.get("claims", {}).items():
        st.markdown(f"**{float(frac):.0%} labels**: the paper's claims, judged on paired differences")
        st.dataframe(pd.DataFrame([{"claim": c["claim"], "mean gain (mAP)": round(100 * c["mean"], 2),
                                    "std": round(100 * c["std"], 2) if c["std"] == c["std"] else None,
                                    "95% interval": f"[{100 * c['lo']:+.2f}, {100 * c['hi']:+.2f}]",
                                    "pairs": c["n"], "verdict": c["verdict"],
                                    "paper's gain (COCO)": "not quoted" if c["paper_gain"] is None else c["paper_gain"]}
                                   for c in claims]), hide_index=True)
        for c in claims:
            text = (f"{c['claim']}: {100 * c['mean']:+.2f} mAP, 95% interval [{100 * c['lo']:+.2f}, "
                    f"{100 * c['hi']:+.2f}] over {c['n']} pairs: {c['verdict']}")
            {"reproduced": st.success, "contradicted": st.warning}.get(c["verdict"], st.info)(text)
    if not res.get("claims"):
        st.info("These results predate the interval rule: rerun `python -m core.learn.ssl.reproduce` to judge the claims.")
