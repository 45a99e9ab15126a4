"""The page side of a live run (core.live.LiveRun): start / pause / stop buttons, and a fragment
that advances the run on a timer and redraws it. Used by every page that trains or steps live."""
from __future__ import annotations

from typing import Callable

import streamlit as st

from app_pages.parts import ui
from core.live import LiveRun
from core.progress import ProgressClock, describe

TICK_S = 0.5  # seconds between fragment reruns while a run is going
START_KEY, PAUSE_KEY, STOP_KEY = "S", "P", "X"  # keyboard: start, pause / resume, stop


def controls(state_key: str, start: Callable[[], LiveRun | None], key: str | None = None,
             start_label: str = "Start training") -> LiveRun | None:
    """Start / pause-resume / stop buttons (widget keys `{key}_start`, `{key}_pause`, `{key}_stop`) for
    the run kept in st.session_state[state_key], this session's own; returns the run."""
    key = key or state_key
    b1, b2, b3 = st.columns([2, 1, 1])
    if b1.button(start_label, key=f"{key}_start", type="primary", shortcut=START_KEY):
        old = st.session_state.get(state_key)
        if old is not None:
            old.stop()
        st.session_state[state_key] = start()
    run: LiveRun | None = st.session_state.get(state_key)
    if run is None:
        return None
    if not run.over and b2.button("Resume" if run.state == "paused" else "Pause", key=f"{key}_pause",
                                  shortcut=PAUSE_KEY):
        run.resume() if run.state == "paused" else run.pause()
    if not run.over and b3.button("Stop", key=f"{key}_stop", shortcut=STOP_KEY):
        run.stop()
    return run


def show(run: LiveRun, draw: Callable[[LiveRun], None], every: float = TICK_S,
         steps: Callable[[LiveRun], tuple[int, int]] | None = None, what: str = "Training", **advance) -> None:
    """Advance the run a little on every tick (other keyword arguments go to LiveRun.advance) and draw it.
    steps(run) -> (steps done, steps in all) adds a progress bar with the time left at the run's own rate."""

    def tick() -> None:
        was_running = run.running
        if was_running:  # a step is a heavy job: at most HEAVY.n at once, the others wait and see their place
            with ui.heavy_slot(what):
                run.advance(**advance)
        if run.error:
            st.error(f"The run stopped: {run.error}")
        if not run.history:
            st.info("Starting...")
            return
        if steps is not None:
            done, total = steps(run)
            p = ProgressClock(started=run.started).update(done, total)
            st.progress(p.fraction, text=describe(what, p) + ("" if run.running else f" ({run.state})"))
        draw(run)
        if was_running and not run.running:
            st.rerun()  # a full rerun turns the fragment's timer off

    st.fragment(run_every=every if run.running else None)(tick)()
