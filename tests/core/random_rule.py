"""The random-number rule as a checker (issue 20, item 5): nothing a page can reach draws from torch's,
numpy's or Python's process-global generators. Used by test_random_rule.py; runnable on its own:

    python -m tests.core.random_rule      # prints every global draw reachable from the pages
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ["app.py", "app_pages"]  # what a server runs
PACKAGES = ("core", "app_pages")  # imports followed

GLOBAL_SEEDING = {"torch.manual_seed", "torch.random.manual_seed", "torch.cuda.manual_seed", "torch.cuda.manual_seed_all",
                  "torch.seed", "np.random.seed", "numpy.random.seed", "random.seed", "seed_everything",
                  "runtime.seed_everything"}
TORCH_DRAWS = {"rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "poisson", "rand_like",
               "randn_like", "randint_like"}
TENSOR_DRAWS = {"normal_", "uniform_", "bernoulli_", "random_", "exponential_", "geometric_", "log_normal_", "cauchy_",
                "multinomial"}
INIT_DRAWS = {"normal_", "uniform_", "kaiming_normal_", "kaiming_uniform_", "xavier_normal_", "xavier_uniform_",
              "trunc_normal_", "orthogonal_", "sparse_"}
NUMPY_PRIVATE = {"default_rng", "Generator", "RandomState", "SeedSequence", "PCG64", "Philox", "MT19937", "SFC64",
                 "BitGenerator"}
PY_RANDOM_DRAWS = {"random", "randint", "randrange", "choice", "choices", "shuffle", "sample", "uniform", "gauss",
                   "normalvariate", "getrandbits"}


@dataclass(frozen=True)
class Draw:
    path: str  # relative to the repository root
    line: int
    where: str  # the enclosing function ("<module>" at top level)
    call: str  # what was called

    def __str__(self) -> str:
        return f"{self.path}:{self.line} in {self.where}: {self.call}"


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for a Name/Attribute chain, '' otherwise."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _is_global_draw(call: ast.Call) -> str | None:
    """The call's name if it draws from or seeds a global generator, else None."""
    name = _dotted(call.func)
    kw = {k.arg for k in call.keywords}
    if name in GLOBAL_SEEDING:
        return name
    head, _, last = name.rpartition(".")
    if head in ("np.random", "numpy.random") and last not in NUMPY_PRIVATE:
        return name
    if head == "random" and last in PY_RANDOM_DRAWS:
        return name
    if "generator" in kw:
        return None
    if head == "torch" and last in TORCH_DRAWS:
        return name
    if head in ("init", "nn.init", "torch.nn.init") and last in INIT_DRAWS:
        return name
    if isinstance(call.func, ast.Attribute) and call.func.attr in TENSOR_DRAWS:  # x.normal_(), p.multinomial(1)
        return f"<tensor>.{call.func.attr}"
    return None


def _is_main_guard(node: ast.AST) -> bool:
    return (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)
            and _dotted(node.test.left) == "__name__")


def global_draws(path: Path) -> list[Draw]:
    """Every global draw in one file, outside command-line entry points (`def main`, `if __name__ ...`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    rel = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name
    found: list[Draw] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if child.name != "main":
                    visit(child, child.name if where == "<module>" else f"{where}.{child.name}")
                continue
            if isinstance(child, ast.ClassDef):
                visit(child, child.name)
                continue
            if _is_main_guard(child):
                continue
            if isinstance(child, ast.Call):
                name = _is_global_draw(child)
                if name:
                    found.append(Draw(rel, child.lineno, where, name))
            visit(child, where)

    visit(tree, "<module>")
    return found


def _module_path(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for p in (base.with_suffix(".py"), base / "__init__.py"):
        if p.is_file():
            return p
    return None


def _imported(path: Path) -> set[str]:
    """Modules of ours that `path` imports anywhere (top level or inside functions)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)  # `from core.x import module`
    return {m for m in out if m.split(".")[0] in PACKAGES}


def reachable_files() -> list[Path]:
    """app.py, the pages, and every module of ours they import, transitively (parents included)."""
    todo = [ROOT / "app.py"] + sorted((ROOT / "app_pages").rglob("*.py"))
    seen: set[Path] = set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for m in _imported(p):
            parts = m.split(".")
            for i in range(1, len(parts) + 1):  # importing a.b.c runs a/__init__ and a/b/__init__ too
                q = _module_path(".".join(parts[:i]))
                if q is not None and q not in seen:
                    todo.append(q)
    return sorted(seen)


def reachable_draws() -> list[Draw]:
    return [d for p in reachable_files() for d in global_draws(p)]


if __name__ == "__main__":
    for d in reachable_draws():
        print(d)
