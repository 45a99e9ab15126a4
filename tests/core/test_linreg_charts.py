"""The issue's broken views, pinned: a diverging fit must not rescale the frame, the loss chart must run to
the last step, and nothing may be drawn outside a frame (Vega would shrink the plot to fit it)."""
import numpy as np
import pandas as pd

from core.learn import linreg
from core.viz import linreg as viz


def _scales(spec: dict, channel: str) -> list:
    found = []

    def walk(node):
        if isinstance(node, dict):
            enc = node.get("encoding", {})
            if channel in enc and "scale" in enc[channel]:
                found.append(enc[channel]["scale"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(spec)
    return found


def test_a_diverging_fit_keeps_the_data_frame():
    d = linreg.make_data(n=30, seed=0)
    lines = pd.DataFrame({"x": [-2.2, 2.2, -2.2, 2.2], "y": [-5, 3, -3000, 3000], "fit": ["a", "a", "b", "b"]})
    spec = viz.fit_chart(d.x, d.y, lines).to_dict()
    lo, hi = _scales(spec, "y")[0]["domain"]
    assert lo > d.y.min() - 10 and hi < d.y.max() + 10  # not ±3000


def test_the_loss_chart_runs_to_the_last_step_even_after_an_overflow():
    X = linreg.design_matrix(linreg.make_data(n=20, seed=1).x)
    y = linreg.make_data(n=20, seed=1).y
    trace = list(linreg.gradient_descent(X, y, lr=50.0, steps=300))
    assert len(trace) < 301  # it overflowed and stopped early
    curve = pd.DataFrame({"step": [s.step for s in trace], "loss": [s.loss for s in trace]})
    spec = viz.loss_curve_chart(curve, steps=300, floor=0.1).to_dict()
    assert _scales(spec, "x")[0]["domain"] == [0, 300]
    lo, hi = _scales(spec, "y")[0]["domain"]
    assert lo <= 0.1 and np.isfinite(hi)


def test_condition_chart_draws_nothing_outside_its_frame():
    spec = viz.condition_chart(linreg.condition_sweep(conds=(1e0, 1e6, 1e12), n=30, d=4), mark_cond=50.0).to_dict()
    top = _scales(spec, "y")[0]["domain"][1]
    for layer in spec["layer"]:
        rows = spec["datasets"][layer["data"]["name"]]
        outside = any(r.get("relative error", 0) > top for r in rows)
        mark = layer["mark"] if isinstance(layer["mark"], dict) else {"type": layer["mark"]}
        assert not outside or mark.get("clip"), mark  # an unclipped mark out of frame squashes the plot
