"""One device choice for the whole app, thread count, seeding and a small timer.

Everything that makes a tensor asks `device()`; nothing else picks a device.
Override with the environment variable KEYPOINT_DEVICE=cpu|cuda|mps.
"""
from __future__ import annotations

import hashlib
import os
import random
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import torch

from core.threads import configure_threads, default_threads  # noqa: F401  (default_threads: re-exported)


@lru_cache(maxsize=1)
def device() -> torch.device:
    """CUDA, then Apple MPS, then CPU; KEYPOINT_DEVICE overrides."""
    wanted = os.environ.get("KEYPOINT_DEVICE", "").strip().lower()
    if wanted:
        return torch.device(wanted)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def device_label() -> str:
    """A short human description of the device in use, for the sidebar."""
    d = device()
    if d.type == "cuda":
        return f"GPU: {torch.cuda.get_device_name(d)}"
    if d.type == "mps":
        return "Apple GPU (MPS)"
    n = torch.get_num_threads()
    return f"CPU ({n} thread{'s' if n > 1 else ''})"


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op thread count (default: `default_threads()`). Returns the count set.
    Called once, explicitly, by each entry point (app.py, tests/conftest.py, the command-line tools),
    never at import: importing a module must not change the process."""
    configure_threads(n)
    return torch.get_num_threads()


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch; return a torch.Generator seeded the same way.
    For scripts only (training CLIs): global state is shared by every session of a server, so
    pages use `torch_rng` / `numpy_rng` instead."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def mixed_seed(seed: int, *inputs) -> int:
    """One 63-bit seed from the sidebar seed and the inputs that define a draw (prompt, settings).
    With no inputs it is `seed` itself, so `torch_rng(s)` draws what `torch.manual_seed(s)` would."""
    if not inputs:
        return int(seed)
    digest = hashlib.sha256(repr((int(seed),) + tuple(inputs)).encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def torch_rng(seed: int, *inputs, device: torch.device | str | None = "cpu") -> torch.Generator:
    """A private torch.Generator: the same seed and inputs give the same draws in any thread, whatever
    other sessions draw at the same time (torch's global RNG is one stream for the whole process)."""
    return torch.Generator(device=device).manual_seed(mixed_seed(seed, *inputs))


def numpy_rng(seed: int, *inputs) -> np.random.Generator:
    """A private numpy Generator seeded like `torch_rng`."""
    return np.random.default_rng(mixed_seed(seed, *inputs))


_GLOBAL_RNG_LOCK = threading.RLock()


@contextmanager
def seeded(seed: int, *inputs):
    """For what cannot take a generator (torch module initialisation: `nn.Linear(...)` draws from the
    global RNG): the global torch RNG seeded from seed + inputs, for this block only, under a
    process-wide lock, then restored. Blocks exclude each other; a draw from the global RNG made
    elsewhere without this lock can still land inside a block, which is why every other draw in
    KeyPoint takes its own generator (`torch_rng`, `numpy_rng`). Keep the block short (build the
    model, not train it):

        with seeded(ui_seed, "mlp", hidden):
            model = make_mlp(...)
    """
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(mixed_seed(seed, *inputs))
        yield


class JobSlots:
    """At most `n` heavy jobs (training runs, big-model inference) at once in this process; the rest
    wait in arrival order. `on_wait(ahead, running)` is called while a caller waits, whenever its
    place changes (ahead = callers queued before it), e.g. to say "waiting for a free slot (2 ahead)".

        with HEAVY.slot(on_wait=lambda ahead, running: print(ahead)):
            train()
    """

    def __init__(self, n: int):
        self.n = max(1, int(n))
        self._cond = threading.Condition()
        self._queue: deque[object] = deque()
        self.running = 0

    def waiting(self) -> int:
        with self._cond:
            return len(self._queue)

    @contextmanager
    def slot(self, on_wait=None, poll_s: float = 0.25):
        ticket = object()
        with self._cond:
            self._queue.append(ticket)
            try:
                last = None
                while not (self.running < self.n and self._queue[0] is ticket):
                    place = (self._queue.index(ticket), self.running)
                    if on_wait is not None and place != last:
                        on_wait(*place)
                        last = place
                    self._cond.wait(poll_s)
            finally:
                self._queue.remove(ticket)
                self._cond.notify_all()
            self.running += 1
        try:
            yield
        finally:
            with self._cond:
                self.running -= 1
                self._cond.notify_all()


def default_heavy_jobs() -> int:
    """KEYPOINT_HEAVY_JOBS, else as many jobs as there are `default_threads()` groups of cores:
    each job uses that many torch threads, so more jobs than that only slow every job down."""
    env = int(os.environ.get("KEYPOINT_HEAVY_JOBS", "0") or 0)
    return env if env > 0 else max(1, (os.cpu_count() or 1) // default_threads())


HEAVY = JobSlots(default_heavy_jobs())  # one per process, shared by every session


@dataclass
class Timer:
    """Wall-clock timer: `with Timer() as t: ...; t.ms`."""

    start: float = field(default=0.0)
    seconds: float = field(default=0.0)

    def __enter__(self) -> "Timer":
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.start

    @property
    def ms(self) -> float:
        return self.seconds * 1000.0


@contextmanager
def timed(into: dict, key: str):
    """Record the wall time of a block, in ms, as into[key]."""
    t0 = time.perf_counter()
    try:
        yield
    finally:
        into[key] = (time.perf_counter() - t0) * 1000.0

