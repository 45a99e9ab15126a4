"""One device choice for the whole app, thread count, seeding and a small timer.

Everything that makes a tensor asks `device()`; nothing else picks a device.
Override with the environment variable KEYPOINT_DEVICE=cpu|cuda|mps.
"""
from __future__ import annotations

import os
import random
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import torch


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


def default_threads() -> int:
    """KEYPOINT_THREADS, else half the cores (at least 1).

    Why not every core: a Streamlit server shares the machine with its own threads, the browser and
    other sessions, and torch's worker threads spin badly when a core is taken: measured here on 2 cores,
    a ResNet-18 forward ran 13x slower with 2 threads than with 1 while another process was busy.
    """
    env = int(os.environ.get("KEYPOINT_THREADS", "0") or 0)
    return env if env > 0 else max(1, (os.cpu_count() or 1) // 2)


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op thread count (default: `default_threads()`). Returns the count set."""
    torch.set_num_threads(max(1, n or default_threads()))
    return torch.get_num_threads()


def seed_everything(seed: int) -> torch.Generator:
    """Seed python, numpy and torch; return a torch.Generator seeded the same way."""
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


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


set_threads()  # once, when the first model-using module imports the runtime
