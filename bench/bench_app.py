"""Frame benchmarks: cold start, what the home page imports, server memory after every page.

Baselines, measured in the same run: a one-line Streamlit app's cold start; `import streamlit`
alone; the server's memory after the home page only.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "KEYPOINT_OFFLINE": "1"}


def _import_s(code: str, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=ENV, check=True)
        best = min(best, time.perf_counter() - t0)
    return best


def home_import_s() -> dict:
    home = _import_s("import streamlit, core.catalog, core.zoo.resolve, app_pages.parts.ui")
    bare = _import_s("import streamlit")
    return {"value": home, "unit": "s", "baseline": bare}


def _status_mb(pid: int, field: str) -> float:
    """A memory field of /proc/<pid>/status (VmRSS, RssAnon, ...) in MB."""
    return int(Path(f"/proc/{pid}/status").read_text().split(f"{field}:")[1].split()[0]) / 1024


def _serve_and_visit(script: Path, paths: list[str], per_page: list | None = None) -> tuple[float, float]:
    """Start `streamlit run script`, open each path in Chromium until idle.
    Returns (seconds to the first page rendered, server RSS in MB at the end); with `per_page`,
    appends (path, RSS MB, RssAnon MB) after every page."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port, wait_until_idle

    port = _free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1"],
                            cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            first = None
            for path in paths:
                for _ in range(200):  # the server may not listen yet
                    try:
                        page.goto(f"http://127.0.0.1:{port}/{path}", timeout=60_000)
                        break
                    except Exception:  # noqa: BLE001
                        time.sleep(0.1)
                wait_until_idle(page)
                if per_page is not None:
                    per_page.append((path or "home", round(_status_mb(proc.pid, "VmRSS")),
                                     round(_status_mb(proc.pid, "RssAnon"))))
                if first is None:
                    first = time.perf_counter() - t0
            browser.close()
        rss_kb = int(Path(f"/proc/{proc.pid}/status").read_text().split("VmRSS:")[1].split()[0])
        return first, rss_kb / 1024
    finally:
        proc.terminate()
        proc.wait(10)


def cold_start_s() -> dict:
    with tempfile.TemporaryDirectory() as d:
        hello = Path(d) / "hello.py"
        hello.write_text("import streamlit as st\nst.title('hello')\n")
        base, _ = _serve_and_visit(hello, [""])
    ours, _ = _serve_and_visit(ROOT / "app.py", [""])
    return {"value": ours, "unit": "s", "baseline": base}


def server_rss_mb() -> dict:
    from core.catalog import TOPICS, slug

    paths = [""] + [slug(t) for t in TOPICS if t.available] + ["models"]
    _, home_only = _serve_and_visit(ROOT / "app.py", [""])
    steps: list = []
    _, every_page = _serve_and_visit(ROOT / "app.py", paths, per_page=steps)
    return {"value": every_page, "unit": "MB", "baseline": home_only, "pages": len(paths),
            "server_rss_anon_mb": steps[-1][2] if steps else None,
            "after_every_page": {p: {"rss_mb": r, "anon_mb": a} for p, r, a in steps}}


BENCHMARKS = {"home_import_s": home_import_s, "cold_start_s": cold_start_s, "server_rss_mb": server_rss_mb}
