"""Is the network there? Answered once per process, in at most 1.5 s, never per rerun.

"There" means a TLS handshake with the hub completes (through HTTPS_PROXY when set): a dead
network, a hub address that accepts connections and never answers, and a dead proxy all count as
offline, so no page waits on them more than once per process."""
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


def _proxy() -> tuple[str, int] | None:
    """The HTTPS proxy the hub clients would use (HTTPS_PROXY / https_proxy), as (host, port)."""
    from urllib.parse import urlsplit

    url = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or ""
    if not url or _no_proxy(_PROBE_HOST[0]):
        return None
    parts = urlsplit(url if "://" in url else "http://" + url)
    return (parts.hostname or "", parts.port or 8080) if parts.hostname else None


def _no_proxy(host: str) -> bool:
    entries = (os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or "").split(",")
    return any(e.strip() in ("*", host) or (e.strip().startswith(".") and host.endswith(e.strip())) for e in entries)


def _probe(timeout_s: float) -> bool:
    """A TLS handshake with the hub (through the proxy when one is set): a host that accepts the
    connection and then never answers, or a dead proxy, counts as no network."""
    import ssl

    host, port = _PROBE_HOST
    proxy = _proxy()
    with socket.create_connection(proxy or (host, port), timeout=timeout_s) as sock:
        sock.settimeout(timeout_s)
        if proxy:
            sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            reply = sock.recv(1024)
            if not reply.split(b"\r\n", 1)[0].split(b" ")[1:2] == [b"200"]:
                return False
            while b"\r\n\r\n" not in reply:
                more = sock.recv(1024)
                if not more:
                    return False
                reply += more
        ctx = ssl.create_default_context()
        with ctx.wrap_socket(sock, server_hostname=host) as tls:
            return tls.version() is not None


def network_up(timeout_s: float = 1.5) -> bool:
    """Probe the Hugging Face host once per process, in at most ~timeout_s; cache the answer."""
    global _answer
    if offline_forced():
        return False
    with _lock:
        if _answer is None:
            # A thread, because a DNS lookup ignores the socket timeout and may hang.
            result: list[bool] = []

            def probe() -> None:
                try:
                    result.append(_probe(timeout_s))
                except (OSError, ValueError, IndexError):
                    result.append(False)

            t = threading.Thread(target=probe, daemon=True)
            t.start()
            t.join(timeout_s)
            _answer = bool(result and result[0])
        return _answer


def _reset_for_tests() -> None:
    global _answer
    _answer = None
