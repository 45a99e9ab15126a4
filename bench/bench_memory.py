"""Server memory per page visit, the app's own share (issue 25).

One fresh server (bench.serve: `streamlit run` that can list its imported modules), offline on
bundled weights; Chromium opens the home page, then every topic page and Models in turn. After each
page: the server's VmRSS and RssAnon, and the modules it has imported. Then, in the same run, a bare
process (bench.bare) imports exactly those libraries: RSS(server) - RSS(bare) is what the app itself
holds (models, data, caches), the part this project controls; the rest is the library floor.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "KEYPOINT_OFFLINE": "1"}


def status_mb(pid: int, field: str) -> float:
    """A memory field of /proc/<pid>/status (VmRSS, RssAnon, VmHWM, ...) in MB."""
    return int(Path(f"/proc/{pid}/status").read_text().split(f"{field}:")[1].split()[0]) / 1024


def start_server(port: int, env: dict, modules_out: str | None = None) -> subprocess.Popen:
    env = {**env, **({"KEYPOINT_MODULES_OUT": modules_out} if modules_out else {})}
    return subprocess.Popen([sys.executable, "-m", "bench.serve", str(ROOT / "app.py"), "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1",
                             "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def visit(page, url: str, tries: int = 300) -> None:
    """Open `url` in a Playwright page as soon as the server listens (it may not yet), then wait until the
    page's script has finished."""
    from tests.e2e.conftest import wait_until_idle

    for _ in range(tries):
        try:
            page.goto(url, timeout=60_000)
            break
        except Exception:  # noqa: BLE001 - not listening yet
            time.sleep(0.1)
    wait_until_idle(page)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def dump_modules(proc: subprocess.Popen, out: Path) -> list[str]:
    out.unlink(missing_ok=True)
    proc.send_signal(signal.SIGUSR1)
    for _ in range(200):
        if out.is_file():
            return out.read_text().split("\n")
        time.sleep(0.05)
    raise RuntimeError("the server did not list its modules")


def bare(modules: list[str]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(modules))
    try:
        out = subprocess.run([sys.executable, "-m", "bench.bare", f.name], cwd=ROOT, env=ENV, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    finally:
        os.unlink(f.name)


@lru_cache(maxsize=1)
def visit_every_page() -> dict:
    """{page: {rss_mb, anon_mb, bare_rss_mb, bare_anon_mb, app_mb, app_anon_mb}} in visit order."""
    from playwright.sync_api import sync_playwright

    from core.catalog import TOPICS, slug
    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _free_port

    paths = [""] + [slug(t) for t in TOPICS if t.available] + ["models"]
    port = _free_port()
    steps = []
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "modules.txt"
        proc = start_server(port, ENV, str(out))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                for path in paths:
                    visit(page, f"http://127.0.0.1:{port}/{path}")
                    steps.append((path or "home", status_mb(proc.pid, "VmRSS"), status_mb(proc.pid, "RssAnon"),
                                  dump_modules(proc, out)))
                browser.close()
        finally:
            stop(proc)
    result = {}
    for name, rss, anon, modules in steps:
        b = bare(modules)
        result[name] = {"rss_mb": round(rss), "anon_mb": round(anon), "bare_rss_mb": round(b["rss_mb"]),
                        "bare_anon_mb": round(b["anon_mb"]), "app_mb": round(rss - b["rss_mb"]),
                        "app_anon_mb": round(anon - b["anon_mb"])}
    return result


def server_rss_mb() -> dict:
    """Server RSS after one visit to every page, beside a bare process importing the same libraries."""
    steps = visit_every_page()
    last = list(steps.values())[-1]
    return {"value": last["rss_mb"], "unit": "MB", "baseline": last["bare_rss_mb"],
            "app_owned_mb": last["app_mb"], "anon_mb": last["anon_mb"], "app_owned_anon_mb": last["app_anon_mb"],
            "after_every_page": steps}


def server_app_owned_mb() -> dict:
    """The app's own RSS after every page (target <= 250 MB), beside its own after the home page."""
    steps = visit_every_page()
    return {"value": list(steps.values())[-1]["app_mb"], "unit": "MB", "baseline": steps["home"]["app_mb"],
            "target": 250}


def server_app_anon_mb() -> dict:
    """The app's own anonymous memory after every page (target <= 200 MB), beside the home page's."""
    steps = visit_every_page()
    return {"value": list(steps.values())[-1]["app_anon_mb"], "unit": "MB", "baseline": steps["home"]["app_anon_mb"],
            "target": 200}


BENCHMARKS = {"server_rss_mb": server_rss_mb, "server_app_owned_mb": server_app_owned_mb,
              "server_app_anon_mb": server_app_anon_mb}
