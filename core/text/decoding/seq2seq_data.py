"""A synthetic translation task: human-written dates -> ISO dates.

    "Tuesday, the 3rd of March 1998"           -> "1998-03-03"
    "the twenty-third of may, two thousand and five" -> "2005-05-23"
    "03/04/98"                                 -> "1998-03-04" or "1998-04-03"

Why this task: the alignment is real (the day words map to the last two output digits, the
month name to the middle ones, the year words to the first four), so cross-attention has
something to show; and there is real ambiguity (numeric dates like 03/04/98 are read US-style
60% of the time and European-style 40%), so beam search has choices to make. Long spelled-out
sources stress a fixed-size context vector (the GRU-without-attention bottleneck).

Held-out split: dates whose ordinal is divisible by 10 never appear in training.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
ORD = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
       "nine": "ninth", "twelve": "twelfth"}
YEAR_RANGE = (1950, 2049)  # two-digit years are unambiguous inside this window
US_SHARE = 0.6  # how often an ambiguous numeric date is read month-first

# The characters sources and targets may use; the tokenizer is built from exactly this list.
ALPHABET = " " + "abcdefghijklmnopqrstuvwxyz" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" + "0123456789" + ",./-'"


@dataclass(frozen=True)
class DatePair:
    """One example. `alternatives` holds every correct reading (two for ambiguous numerics)."""

    source: str  # what a human wrote
    target: str  # the ISO date the data generator chose as gold
    alternatives: tuple[str, ...]  # every valid ISO reading of `source` (target included)
    fmt: str  # name of the format used, for per-format accuracy


def number_words(n: int) -> str:
    """0..99 as words: 23 -> 'twenty-three'."""
    if n < 20:
        return ONES[n]
    t, o = divmod(n, 10)
    return TENS[t] + ("" if o == 0 else "-" + ONES[o])


def ordinal_words(n: int) -> str:
    """1..31 as ordinal words: 23 -> 'twenty-third'."""
    w = number_words(n)
    head, _, last = w.rpartition("-")
    if last in ORD:
        last = ORD[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last = last + "th"
    return (head + "-" if head else "") + last


def ordinal_suffix(n: int) -> str:
    """3 -> '3rd', 11 -> '11th'."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def year_words(y: int, rng: random.Random) -> str:
    """1998 -> 'nineteen ninety-eight'; 2005 -> 'two thousand and five' (or 'two thousand five')."""
    hi, lo = divmod(y, 100)
    if y >= 2000 and (lo < 10 or rng.random() < 0.5):
        tail = "" if lo == 0 else (" and " if rng.random() < 0.5 else " ") + number_words(lo)
        return "two thousand" + tail
    if lo == 0:
        return number_words(hi) + " hundred"
    return number_words(hi) + " " + (("oh " + ONES[lo]) if lo < 10 else number_words(lo))


def _numeric(d: dt.date, rng: random.Random, sep: str) -> tuple[str, tuple[str, ...], str]:
    """A numeric date; ambiguous when day and month are both <= 12."""
    yy = f"{d.year % 100:02d}" if rng.random() < 0.5 else f"{d.year}"
    if sep == ".":  # dotted dates are European by convention: unambiguous
        return f"{d.day:02d}.{d.month:02d}.{yy}", (d.isoformat(),), "dd.mm.yyyy"
    us_first = rng.random() < US_SHARE
    a, b = (d.month, d.day) if us_first else (d.day, d.month)
    pad = rng.random() < 0.5
    src = f"{a:02d}{sep}{b:02d}{sep}{yy}" if pad else f"{a}{sep}{b}{sep}{yy}"
    alts = {d.isoformat()}
    if d.day <= 12:  # the other reading is a valid date too
        alts.add(dt.date(d.year, b, a).isoformat() if us_first else dt.date(d.year, a, b).isoformat())
    return src, tuple(sorted(alts)), "numeric" + sep


