"""House rules a command can check."""
import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_streamlit():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == [], f"core/ must not import streamlit: {offenders}"


def test_the_rule_checker_catches_an_offender(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from streamlit import session_state\n")
    assert "streamlit" in _imports(bad)


def test_home_page_imports_no_torch():
    """The home page and the frame load without torch (so the map shows in well under a second)."""
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "import core.catalog, core.zoo.resolve\n"
        "print('torch' in sys.modules)\n" % str(ROOT)
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_catalog_page_in_navigation_exists_or_is_marked_coming():
    from core.catalog import TOPICS

    assert len({t.file for t in TOPICS}) == len(TOPICS)
    assert all(t.group in ("Language", "Vision", "Learning") for t in TOPICS)
