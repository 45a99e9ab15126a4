"""`python -m bench.bare MODULES_FILE`: import every third-party module named in the file (what a
server had imported, from bench.serve), then print this process's VmRSS and RssAnon in MB as JSON.
The library floor the app cannot avoid, beside which the server's own share is measured."""
from __future__ import annotations

import importlib
import json
import sys
import importlib.util
from pathlib import Path

APP_PACKAGES = {"core", "app_pages", "bench", "tests", "__main__", "__mp_main__"}


def third_party(names: list[str]) -> list[str]:
    """Module names whose package lives in site-packages (the libraries), not the standard library
    or the app."""
    where: dict[str, bool] = {}
    out = []
    for name in names:
        top = name.split(".")[0]
        if top in APP_PACKAGES:
            continue
        if top not in where:
            try:
                spec = importlib.util.find_spec(top)
            except (ImportError, ValueError):
                spec = None
            where[top] = bool(spec and spec.origin and "site-packages" in spec.origin)
        if where[top]:
            out.append(name)
    return out


def status_mb(field: str, pid: str = "self") -> float:
    return int(Path(f"/proc/{pid}/status").read_text().split(f"{field}:")[1].split()[0]) / 1024


def main(path: str) -> None:
    import warnings

    warnings.filterwarnings("ignore")
    names = [n for n in Path(path).read_text().split("\n") if n]
    libs = third_party(names)
    failed = 0
    for name in libs:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a submodule that only imports inside its package's context
            failed += 1
    print(json.dumps({"rss_mb": status_mb("VmRSS"), "anon_mb": status_mb("RssAnon"),
                      "modules": len(libs), "failed": failed}))


if __name__ == "__main__":
    main(sys.argv[1])
