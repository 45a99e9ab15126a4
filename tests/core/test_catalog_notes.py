"""The Home page's chapter notes list what each page covers: every tab of a page is named there."""
import ast
import re

import pytest

from core.catalog import ROOT, TOPICS


def _tab_labels(path) -> list[str]:
    """The labels of a page's st.tabs(...) call (or its TABS list / dict), read from the source."""
    tree = ast.parse((ROOT / path).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "TABS" for t in node.targets):
            v = node.value
            return [ast.literal_eval(k) for k in (v.keys if isinstance(v, ast.Dict) else v.elts)]
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "tabs" and node.args:
            if isinstance(node.args[0], ast.List):
                return [ast.literal_eval(e) for e in node.args[0].elts]
    return []


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9²]+", text.lower()) if len(w) > 3 or w.isdigit() or w in ("mlp", "mae", "vit")}


@pytest.mark.parametrize("topic", [t for t in TOPICS if t.available], ids=lambda t: t.title)
def test_every_tab_is_named_in_the_home_notes(topic):
    labels = _tab_labels(topic.file)
    notes = _words(topic.notes)
    missing = [label for label in labels if not _words(label) <= notes]
    assert not missing, f"{topic.title}: tabs not in the notes: {missing}"
