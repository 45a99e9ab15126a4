"""Classroom-scale reliability (issue 17): loader memory, dead-network fallback, per-rerun growth,
eight sessions at once, abandoned sessions.

Baselines, measured in the same run where one exists: the previous image loader (from git, commit
LOADER_BASELINE_COMMIT) on the same file; the probe's own timeout; a lone session.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "KEYPOINT_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
LOADER_BASELINE_COMMIT = "0dbafbe"  # the loader before issue 17 (float64 stretch, full-size copies)


def image_loader_peak_mb_7000px_16bit() -> dict:
    from tests.core.test_reliability_images import PEAK_SCRIPT, loader_peak_mb, write_16bit_7000

    with tempfile.TemporaryDirectory() as d:
        path = write_16bit_7000(Path(d) / "big16.png")
        new = loader_peak_mb(path)
        old_src = subprocess.run(["git", "show", f"{LOADER_BASELINE_COMMIT}:core/vision/image.py"], cwd=ROOT,
                                 capture_output=True, text=True, check=True).stdout
        pkg = Path(d) / "oldloader" / "core" / "vision"
        pkg.mkdir(parents=True)
        for p in (pkg.parent / "__init__.py", pkg / "__init__.py"):
            p.write_text("")
        (pkg / "image.py").write_text(old_src)
        out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, str(path)], cwd=pkg.parent.parent,
                             capture_output=True, text=True, timeout=300)
        old = json.loads(out.stdout.strip().splitlines()[-1])
    return {"value": round(new["peak_mb"], 1), "unit": "MB", "baseline": round(old["peak_mb"], 1),
            "seconds": round(new["s"], 2), "baseline_seconds": round(old["s"], 2)}


def offline_fallback_s() -> dict:
    """A pretrained card in `auto` mode while the hub accepts connections and never answers:
    seconds until it resolves to its local fallback (first time; later ones are instant)."""
    from core.zoo import ModelCard, Source, network, resolve

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    held: list = []
    threading.Thread(target=lambda: held.append(srv.accept()[0]), daemon=True).start()
    saved = {k: os.environ.pop(k) for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "KEYPOINT_OFFLINE")
             if k in os.environ}
    old_host = network._PROBE_HOST
    try:
        network._PROBE_HOST = srv.getsockname()
        network._reset_for_tests()
        card = ModelCard(name="b", family="B", task="t", license="-",
                         sources=(Source("pretrained", "hf", "nobody/never-cached-model"),
                                  Source("bundled", "assets", "requirements.txt")))
        t0 = time.perf_counter()
        res = resolve(card, "auto")
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        resolve(card, "auto")
        again = time.perf_counter() - t0
        assert res.source.kind == "bundled"
    finally:
        network._PROBE_HOST = old_host
        network._reset_for_tests()
        os.environ.update(saved)
        srv.close()
    return {"value": round(first, 2), "unit": "s", "baseline": 2.0, "again_s": round(again, 4)}


RERUN_SCRIPT = r"""
import json, sys, os
sys.path.insert(0, ".")
import core.runtime
from streamlit.testing.v1 import AppTest
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
page, key, n, warm = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
at = AppTest.from_file(page, default_timeout=240).run()
widget = lambda: (at.text_input(key=key) if any(w.key == key for w in at.text_input) else at.text_area(key=key))
base = None
for i in range(n + warm):
    widget().set_value(f"the {i}th of March {1900 + i % 120}" if "dec" in key else f"The cat number {i} sat on the mat").run()
    assert not at.exception, at.exception
    if i == warm - 1:
        base = rss()
