"""Progress of a job from its own counts: how far (done / total), how fast (steps per second), and
the time left at that rate. Pure arithmetic, so a page, a test and a benchmark read it the same way.

    clock = ProgressClock()
    p = clock.update(done=40, total=300)   # p.fraction 0.133, p.rate 12.3 /s, p.seconds_left 21.1
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

OnProgress = Callable[[int, int], None]  # on_progress(done, total): what blocking core jobs call as they go


@dataclass
class ProgressState:
    done: int  # steps finished so far
    total: int  # steps the job will take
    fraction: float  # done / total, in [0, 1]
    rate: float | None  # steps per second since the first update (None until one step has finished)
    seconds_left: float | None  # (total - done) / rate; None while the rate is unknown


@dataclass
class ProgressClock:
    clock: Callable[[], float] = time.perf_counter  # injectable, so a test can step time by hand
    started: float = field(default=-1.0)  # when the job started (set by the first update)

    def update(self, done: int, total: int) -> ProgressState:
        now = self.clock()
        if self.started < 0:
            self.started = now
        total = max(int(total), 1)
        done = min(max(int(done), 0), total)
        elapsed = now - self.started
        rate = done / elapsed if done > 0 and elapsed > 0 else None
        left = (total - done) / rate if rate else None
        return ProgressState(done, total, done / total, rate, left)


def duration(seconds: float) -> str:
    """'8 s', '2 min 05 s', '1 h 03 min': a time left a reader takes in at a glance."""
    s = max(int(round(seconds)), 0)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def describe(what: str, p: ProgressState, unit: str = "steps") -> str:
    """'Training: 40 / 300 steps · 12.3 steps/s · about 21 s left' (what is done, how fast, time left)."""
    text = f"{what}: {p.done:,} / {p.total:,} {unit}"
    if p.done >= p.total:
        return text + " · done"
    if p.rate:
        text += f" · {p.rate:.3g} {unit}/s · about {duration(p.seconds_left)} left"
    return text
