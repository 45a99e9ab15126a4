"""A lesson: an ordered list of views (a page and its parameters), each with a sentence or two.

Built-in lessons live in core/lessons/builtin.py; a teacher writes their own as a plain text file,
one step per line:

    # title: Attention in five views
    attention?att_tab=Attention+maps   A real Transformer reads the prompt; each square is one weight.
    attention?att_layer=3&att_head=5   A later layer: heads that look back at the previous word.

A line is a link (a full URL or just `page?parameters`) then its sentence. Blank lines and lines
starting with `#` are skipped. A bad line is reported for that line only; the good ones load.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from core.lessons.links import LESSON_KEYS, Params, clean_params, make_link, parse_link, shown

MAX_FILE_BYTES = 100_000
MAX_STEPS = 100


@dataclass(frozen=True)
class Step:
    page: str  # url path of the page ("attention"); "" is the home page
    params: Params  # the widgets' values, as the link spells them
    text: str  # what the class should see in this view
    note: str = ""  # what was dropped from this step's link, if anything

    def link(self, lesson: str = "", number: int = 0, base: str = "") -> str:
        """This step as a link; with a lesson id and a step number it opens the lesson bar there too."""
        extra = {"lesson": lesson, "step": str(number)} if lesson and number else {}
        return make_link(self.page, {**self.params, **extra}, base)


@dataclass(frozen=True)
class Lesson:
    key: str  # id in a link (?lesson=attention)
    title: str
    steps: tuple[Step, ...]


@dataclass
class Parsed:
    lesson: Lesson
    errors: list[str] = field(default_factory=list)  # "line 4: ..." for each line that was skipped


def step(link: str, text: str) -> Step:
    """A step from a link and its sentence; raises ValueError when the link is not a KeyPoint view."""
    page, params = parse_link(link)
    params = {k: v for k, v in params.items() if k not in LESSON_KEYS}
    kept, problems = clean_params(params)
    note = "; ".join(f"{shown(p.key)}: {p.reason}" for p in problems)
    return Step(page, kept, text.strip(), f"Left at its default: {note}." if note else "")


def parse_lesson_text(text: str | bytes, key: str = "custom", title: str = "Your lesson") -> Parsed:
    """Read a teacher's lesson file. Never raises: every problem becomes a message naming its line."""
    errors: list[str] = []
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            return Parsed(Lesson(key, title, ()), [f"the file is {len(text):,} bytes; the limit is {MAX_FILE_BYTES:,}"])
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            return Parsed(Lesson(key, title, ()), ["the file is not UTF-8 text (save it as plain text)"])
    steps: list[Step] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            head, _, rest = line.lstrip("#").partition(":")
            if head.strip().lower() == "title" and rest.strip():
                title = rest.strip()[:120]
            continue
        link, _, sentence = line.partition(" ")
        if "\t" in link:
            link, _, more = link.partition("\t")
            sentence = more + " " + sentence
        if not sentence.strip():
            errors.append(f"line {number}: no sentence after the link `{shown(link, 40)}`")
            continue
        if len(steps) == MAX_STEPS:
            errors.append(f"line {number}: more than {MAX_STEPS} steps; the rest were skipped")
            break
        try:
            steps.append(step(link, sentence[:1000]))
        except ValueError as e:
            errors.append(f"line {number}: {e}")
    if not steps and not errors:
        errors.append("no steps: write one link and its sentence per line")
    return Parsed(Lesson(key, title, tuple(steps)), errors)


def lesson_text(lesson: Lesson) -> str:
    """A lesson written back as a file a teacher can edit (the round trip of parse_lesson_text)."""
    lines = [f"# title: {lesson.title}"]
    lines += [f"{s.link()[1:] or '/'} {s.text}" for s in lesson.steps]
    return "\n".join(lines) + "\n"
