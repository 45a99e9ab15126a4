"""Is the network there? Answered once per process, in at most ~2 s, never per rerun."""
from __future__ import annotations

import os
import socket
import threading

_PROBE_HOST = ("huggingface.co", 443)
_lock = threading.Lock()
_answer: bool | None = None


_FLAGS = ("KEYPOINT_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def offline_reason() -> str:
    """The environment variable that forces offline ("KEYPOINT_OFFLINE=1"), or "" when none does."""
    for f in _FLAGS:
        value = os.environ.get(f, "").strip()
        if value.lower() in {"1", "true", "yes", "on"}:
            return f"{f}={value}"
    return ""


def offline_forced() -> bool:
    """True when the user or the environment says: never touch the network."""
    return bool(offline_reason())


def network_up(timeout_s: float = 2.0) -> bool:
    """Probe the Hugging Face host once per process; cache the answer."""
    global _answer
    if offline_forced():
        return False
    with _lock:
        if _answer is None:
            # A thread, because a DNS lookup ignores the socket timeout and may hang.
            result: list[bool] = []

            def probe() -> None:
                try:
                    with socket.create_connection(_PROBE_HOST, timeout=timeout_s):
                        result.append(True)
                except OSError:
                    result.append(False)

            t = threading.Thread(target=probe, daemon=True)
            t.start()
            t.join(timeout_s)
            _answer = bool(result and result[0])
        return _answer


def _reset_for_tests() -> None:
    global _answer
    _answer = None
