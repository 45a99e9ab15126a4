"""How many CPU threads torch uses, set once by each entry point (app.py, tests/conftest.py, the
command-line tools), never as a side effect of importing a module. Torch-free, so the frame can call
it before any page has loaded torch."""
from __future__ import annotations

import os
import sys


def default_threads() -> int:
    """KEYPOINT_THREADS, else half the cores (at least 1).

    Why not every core: a Streamlit server shares the machine with its own threads, the browser and
    other sessions, and torch's worker threads spin badly when a core is taken: measured here on 2 cores,
    a ResNet-18 forward ran 13x slower with 2 threads than with 1 while another process was busy.
    """
    env = int(os.environ.get("KEYPOINT_THREADS", "0") or 0)
    return env if env > 0 else max(1, (os.cpu_count() or 1) // 2)


def configure_threads(n: int | None = None) -> int:
    """Use `n` (default `default_threads()`) intra-op threads: now if torch is loaded, and through
    OMP_NUM_THREADS for a torch imported later. Returns the count."""
    n = max(1, n or default_threads())
    os.environ["OMP_NUM_THREADS"] = str(n)
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(n)
    return n
