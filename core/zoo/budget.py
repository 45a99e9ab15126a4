"""One memory budget for every model the server process keeps loaded (all pages, all sessions).

A class that tries GPT-2, DETR, Mask R-CNN, ViT-B, MAE-B and BERT-base would hold several GB if
each page kept its own cache. Instead every cached model lives in one least-recently-used
registry that knows each model's size (parameters + buffers, measured after loading) and evicts
the least recently used models when a new one would pass the budget:

    BUDGET = ModelBudget.from_env()                  # KEYPOINT_MODEL_BUDGET_MB, default below
    model, event = BUDGET.get("gpt2|auto", load)     # event: "hit", "loaded" or "reloaded"
    with BUDGET.hold("gpt2|auto", load) as model:    # a running job: never evicted meanwhile
        ...

Why the default: Streamlit Community Cloud's largest tier gives the app ~2.7 GB; the import floor
(torch CPU, transformers, streamlit) and the app's own data take ~0.9 GB of that, so models get
1.2 GB, which holds any two of the pretrained checkpoints the pages offer (the largest, GPT-2 with
its tied head, is ~0.5 GB) and every bundled one many times over.
"""
from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Callable, Iterator

DEFAULT_BUDGET_MB = 1200
MB = 2**20


def nbytes(obj: Any, _seen: set | None = None, _depth: int = 0) -> int:
    """Bytes of every distinct tensor reachable from `obj`: an nn.Module's parameters and buffers
    (numel * element_size, shared tensors counted once), tensors and NumPy arrays inside tuples,
    lists, dicts, dataclasses and plain objects' attributes (a detector wrapper holding its
    network), up to a few levels deep. Tokenizers and ONNX sessions count 0 (no tensors to see)."""
    import numpy as np
    import torch

    seen = set() if _seen is None else _seen
    if _depth > 5 or id(obj) in seen or isinstance(obj, (str, bytes, int, float, bool, type(None), type)):
        return 0
    seen.add(id(obj))
    if isinstance(obj, torch.Tensor):
        key = ("t", obj.untyped_storage().data_ptr()) if obj.numel() else None
        if key is None or key in seen:
            return 0
        seen.add(key)
        return obj.untyped_storage().nbytes()
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if isinstance(obj, torch.nn.Module):
        return sum(nbytes(t, seen, _depth + 1) for t in list(obj.parameters()) + list(obj.buffers()))
    if isinstance(obj, dict):
        return sum(nbytes(v, seen, _depth + 1) for v in obj.values())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return sum(nbytes(v, seen, _depth + 1) for v in obj)
    if dataclasses.is_dataclass(obj):
        return sum(nbytes(getattr(obj, f.name, None), seen, _depth + 1) for f in dataclasses.fields(obj))
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict) and type(obj).__module__.split(".")[0] in ("core", "app_pages", "__main__"):
        return sum(nbytes(v, seen, _depth + 1) for v in attrs.values())  # our own wrappers only
    return 0


def give_back_memory(collect: bool = True) -> None:
    """After an eviction: collect reference cycles (a transformers model has some), then ask glibc to
    return freed heap pages to the system. Without malloc_trim the many small tensors of an evicted
    model stay in the process's heap and RSS does not go down (measured: ~300 MB kept per model)."""
    import ctypes
    import gc

    if collect:
        gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): the allocator keeps what it keeps
        pass


_trim = {"anon_kb": 0, "busy": False}
_trim_lock = threading.Lock()
TRIM_GROWTH_MB = 48  # trim once the process's anonymous memory grew this much since the last trim


def trim_heap_if_grown() -> bool:
    """Call after a script run (app.py does): when anonymous memory grew by TRIM_GROWTH_MB since the
    last trim, give the freed heap back in a background thread. A page that built and dropped a
    dataset or a model (the ShapesWorld generator's masks, MiniLM after embedding its word list)
    leaves its freed memory in glibc's heap otherwise: measured ~160 MB after the Semi-supervised
    page. Reading /proc costs microseconds; a trim ~25 ms on a 1 GB heap, off the script thread."""
    try:
        anon = int(open("/proc/self/status").read().split("RssAnon:")[1].split()[0])
    except (OSError, IndexError, ValueError):  # not Linux
        return False
    with _trim_lock:
        if _trim["busy"] or anon - _trim["anon_kb"] < TRIM_GROWTH_MB * 1024:
            return False
        _trim["busy"] = True

    def run():
        try:
            give_back_memory(collect=False)
        finally:
            with _trim_lock:
                _trim["busy"] = False
                try:
                    _trim["anon_kb"] = int(open("/proc/self/status").read().split("RssAnon:")[1].split()[0])
                except (OSError, IndexError, ValueError):
                    pass

    threading.Thread(target=run, name="keypoint-heap-trim", daemon=True).start()
    return True


