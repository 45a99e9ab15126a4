"""The Reproduction tab renders the recorded study: curves with a band, the intervals, a sentence per claim
that follows the numbers (synthetic results written through the real summary code), and the live run."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.learn.ssl import reproduce as rp

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "semi_supervised" / "page.py")


def _study(tmp_path, gain: float) -> Path:
    """A summary as run_study writes it, from runs whose Soft Teacher gain at 1% is `gain` (+ small noise)."""
    import json

    import numpy as np

    cfg = rp.StudyConfig(seeds=5)
    rng = np.random.default_rng(0)
    runs = []
    for f in cfg.fractions:
        for s in range(5):
            level = 0.1 + 0.03 * rng.standard_normal()
            for m in rp.METHODS:
                g = gain if (m == "Soft Teacher + jitter" and f == 0.01) else 0.0
                final = level + g + 0.002 * rng.standard_normal()
                runs.append({"fraction": f, "seed": s, "method": m, "n_labeled": round(f * 1000), "burn_in_map": level,
                             "map": final, "map_a": final + 0.001, "map_b": final - 0.001, "wall_s": 10.0,
                             "curve": [[0, level], [200, (level + final) / 2], [400, final]], "config_key": cfg.key()})
    out = tmp_path / "reproduce.json"
    out.write_text(json.dumps(rp.summarise(cfg, runs, "python -m core.learn.ssl.reproduce", "2026-12-06", 60.0)))
    return out


@pytest.mark.parametrize("gain,word", [(0.05, "Reproduced"), (-0.05, "Contradicted")])
def test_tab_shows_curves_intervals_and_sentences_that_follow_the_results(tmp_path, monkeypatch, gain, word):
    monkeypatch.setattr(rp, "RESULTS", _study(tmp_path, gain))
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.run(timeout=240)
    assert not at.exception, at.exception
    texts = [e.value for e in list(at.success) + list(at.error) + list(at.info)]
    main = [t for t in texts if t.startswith("At 1% labels, Soft Teacher (+ box jittering) beats supervised")]
    assert len(main) == 1 and word in main[0] and "+10.5" in main[0], texts
    at5 = [t for t in texts if t.startswith("At 5% labels, Soft Teacher (+ box jittering) beats supervised")]
    assert at5 and "Not resolved" in at5[0] and "includes zero" in at5[0]
    assert any("Evaluation noise, measured" in c.value for c in at.caption)
    assert sum(c.value.startswith("Flattened? supervised") for c in at.caption) == 2   # one per fraction
    # the recorded curves (band charts) and the interval charts, one each per fraction, plus the tables
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert sum('"lo"' in s and '"hi"' in s and "area" in s for s in specs) >= 2
    assert sum("paired gain" in s for s in specs) == 2
    assert at.selectbox(key="ssl_rep_method").value == "Soft Teacher + jitter"


@pytest.mark.slow
def test_live_seed_starts_and_ticks(tmp_path, monkeypatch):
    monkeypatch.setattr(rp, "RESULTS", _study(tmp_path, 0.05))
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.run(timeout=240)
    at.button(key="ssl_rep_start").click().run(timeout=240)
    assert not at.exception, at.exception
    at.run(timeout=240)                                   # one fragment tick
    run = at.session_state["ssl_rep_run"]
    assert run.history and run.history[0]["stage"] == "burn-in" and not run.error
    at.button(key="ssl_rep_stop").click().run(timeout=240)
    assert at.session_state["ssl_rep_run"].state == "stopped"


def test_the_committed_study_renders_and_the_page_says_what_it_recorded():
    """The real assets/ssl study (not a synthetic one): the main claim's sentence carries the recorded verdict."""
    import json

    study = json.loads(rp.RESULTS.read_text())
    assert study, "the committed study file is empty"
    at = AppTest.from_file(PAGE, default_timeout=240)
    at.run(timeout=240)
    assert not at.exception, at.exception
    texts = [e.value for e in list(at.success) + list(at.error) + list(at.info)]
    main = [t for t in texts if t.startswith("At 1% labels, Soft Teacher (+ box jittering) beats supervised")]
    assert len(main) == 1, texts
    assert any(w in main[0] for w in ("Reproduced", "Contradicted", "Not resolved")), main[0]
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert sum("paired gain" in s for s in specs) == 2
