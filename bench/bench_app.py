"""Frame benchmarks: cold start and what the home page imports (server memory: bench_memory.py).

Baselines, measured in the same run: a one-line Streamlit app's cold start; `import streamlit`
alone.
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


def _serve_and_visit(script: Path, paths: list[str]) -> tuple[float, float]:
    """Start `streamlit run script`, open each path in Chromium until idle.
    Returns (seconds to the first page rendered, server RSS in MB at the end)."""
    from playwright.sync_api import sync_playwright

    from bench.bench_memory import visit
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port

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
                visit(page, f"http://127.0.0.1:{port}/{path}", tries=200)
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


BENCHMARKS = {"home_import_s": home_import_s, "cold_start_s": cold_start_s}  # memory: bench_memory.py