@dataclasses.dataclass
class Entry:
    """One loaded model in the registry."""

    key: str  # what was loaded, e.g. "app_pages/attention/page.py:get_model('gpt2', 'auto')"
    value: Any  # the loaded object (never mutated: every session shares it)
    bytes: int  # measured with nbytes() right after loading
    load_s: float  # how long the load took
    loaded_at: float  # time.time() of the load
    holders: int = 0  # running jobs holding it: never evicted while > 0
    reloads: int = 0  # times it was loaded again after an eviction


class ModelBudget:
    """A thread-safe LRU registry of loaded models with a byte budget (see the module docstring)."""

    def __init__(self, budget_mb: float = DEFAULT_BUDGET_MB):
        self.budget = int(budget_mb * MB)
        self._entries: OrderedDict[str, Entry] = OrderedDict()  # least recently used first
        self._evicted: dict[str, int] = {}  # key -> times evicted (so a later load says "reloaded")
        self._lock = threading.RLock()  # guards the two dicts; never held while loading
        self._key_locks: dict[str, threading.Lock] = {}  # one per key: a model loads once at a time
        self.evictions: list[tuple[str, int]] = []  # (key, bytes) in eviction order, for the page and tests

    @classmethod
    def from_env(cls) -> "ModelBudget":
        raw = os.environ.get("KEYPOINT_MODEL_BUDGET_MB", "").strip()
        try:
            mb = float(raw) if raw else DEFAULT_BUDGET_MB
        except ValueError:
            mb = DEFAULT_BUDGET_MB
        return cls(max(mb, 0.0))

    # -- reading ---------------------------------------------------------------------------------
    def used(self) -> int:
        with self._lock:
            return sum(e.bytes for e in self._entries.values())

    def entries(self) -> list[Entry]:
        """Loaded now, most recently used first (copies: safe to show)."""
        with self._lock:
            return [dataclasses.replace(e) for e in reversed(self._entries.values())]

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._entries

    # -- loading ---------------------------------------------------------------------------------
    def get(self, key: str, load: Callable[[], Any], expect_bytes: int = 0) -> tuple[Any, str]:
        """The model for `key`, loading it with `load()` on a miss. Returns (model, event), event
        "hit" (already loaded), "loaded" (first load in this process) or "reloaded" (loaded again
        after the budget evicted it: the page says so). `expect_bytes` (e.g. the card's download
        size) makes room before loading, so the peak stays near the budget."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry.value, "hit"
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # two sessions asking at once load once; others keep using their models
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None:
                    self._entries.move_to_end(key)
                    return entry.value, "hit"
                evicted = self._make_room(expect_bytes)
            if evicted:
                give_back_memory()
            t0 = time.perf_counter()
            value = load()
            size = nbytes(value)
            with self._lock:
                reloads = self._evicted.get(key, 0)
                self._entries[key] = Entry(key, value, size, time.perf_counter() - t0, time.time(), reloads=reloads)
                evicted = self._make_room(0, keep=key)
            if evicted:
                give_back_memory()
            return value, ("reloaded" if reloads else "loaded")

    @contextmanager
    def hold(self, key: str, load: Callable[[], Any], expect_bytes: int = 0) -> Iterator[Any]:
        """`get`, then keep the model loaded (never evicted) until the block ends: wrap a running
        job, so evicting it mid-run cannot load a second copy beside the one the job still uses."""
        while True:  # another thread may evict it between get and the count: then get it again
            value, _ = self.get(key, load, expect_bytes)
            with self._lock:
                entry = self._entries.get(key)
                if entry is not None and entry.value is value:
                    entry.holders += 1
                    break
        try:
            yield value
        finally:
            with self._lock:
                if entry.holders > 0:
                    entry.holders -= 1

    def _make_room(self, incoming: int, keep: str | None = None) -> int:
        """Evict least recently used, unheld entries until used + incoming fits (caller holds _lock).
        An entry alone over the budget stays: the page asked for it, and it is the most recent.
        Returns how many were evicted."""
        used = sum(e.bytes for e in self._entries.values())
        evicted = 0
        for key in list(self._entries):
            if used + incoming <= self.budget:
                break
            entry = self._entries[key]
            if key == keep or entry.holders > 0:
                continue
            del self._entries[key]
            used -= entry.bytes
            self._evicted[key] = self._evicted.get(key, 0) + 1
            self.evictions.append((key, entry.bytes))
            evicted += 1
        return evicted

    def clear(self) -> None:
        """Forget every unheld model (tests, and the Models page's "unload" button)."""
        with self._lock:
            for key in [k for k, e in self._entries.items() if e.holders == 0]:
                del self._entries[key]


BUDGET = ModelBudget.from_env()  # the one registry of this process


def loaded_rows(budget: ModelBudget | None = None) -> list[dict]:
    """What the Models page shows: one row per loaded model, most recently used first."""
    budget = budget or BUDGET
    now = time.time()
    return [{"model": e.key.split(":", 1)[-1], "page": e.key.split(":", 1)[0], "mb": e.bytes / MB,
             "load_s": e.load_s, "loaded_min_ago": (now - e.loaded_at) / 60, "in_use": e.holders,
             "reloads": e.reloads} for e in budget.entries()]
