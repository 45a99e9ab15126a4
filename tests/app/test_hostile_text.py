"""Hostile text on every text input of every page (issue 17): empty, whitespace, 100 000 characters,
emoji, right-to-left, zero-width, NUL/control, a lone surrogate, <script>, markdown/HTML. Each gets a
clear message or a result within 5 s, no exception, and echoed input is shown as text, not rendered."""
import pytest

from tests.app.hostile import HOSTILE, feed, open_page, text_inputs

LIMIT_S = 5.0


def _other_model(at):
    at.selectbox(key="att_model").set_value("other").run()


# (page, setup before the inputs are found, a label)
PAGES = [
    ("app_pages/attention/page.py", None, "attention"),
    ("app_pages/attention/page.py", _other_model, "attention, a Hugging Face id"),
    ("app_pages/decoding/page.py", None, "decoding"),
    ("app_pages/sequence_models/page.py", None, "sequence models"),
]


def _cases():
    for path, setup, label in PAGES:
        at = open_page(path, setup)
        for kind, key in text_inputs(at):
            yield pytest.param(path, setup, kind, key, id=f"{label}:{key}")


@pytest.mark.slow
@pytest.mark.parametrize("path,setup,kind,key", list(_cases()))
def test_hostile_text_gets_a_message_or_a_result(path, setup, kind, key):
    at = open_page(path, setup)
    problems = []
    for name, value in HOSTILE.items():
        r = feed(at, kind, key, value)
        if r.exception or not r.alive or r.unescaped or r.seconds > LIMIT_S:
            problems.append((name, round(r.seconds, 1), r.exception[:200], r.unescaped))
        if name == "empty" and not r.messages:
            problems.append((name, "an empty input must say what to type"))
        if max((len(m) for m in r.messages), default=0) > 1000:
            problems.append((name, "a message of", max(len(m) for m in r.messages), "characters"))
    assert not problems, problems
