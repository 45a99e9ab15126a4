"""The allowed edges between the rooms of the house (beside the import-cycle test): text and vision do
not import each other (what both use lives in core/nn or core/zoo), core/nn imports nothing of the
project, charts read results but no model imports a chart, and a page imports the shared parts and its
own package, never another page's."""
import ast

from tests.core.test_import_cycles import ROOT, import_graph

# room -> the rooms it may import ("core" is the top-level modules: runtime, threads, progress, catalog, ...)
ALLOWED = {
    "core": {"core", "core.learn", "core.viz"},  # live -> learn.engine (the loop a page draws); export -> viz.overlay
    "core.nn": set(),
    "core.zoo": {"core", "core.vision"},  # cards_vision reads the task vocabulary (vision/types)
    "core.lessons": {"core"},
    "core.learn": {"core", "core.zoo", "core.vision"},  # ssl trains ShapesWorld detectors
    "core.text": {"core", "core.nn", "core.zoo", "core.learn", "core.text"},
    "core.vision": {"core", "core.nn", "core.zoo", "core.learn", "core.vision"},
    "core.viz": {"core", "core.viz", "core.text", "core.vision", "core.learn"},
}


def room(module: str) -> str:
    parts = module.split(".")
    return "core" if len(parts) <= 2 else ".".join(parts[:2])


def forbidden_edges(graph: dict[str, set[str]]) -> list[str]:
    bad = []
    for a, deps in graph.items():
        for d in deps:
            ra, rd = room(a), room(d)
            if ra != rd and rd not in ALLOWED[ra]:
                bad.append(f"{a} -> {d}")
    return sorted(bad)


def test_every_room_is_known():
    assert {room(m) for m in import_graph()} <= set(ALLOWED)


def test_core_rooms_import_only_their_allowed_neighbours():
    assert forbidden_edges(import_graph()) == []


def test_the_edge_check_can_fail():
    assert forbidden_edges({"core.text.attention.capture": {"core.vision.image"},
                            "core.nn.rollout": {"core.runtime"}}) == [
        "core.nn.rollout -> core.runtime", "core.text.attention.capture -> core.vision.image"]


def page_imports() -> list[tuple[str, str]]:
    """(page package, app_pages module it imports) for every file under app_pages/<page>/."""
    out = []
    for f in (ROOT / "app_pages").glob("*/*.py"):
        if f.parent.name == "parts":
            continue
        for n in ast.walk(ast.parse(f.read_text())):
            mods = [a.name for a in n.names] if isinstance(n, ast.Import) else \
                   [n.module] if isinstance(n, ast.ImportFrom) and n.module and n.level == 0 else []
            out += [(f.parent.name, m) for m in mods if m.startswith("app_pages.")]
    return out


def test_a_page_imports_parts_and_its_own_package_only():
    found = page_imports()
    assert len({p for p, _ in found}) >= 5  # the scan sees the page packages
    strays = [(p, m) for p, m in found if m.split(".")[1] not in ("parts", p)]
    assert strays == [], "a page reaches into another page's package; move what they share to app_pages/parts"


def test_parts_import_no_page_package():
    pages = {d.name for d in (ROOT / "app_pages").iterdir() if (d / "page.py").exists()}
    assert pages
    for f in (ROOT / "app_pages" / "parts").glob("*.py"):
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, ast.ImportFrom) and n.module and n.module.startswith("app_pages."):
                assert n.module.split(".")[1] not in pages, f"{f.name} imports the page package {n.module}"