print(json.dumps({"base_mb": base, "end_mb": rss()}))
"""


def rss_growth_pct_200_reruns() -> dict:
    """200 reruns with a changing text input, after 20 warm-up reruns: process RSS growth (AppTest
    in one process, the same script runner a server uses). Decoding page; the attention page too
    with KEYPOINT_BENCH_ATTENTION=1 (about 1 s a rerun here)."""
    pages = [("app_pages/decoding/page.py", "dec_text")]
    if os.environ.get("KEYPOINT_BENCH_ATTENTION") == "1":
        pages.append(("app_pages/attention/page.py", "attn_prompt"))
    out = {}
    for page, key in pages:
        r = subprocess.run([sys.executable, "-c", RERUN_SCRIPT, page, key, "200", "20"], cwd=ROOT, env=ENV,
                           capture_output=True, text=True, timeout=1800)
        assert r.returncode == 0, r.stderr[-2000:]
        m = json.loads(r.stdout.strip().splitlines()[-1])
        out[Path(page).stem] = round(100 * (m["end_mb"] - m["base_mb"]) / m["base_mb"], 2)
    worst = max(out.values())
    return {"value": worst, "unit": "%", "baseline": 5.0, "per_page": out}


def _server(env_extra: dict | None = None):
    from tests.e2e.conftest import _free_port

    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.headless", "true", "--server.address", "127.0.0.1"],
                            cwd=ROOT, env={**ENV, **(env_extra or {})}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    import urllib.request

    for _ in range(300):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.2)
    return proc, f"http://127.0.0.1:{port}"


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    return int(Path(f"/proc/{pid}/status").read_text().split(f"{field}:")[1].split()[0]) / 1024


def _page_ok(page) -> bool:
    """No exception box and no error alert on the page."""
    return page.locator("[data-testid=stException]").count() == 0 and \
        page.locator("[data-testid=stAlertContentError]").count() == 0


def concurrent_sessions_ok() -> dict:
    """Eight browser sessions open the Attention page of one server at once and wait for it:
    how many finish with no exception or error box (baseline: 8). Also the wall time, against a
    lone session's."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, wait_until_idle

    proc, url = _server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            lone = browser.new_context().new_page()
            t0 = time.perf_counter()
            lone.goto(url + "/attention", timeout=120_000)
            wait_until_idle(lone)
            lone_s = time.perf_counter() - t0
            pages = [browser.new_context().new_page() for _ in range(8)]
            t0 = time.perf_counter()
            for pg in pages:
                pg.goto(url + "/attention", timeout=120_000, wait_until="commit")
            ok = 0
            for pg in pages:
                try:
                    wait_until_idle(pg, timeout_s=600)
                    ok += _page_ok(pg)
                except Exception:  # noqa: BLE001 - a session that never finished counts as failed
                    pass
            wall = time.perf_counter() - t0
            peak = rss_mb(proc.pid)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return {"value": ok, "unit": "sessions", "baseline": 8, "wall_s_8": round(wall, 1),
            "wall_s_lone": round(lone_s, 1), "server_rss_mb_after": round(peak)}


def abandoned_sessions_rss_pct() -> dict:
    """20 sessions open the Semi-supervised page, start its classification run and close the tab;
    after server.disconnectedSessionTTL (+15 s) the server's RSS against its RSS after one such
    session (the baseline, 0 %)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, wait_until_idle

    proc, url = _server()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

            def session():
                ctx = browser.new_context()
                pg = ctx.new_page()
                pg.goto(url + "/semi-supervised", timeout=120_000)
                wait_until_idle(pg)
                pg.get_by_role("button", name="Start training").first.click(timeout=120_000)
                time.sleep(3)
                ctx.close()

            session()
            time.sleep(45)
            base = rss_mb(proc.pid)
            for _ in range(20):
                session()
            during = rss_mb(proc.pid)
            time.sleep(45)  # TTL 30 s (.streamlit/config.toml) + the runtime's cleanup pass
            after = rss_mb(proc.pid)
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)
    return {"value": round(100 * (after - base) / base, 1), "unit": "%", "baseline": 10.0,
            "base_mb": round(base), "with_20_runs_mb": round(during), "after_ttl_mb": round(after)}


BENCHMARKS = {
    "image_loader_peak_mb_7000px_16bit": image_loader_peak_mb_7000px_16bit,
    "offline_fallback_s": offline_fallback_s,
    "rss_growth_pct_200_reruns": rss_growth_pct_200_reruns,
    "concurrent_sessions_ok": concurrent_sessions_ok,
    "abandoned_sessions_rss_pct": abandoned_sessions_rss_pct,
}
