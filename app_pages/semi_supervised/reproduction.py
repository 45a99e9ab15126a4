"""The Reproduction tab: the study's evidence (learning curves with a band across seeds, the paired 95%
interval of every claim beside the paper's number, a sentence per claim), and one seed of one method
run live on top of the recorded curves. What the page says comes from assets/ssl/reproduce.json."""
from __future__ import annotations

import json

import streamlit as st

from app_pages.parts import export, live, ui

from app_pages.semi_supervised import common
from core.live import LiveRun

STUDY_COMMAND = ("python -m core.learn.ssl.reproduce --fractions 0.01 & python -m core.learn.ssl.reproduce --fractions 0.05; "
                 "wait; python -m core.learn.ssl.reproduce")


@st.cache_data(show_spinner=False)
def _results(mtime: float) -> dict | None:
    from core.learn.ssl.reproduce import RESULTS

    return json.loads(RESULTS.read_text()) if RESULTS.exists() else None


def _load() -> dict | None:
    from core.learn.ssl.reproduce import RESULTS

    try:
        return _results(RESULTS.stat().st_mtime if RESULTS.exists() else 0.0)
    except (OSError, ValueError) as e:
        st.warning(f"Could not read {RESULTS.name}: {ui.safe_message(str(e))}")
        return None


def _what_was_run(res: dict) -> None:
    c = res["config"]
    noise = res.get("eval_noise", {})
    when = f"from {res['started_utc']}" + (f" to {res['finished_utc']}" if res.get("finished_utc") else "")
    compute = (f"{res['compute_s'] / 60:.0f} min of compute, one thread per process" if res.get("compute_s")
               else f"{res['total_wall_s'] / 60:.0f} min of wall time")
    schedule = ("annealed to 0 by a cosine over those steps, as the paper's schedule drops its lr before the end"
                if c.get("schedule") == "cosine" else "constant")
    st.caption(
        f"What was run: `{res['command']}` on {res['machine']}: {compute}, {when}; {res['runs_done']} of "
        f"{res['runs_planned']} planned runs done. ShapesWorld at {c['size']} px, {c['n_pool']} training images "
        f"per seed (each seed its own images and labeled split), a {c['burn_in_steps']}-step supervised burn-in "
        f"shared by every method of a seed, then {c['steps']} steps of each method ({c['batch']} labeled + "
        f"{c['batch']} unlabeled images a step, lr {c['lr']} {schedule}; EMA {c['ema']}); end-to-end methods "
        f"scored by their EMA teacher, as the paper does. Score: mAP@[.5:.95] on {2 * c['n_eval']} fixed held-out "
        "images (two halves of " + f"{c['n_eval']}; the curve is half A)."
        + (f" Evaluation noise, measured: the same model scored on the two halves differs by "
           f"{100 * noise['sd_half']:.2f} mAP points (sd of one half), so a final score carries about "
           f"{100 * noise['sd_final']:.2f}." if noise.get("sd_half") is not None else ""))


def _evidence(res: dict) -> None:
    from core.learn.ssl import claims
    from core.viz.ssl_study import curve_band_chart, interval_chart

    import pandas as pd

    for frac_s, cs in res["claims"].items():
        frac = float(frac_s)
        runs = [r for r in res["runs"] if r["fraction"] == frac]
        if not runs:
            continue
        n_lab = runs[0]["n_labeled"]
        st.markdown(f"#### {frac:.0%} labels ({n_lab} labeled images)")
        left, right = st.columns([3, 2])
        ui.chart(left, curve_band_chart(res["runs"], frac, title="mean over seeds, band = ±1 std"), width="stretch")
        table = pd.DataFrame([{"method": r["method"], "seeds": r["n"], "mAP (mean)": round(100 * r["mean"], 1),
                               "± std": round(100 * r["std"], 1), "burn-in": round(100 * r["burn_in_map"], 1),
                               "paper, COCO": str(claims.PAPER.get(round(frac, 2), {}).get(r["method"], "not given"))}
                              for r in res["rows"] if r["fraction"] == frac])
        right.dataframe(table, hide_index=True)
        left.caption(_flatness(runs))
        if cs:
            ui.chart(right, interval_chart(cs), width="stretch")
            claims_df = pd.DataFrame([{
                "claim": c["claim"], "pairs": c["n"], "mean gain (mAP)": round(100 * c["mean"], 2),
                "95% interval": f"[{100 * c['lo']:+.2f}, {100 * c['hi']:+.2f}]", "verdict": c["verdict"],
                "paper's gain (COCO mAP)": "not given" if c["paper_gain"] is None else f"{c['paper_gain']:+.1f}"}
                for c in cs])
            st.dataframe(claims_df, hide_index=True)
            export.csv(pd.concat([table.assign(table="methods"), claims_df.assign(table="claims")]),
                       "ssl-reproduction", f"{frac:.0%}", label=f"Results at {frac:.0%} (CSV)", key=f"ssl_rep_csv_{frac}")
            for c in cs:
                {"reproduced": st.success, "contradicted": st.error}.get(c["verdict"], st.info)(claims.sentence(c, frac))
    st.caption(res["paper_source"] + ". ShapesWorld mAP and COCO mAP are different scales: read the direction "
               "and whether the interval clears zero, not the sizes.")