def render(d: dt.date, rng: random.Random, fmt: str | None = None) -> DatePair:
    """Write date `d` the way a human might (format `fmt` or a random one)."""
    fmt = fmt or rng.choice(FORMATS)
    month, wd = MONTHS[d.month - 1], WEEKDAYS[d.weekday()]
    alts: tuple[str, ...] = (d.isoformat(),)
    if fmt == "d month yyyy":
        src = f"{d.day} {month} {d.year}"
    elif fmt == "month d, yyyy":
        src = f"{month} {d.day}, {d.year}"
    elif fmt == "d mon yy":
        src = f"{d.day} {month[:3]} {d.year % 100:02d}"
    elif fmt == "mon dd yyyy":
        src = f"{month[:3]} {d.day:02d} {d.year}"
    elif fmt == "weekday, month dth, yyyy":
        src = f"{wd}, {month} {ordinal_suffix(d.day)}, {d.year}"
    elif fmt == "the dth of month yyyy":
        src = f"the {ordinal_suffix(d.day)} of {month} {d.year}"
    elif fmt == "spelled":
        src = f"the {ordinal_words(d.day)} of {month}, {year_words(d.year, rng)}"
    elif fmt == "weekday spelled":
        src = f"{wd}, the {ordinal_words(d.day)} of {month} {year_words(d.year, rng)}"
    elif fmt == "month the dth spelled":
        src = f"{month} the {ordinal_words(d.day)}, {year_words(d.year, rng)}"
    elif fmt in ("numeric/", "numeric-", "dd.mm.yyyy"):
        src, alts, fmt = _numeric(d, rng, {"numeric/": "/", "numeric-": "-", "dd.mm.yyyy": "."}[fmt])
    elif fmt == "iso":
        src = d.isoformat()
    else:
        raise ValueError(f"unknown format {fmt!r}")
    r = rng.random()
    src = src.lower() if r < 0.3 else src.upper() if r < 0.4 else src
    target = d.isoformat()
    return DatePair(src, target, tuple(sorted(set(alts) | {target})), fmt)


FORMATS = ["d month yyyy", "month d, yyyy", "d mon yy", "mon dd yyyy", "weekday, month dth, yyyy",
           "the dth of month yyyy", "spelled", "weekday spelled", "month the dth spelled",
           "numeric/", "numeric-", "dd.mm.yyyy", "iso"]


def is_held_out(d: dt.date) -> bool:
    """Dates kept out of training, so evaluation measures generalisation, not recall."""
    return d.toordinal() % 10 == 0


def random_date(rng: random.Random, split: str) -> dt.date:
    """A uniform date in YEAR_RANGE from the 'train' or 'test' split."""
    lo, hi = dt.date(YEAR_RANGE[0], 1, 1).toordinal(), dt.date(YEAR_RANGE[1], 12, 31).toordinal()
    while True:
        d = dt.date.fromordinal(rng.randint(lo, hi))
        if is_held_out(d) == (split == "test"):
            return d


def make_pairs(n: int, seed: int, split: str = "train") -> list[DatePair]:
    """`n` examples from `split` ('train' or 'test'), reproducible from `seed`."""
    if split not in ("train", "test"):
        raise ValueError("split must be 'train' or 'test'")
    rng = random.Random(seed)
    return [render(random_date(rng, split), rng) for _ in range(n)]


def examples() -> list[str]:
    """A few sources for the page's picker (fixed dates, including an ambiguous one)."""
    rng = random.Random(7)
    picks = [(dt.date(1998, 3, 4), "numeric/"), (dt.date(2005, 5, 23), "spelled"),
             (dt.date(1969, 7, 20), "weekday, month dth, yyyy"), (dt.date(2024, 2, 29), "d mon yy"),
             (dt.date(1987, 11, 9), "weekday spelled")]
    return [render(d, rng, f).source for d, f in picks]


def check_source(text: str, max_len: int = 80) -> str:
    """Validate a typed source: clear ValueError for empty, too long, or unknown characters."""
    text = text.strip()
    if not text:
        raise ValueError("type a date, e.g. 'the 3rd of March 1998'")
    if len(text) > max_len:
        raise ValueError(f"at most {max_len} characters please (got {len(text)})")
    bad = sorted({c for c in text if c not in ALPHABET})
    if bad:
        raise ValueError(f"the date model only knows letters, digits, spaces and {ALPHABET[-5:]!r}; "
                         f"remove {''.join(bad)!r}")
    return text
