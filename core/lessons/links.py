"""Links to a view, as plain data: parse one, clean what a stranger could put in one, write one.

A view is a page plus its widgets' values, and a link carries it as query parameters
(`attention?att_layer=2&att_tab=Next+token`). Streamlit binds the widgets to those parameters and ignores
a value a widget does not offer; this module does the part Streamlit leaves to us: keys that are not
settings at all, values too long or not a usable number (an `inf` in an integer field crashes 1.67's
number_input), and repeated keys. No streamlit here: the pages' bridge is app_pages/parts/share.py.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit

from core.catalog import TOPICS, slug

Params = dict[str, "str | list[str]"]

PAGES: tuple[str, ...] = tuple(slug(t) for t in TOPICS) + ("models",)  # url paths a link may name ("" = home)
LESSON_KEYS = ("lesson", "step")  # the lesson bar's own parameters (not widgets)
MAX_VALUE_CHARS = 1000  # longer than any prompt worth reading off a projector; a 100 kB value is refused
MAX_VALUES = 64  # repeated values of one key (a multiselect sends one per choice)
MAX_NUMBER = 1e12  # larger numbers are no setting of any page (and overflow integer widgets)
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$|^[+-]?(inf|infinity|nan)$", re.I)


@dataclass(frozen=True)
class Problem:
    key: str  # the parameter as the link spelt it (print it through shown())
    reason: str  # why it was dropped, in words a student understands


def shown(text: str, limit: int = 24) -> str:
    """A parameter name or value safe to print: no backticks or newlines, and short."""
    text = re.sub(r"[`\s<>]+", " ", str(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value_problem(values: list[str]) -> str | None:
    if len(values) > MAX_VALUES:
        return f"{len(values)} values"
    for v in values:
        if len(v) > MAX_VALUE_CHARS:
            return f"a value of {len(v):,} characters (the limit is {MAX_VALUE_CHARS:,})"
        if any(ord(c) < 32 and c not in "\t\n\r" for c in v):
            return "control characters"
        if _NUMBER.match(v.strip()):
            x = float(v)
            if not math.isfinite(x) or abs(x) > MAX_NUMBER:
                return "not a usable number"
    return None


def clean_params(params: dict[str, str | list[str]], known: set[str] | None = None) -> tuple[Params, list[Problem]]:
    """Split a link's parameters into the ones worth handing to the widgets and the ones dropped.

    `known`: the keys that mean something here (None: any well-formed key). A repeated key keeps its
    values (a multiselect needs them); the widget decides whether it takes a list.
    """
    kept: Params = {}
    problems: list[Problem] = []
    for key, value in params.items():
        values = [value] if isinstance(value, str) else [str(v) for v in value]
        if not _KEY.match(key):
            problems.append(Problem(key, "not a setting of KeyPoint"))
        elif known is not None and key not in known:
            problems.append(Problem(key, "not a setting of this page"))
        elif (why := _value_problem(values)) is not None:
            problems.append(Problem(key, why))
        else:
            kept[key] = values[0] if len(values) == 1 else values
    return kept, problems


def parse_link(link: str) -> tuple[str, Params]:
    """`[scheme://host[/base]]/page?k=v&...` → (page url path, parameters). The page must be one of
    KeyPoint's (PAGES, or "" for the home page); raises ValueError with a readable reason otherwise."""
    link = link.strip()
    if not link:
        raise ValueError("empty link")
    if len(link) > 8000:
        raise ValueError(f"a link of {len(link):,} characters")
    parts = urlsplit(link if "://" in link else "http://x/" + link.lstrip("/"))
    path = parts.path.rstrip("/").split("/")[-1] if parts.path.strip("/") else ""
    if path not in PAGES and path != "":
        raise ValueError(f"'{shown(path)}' is not a page of KeyPoint (pages: {', '.join(PAGES)})")
    raw = parse_qs(parts.query, keep_blank_values=True)
    params: Params = {k: v[0] if len(v) == 1 else v for k, v in raw.items()}
    return path, params


def make_link(page: str, params: Params, base: str = "") -> str:
    """The inverse of parse_link: `base/page?k=v` with '+' for spaces (readable on a projector)."""
    query = urlencode(params, doseq=True, quote_via=quote_plus)
    return f"{base.rstrip('/')}/{page}" + (f"?{query}" if query else "")
