"""A live run: training (or any stepped process) that a page advances a little at a time.

Long work in core is a generator of progress events (`for event in train(...)`; the trainers yield
core.learn.engine.StepEvent, or a subclass of it, from the one `fit` loop). A `LiveRun` holds
one such generator with its history and controls, so a page can draw it live, a test can advance
it by hand, and a benchmark can time it, with no UI inside the loop:

    run = LiveRun(train(data, cfg), cfg)
    run.advance(max_events=2)          # one tick: pull up to two events
    run.update(method="soft_teacher")  # a setting switched mid-run: the loop reads cfg every step
    run.pause(); run.resume(); run.stop()

A tick can outlast the page's timer and a widget rerun can arrive mid-tick: one thread at a time
advances the generator (the lock); the others only redraw.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from core.learn.engine import StepEvent


@dataclass
class LiveRun:
    events: Iterator[Any]  # the generator of progress events
    config: Any = None  # the config the loop reads every step; `update` changes it mid-run
    history: list = field(default_factory=list)  # every event pulled so far
    state: str = "running"  # "running" | "paused" | "stopped" | "finished" | "failed"
    error: str | None = None  # why the run failed, in words
    extra: dict = field(default_factory=dict)  # what the page keeps beside the run (its data, last eval)
    started: float = field(default_factory=time.perf_counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def running(self) -> bool:
        return self.state == "running"

    @property
    def over(self) -> bool:
        return self.state in ("stopped", "finished", "failed")

    def advance(self, max_events: int = 1, max_seconds: float | None = None,
                until: Callable[[Any], bool] | None = None) -> bool:
        """Pull up to max_events events (or as many as fit in max_seconds), stopping early after an
        event for which until(event) is true. Returns True if this call pulled anything; False when
        the run is not running or another thread is advancing it."""
        if not self.running or not self._lock.acquire(blocking=False):
            return False
        pulled = 0
        t0 = time.perf_counter()
        try:
            while self.running:
                event = next(self.events)
                self.history.append(event)
                pulled += 1
                if until is not None and until(event):
                    break
                if max_seconds is not None:
                    if time.perf_counter() - t0 >= max_seconds:
                        break
                elif pulled >= max_events:
                    break
        except StopIteration:
            self.state = "finished"
        except Exception as e:  # noqa: BLE001 - a failing run stops with a message, never a traceback
            self.state, self.error = "failed", f"{type(e).__name__}: {e}"
        finally:
            self._lock.release()
        return pulled > 0

    def update(self, **fields) -> None:
        """Change the config's fields; the loop sees them at its next step (a method switch mid-run)."""
        for k, v in fields.items():
            if not hasattr(self.config, k):
                raise AttributeError(f"{type(self.config).__name__} has no field {k!r}")
            setattr(self.config, k, v)

    def pause(self) -> None:
        if self.running:
            self.state = "paused"

    def resume(self) -> None:
        if self.state == "paused":
            self.state = "running"

    def stop(self) -> None:
        if not self.over:
            self.state = "stopped"
        close = getattr(self.events, "close", None)
        if close is not None and self._lock.acquire(blocking=False):  # free the generator's tensors now
            try:
                close()
            finally:
                self._lock.release()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def last_step(self) -> StepEvent | None:
        """The latest engine StepEvent pulled (step, total, loss, lr, steps/s, time left), for a progress
        bar; None before the first or when the run yields other events (a race yields one per model)."""
        for event in reversed(self.history):
            if isinstance(event, StepEvent):
                return event
        return None