def _flatness(runs: list[dict]) -> str:
    """Has each method's mean curve flattened? Its change over the last two curve points, in words."""
    import statistics

    parts = []
    for m in dict.fromkeys(r["method"] for r in runs):
        rs = [r for r in runs if r["method"] == m and len(r["curve"]) >= 2]
        if not rs:
            continue
        (s0, _), (s1, _) = rs[0]["curve"][-2], rs[0]["curve"][-1]
        d = 100 * statistics.fmean(r["curve"][-1][1] - r["curve"][-2][1] for r in rs)
        parts.append(f"{m} {d:+.1f} mAP over its last {s1 - s0} steps" + (" (still rising: not flat, its gain here "
                                                                           "is a lower bound)" if d > 0.5 else ""))
    return "Flattened? " + "; ".join(parts) + "."


def _live(res: dict | None) -> None:
    """One seed of one method, trained here exactly as the study ran it; returns its curve for the chart."""
    from dataclasses import fields

    from core.learn.ssl import reproduce as rp

    st.markdown("**Run one yourself.** Pick a fraction, a method and a seed: the page trains the burn-in and "
                "the method exactly as the study did (same images, same seed, same steps) and draws the curve "
                "on top of the recorded ones. The same seed lands on the same numbers.")
    cfg = rp.StudyConfig()
    if res is not None:
        known = {f.name for f in fields(rp.StudyConfig)}
        cfg = rp.StudyConfig(**{k: tuple(v) if k == "fractions" else v for k, v in res["config"].items() if k in known})
    c1, c2, c3 = st.columns(3)
    frac = c1.selectbox("Labeled fraction", list(cfg.fractions), format_func=lambda f: f"{f:.0%}", key="ssl_rep_frac",
                        bind="query-params")
    method = c2.selectbox("Method", list(rp.METHODS), index=list(rp.METHODS).index("Soft Teacher + jitter"),
                          key="ssl_rep_method", bind="query-params")
    seed = c3.selectbox("Seed", list(range(cfg.seeds)), key="ssl_rep_seed", bind="query-params")

    def start() -> LiveRun | None:
        with ui.friendly_errors("Starting the run"):
            return LiveRun(rp.live_run(cfg, frac, seed, method), cfg, extra={"fraction": frac, "method": method,
                                                                             "seed": seed})
        return None

    run = live.controls("ssl_rep_run", start, key="ssl_rep", start_label="Run this seed live")
    if run is None:
        return
    live.show(run, lambda r: _draw_live(r, res), common.TICK_S, steps=lambda r: _steps(r, cfg),
              what="Burn-in, then " + run.extra["method"], max_seconds=1.0)


def _steps(run: LiveRun, cfg) -> tuple[int, int]:
    """(steps done, steps in all): the burn-in's, then the method's."""
    burn = [e["step"] for e in run.history if e.get("stage") == "burn-in"]
    meth = [e["step"] for e in run.history if e.get("stage") not in (None, "burn-in") and "step" in e]
    return (burn[-1] if burn else 0) + (meth[-1] if meth else 0), cfg.burn_in_steps + cfg.steps


def _draw_live(run: LiveRun, res: dict | None) -> None:
    """The live curve on the recorded band of its fraction, and the final score beside the record."""
    from core.viz.ssl_study import curve_band_chart

    hist, x = run.history, run.extra
    meth = [e for e in hist if e.get("stage") not in (None, "burn-in") and "step" in e]
    points = [(e["step"], e["map"]) for e in meth if e.get("map") is not None]
    recorded = [r for r in (res or {}).get("runs", []) if r["fraction"] == x["fraction"]]
    ui.chart(st, curve_band_chart(recorded, x["fraction"], points or None,
                                     f"your run: {x['method']}, seed {x['seed']}",
                                     title=f"{x['fraction']:.0%} labels: the recorded curves and yours (dashed)"),
                    width="stretch")
    final = next((e["record"] for e in hist if "record" in e), None)
    if final is not None:
        rec = next((r for r in recorded if r["seed"] == x["seed"] and r["method"] == x["method"]), None)
        st.success(f"Your run: final mAP {100 * final['map']:.2f}" + (
            f"; the recorded run of this seed: {100 * rec['map']:.2f}" if rec else "; this seed is not recorded yet"))


def render():
    st.markdown(
        "**Does Soft Teacher beat training on the labels alone when labels are few?** The paper's Table 1 says "
        "yes: +10.5 COCO mAP at 1% labels, +9.8 at 5%, +7.1 at 10%. Here every method is trained from the same "
        "supervised burn-in on the same images for several seeds, and each claim is judged on *paired* "
        "differences (same seed, same split): **reproduced** only when its whole 95% interval is above zero, "
        "**contradicted** when below, otherwise **not resolved**.")
    res = _load()
    if res is None or "config" not in res:
        st.info(f"No study results yet: run `{STUDY_COMMAND}` (about 90 minutes on a 2-core CPU; it resumes).")
    else:
        _what_was_run(res)
    if res is not None and "config" in res:
        _evidence(res)
    with st.container(border=True):
        _live(res if res and "config" in res else None)
    st.caption(f"The study: `{STUDY_COMMAND}`; CI runs `python -m core.learn.ssl.reproduce --smoke`.")
    from core.learn.ssl import claims, reproduce

    ui.show_code(claims.paired_interval, claims.verdict, reproduce.run_method)
