"""Feed hostile text into every text input of a page (AppTest), and judge what comes back.

    for key, name, report in hostile_text_reports("app_pages/decoding/page.py"): ...
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from streamlit.testing.v1 import AppTest

from core.catalog import ROOT

HOSTILE: dict[str, str] = {
    "empty": "",
    "whitespace": "   \n\t  ",
    "100k chars": "a" * 100_000,
    "100k words": "word " * 20_000,
    "emoji": "🙂🚀 👩‍👩‍👧 naïve café",
    "right-to-left": "مرحبا بالعالم שלום ‮abc",
    "zero-width": "a\u200bb\u200c\u200dc\ufeff",
    "NUL/control": "a\x00b\x07c\x1b[31mred\x7f",
    # A lone surrogate cannot cross the websocket (UTF-8 protobuf): AppTest itself raises UnicodeEncodeError
    # and a browser's message is dropped before the script runs. What can arrive is U+FFFD.
    "lone surrogate": "abc\ufffddef",
    "<script>": "<script>alert(1)</script>",
    "markdown/HTML": "**bold** [x](javascript:alert(1)) <b>html</b> <img src=x onerror=alert(1)> $x$",
}
# Raw pieces that must never reach a markdown-rendering element unescaped.
RENDERED = ["<script>", "**bold**", "<b>html</b>", "<img src=x", "](javascript:"]
MESSAGE_KINDS = ("markdown", "caption", "warning", "info", "error", "success", "exception")


@dataclass
class Report:
    seconds: float  # the rerun after typing
    exception: str  # an uncaught exception shown on the page ("" if none)
    messages: list[str]  # every warning / info / error text after the rerun
    unescaped: list[str]  # RENDERED pieces found raw in a markdown-rendering element
    alive: bool  # the page still has its title


def _texts(at: AppTest, kinds=MESSAGE_KINDS) -> list[str]:
    out = []
    for kind in kinds:
        for el in at.get(kind):
            v = getattr(el, "value", None)
            if isinstance(v, str):
                out.append(v)
    return out


def raw_in(piece: str, text: str) -> bool:
    """`piece` occurs in `text` and its first character is not backslash-escaped."""
    return any(m.start() == 0 or text[m.start() - 1] != "\\" for m in re.finditer(re.escape(piece), text))


def text_inputs(at: AppTest) -> list[tuple[str, str]]:
    """(widget kind, key) of every text input and text area on the page now."""
    return [("text_input", w.key) for w in at.text_input] + [("text_area", w.key) for w in at.text_area]


def feed(at: AppTest, kind: str, key: str, value: str, timeout: float = 120) -> Report:
    widget = at.text_input(key=key) if kind == "text_input" else at.text_area(key=key)
    t0 = time.perf_counter()
    try:
        widget.set_value(value).run(timeout=timeout)
    except Exception as e:  # noqa: BLE001 - the harness itself failing is a finding too
        return Report(time.perf_counter() - t0, f"harness: {type(e).__name__}: {e}"[:300], [], [], False)
    seconds = time.perf_counter() - t0
    exc = "; ".join(str(e.value)[:200] for e in at.exception)
    msgs = _texts(at, ("warning", "info", "error", "success"))
    rendered = _texts(at, ("markdown", "caption", "warning", "info", "error", "success"))
    unescaped = sorted({p for p in RENDERED if any(raw_in(p, t) for t in rendered)})
    return Report(seconds, exc, msgs, unescaped, bool(at.title))


def open_page(path: str, setup=None, timeout: float = 240) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=timeout).run()
    if setup:
        setup(at)
    return at
