"""Every view-defining widget is bound to the URL under a short key that is unique across pages
and carries its page's prefix (COORD's convention), so a link names one widget on one page."""
import ast
from collections import Counter
from pathlib import Path

from core.catalog import ROOT

WIDGETS = {"slider", "select_slider", "selectbox", "radio", "text_input", "text_area", "number_input", "toggle",
           "checkbox", "segmented_control", "pills", "multiselect", "tabs"}
# Keyed widgets that must NOT travel in a link, and why.
UNBOUND = {
    "att_hf_id": "a free-text hub id: a link must never load an arbitrary model",
    "model_source_forced": "a disabled display of a server setting",
    "lesson_pick": "which lesson to start: a lesson travels as lesson= and step=",
    "det_gt_class": "the class stamped on the next box drawn: drawings cannot travel in a link",
    "f'dec_example_{kind}'": "a picker that only fills the bound text field",
    "f'dec_pruned_{k <= 6}'": "its key follows the beam width",
    "f'{key}_mode'": "Sample / Upload / Camera: an upload cannot travel, a link opens on the sample",
}
PREFIXES = {"attention": ("att_",), "decoding": ("dec_",), "sequence_models": ("seq_",), "cnns": ("cnn_",),
            "detection": ("det_",), "detector_internals": ("int_",),
            "linear_regression": ("lin_",), "semi_supervised": ("ssl_",),
            "vision_transformers": ("vit_", "mae_", "swin_", "bert_"), "ui": ("",), "app": ("",), "present": ("",),
            "lesson": ("lesson_",), "cnn_": ("cnn_",)}
ANY = tuple({p for ps in PREFIXES.values() for p in ps if p})  # a shared part: one of the pages' prefixes


def _files():
    return [ROOT / "app.py", *sorted((ROOT / "app_pages").rglob("*.py"))]


def widget_keys():
    """[(file, key text, bound)] for every keyed widget call; f-string keys keep their literal head."""
    out = []
    for f in _files():
        for n in ast.walk(ast.parse(f.read_text())):
            stepper = isinstance(n, ast.Call) and "stepper" == getattr(n.func, "attr", getattr(n.func, "id", None))
            if not (stepper or isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in WIDGETS):
                continue
            kw = {k.arg: k.value for k in n.keywords}
            if "key" not in kw or isinstance(kw["key"], ast.Name):  # a key passed through (present.stepper)
                continue
            key = kw["key"]
            text = key.value if isinstance(key, ast.Constant) else ast.unparse(key)
            bound = stepper or isinstance(kw.get("bind"), ast.Constant) and kw["bind"].value == "query-params"
            out.append((f, text, bound))
    return out


def test_every_view_widget_and_tab_row_is_bound_or_says_why_not():
    loose = [(f.name, k) for f, k, b in widget_keys() if not b and k not in UNBOUND]
    assert not loose, f"keyed widgets without bind='query-params': {loose}"
    assert not [(f.name, k) for f, k, b in widget_keys() if b and k in UNBOUND]
    unkeyed = []
    for f in _files():
        for n in ast.walk(ast.parse(f.read_text())):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "tabs":
                if "key" not in {k.arg for k in n.keywords}:
                    unkeyed.append(f"{f.name}:{n.lineno}")
    assert not unkeyed, f"st.tabs without a URL key: {unkeyed}"


def test_bound_keys_are_unique_across_pages_and_carry_the_page_prefix():
    bound = [(f, k) for f, k, b in widget_keys() if b]
    assert len(bound) > 100  # the scan sees the pages (it can fail: a broken walk finds nothing)
    counts = Counter(k for _, k in bound)
    assert not [k for k, c in counts.items() if c > 1], "a URL key used by two widgets"
    for f, k in bound:
        lit = k.split("{")[0].removeprefix("f'").removeprefix('f"')
        owner = Path(f).stem if Path(f).parent.name in ("app_pages", "parts", ROOT.name) else Path(f).parent.name
        prefixes = next((p for stem, p in PREFIXES.items() if owner.startswith(stem)), ANY)
        assert lit.startswith(prefixes) or "{" in k and lit == "", (f.name, k)
        assert len(lit) <= 20, f"{k}: a URL key should be short enough to read aloud"


def test_sidebar_keys_are_the_agreed_ones():
    bound = {k for f, k, b in widget_keys() if b and f.name in ("app.py", "ui.py")}
    assert {"seed", "src"} <= bound, bound
