"""st.progress for a slow job, with what is being done and the time left, from the job's own events.

Two ways in, one bar:

    with progress.bar("Ablating every head", total=L * H, unit="heads") as on_progress:
        grid = ablate_all(model, ids, on_progress=on_progress)      # a callback on_progress(done, total)

    for event in progress.track(train(cfg), "Training", total=cfg.steps, done=lambda e: e.step):
        ...                                                          # a generator of events

The bar is cleared when the job ends (a finished job shows its result, not a full bar). The callback may
run inside an st.cache_data / st.cache_resource function (pass it as `_on_progress`: a leading underscore
keeps it out of the cache key): the bar is then updated in the context it was created in, so the cache
does not record the update for replay (an element made outside a cached function cannot be replayed).
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, TypeVar

import streamlit as st

from core.progress import ProgressClock, describe

E = TypeVar("E")


class Bar:
    """One st.progress element; call it as on_progress(done, total) to move it."""

    def __init__(self, what: str, total: int | None = None, unit: str = "steps", where=None):
        self.what, self.total, self.unit = what, total, unit
        self.clock = ProgressClock()
        self.value = 0.0  # the fraction shown now (tests read it)
        self.element = (where or st).progress(0.0, text=f"{what}: starting…")
        self._outside = contextvars.copy_context()  # the page's context, outside any cached function

    def __call__(self, done: int, total: int | None = None) -> None:
        total = total if total is not None else self.total
        if not total:
            return
        p = self.clock.update(done, total)
        self.value = p.fraction
        self._outside.run(self.element.progress, p.fraction, text=describe(self.what, p, self.unit))

    def clear(self) -> None:
        self.element.empty()


@contextmanager
def bar(what: str, total: int | None = None, unit: str = "steps", where=None) -> Iterator[Bar]:
    """A bar for a blocking job that takes a callback on_progress(done, total); cleared afterwards."""
    b = Bar(what, total, unit, where)
    try:
        yield b
    finally:
        b.clear()


def track(events: Iterable[E], what: str, total: int, unit: str = "steps",
          done: Callable[[E], int] | None = None, where=None) -> Iterator[E]:
    """Pass a generator's events through, moving a bar: `done(event)` is the steps finished at that
    event (default: events seen so far). The bar is cleared when the generator ends."""
    with bar(what, total, unit, where) as b:
        for i, event in enumerate(events, start=1):
            b(done(event) if done else i, total)
            yield event
