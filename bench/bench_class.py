"""A class of thirty on one server (issue 25): `python -m bench class_30_sessions`.

One `streamlit run app.py` on 127.0.0.1 (offline, bundled weights), one headless Chromium, 30
browser contexts (one per student, so 30 Streamlit sessions). Each student opens a page, waits for
it, then changes a widget (a slider, a tab, or starts a training run) and waits for the rerun to
finish; pages are mixed as a class would (every topic, two training runs). Bounded: at most 30 clients, each step under a time limit, all on this machine.

Reported, measured in the same run: errors (sessions with an exception/error box, or that never
finished), p50 / p95 seconds from a widget change to the finished rerun against one lone student
doing the same on the same pages first, the server's peak RSS while the class works, and its RSS
60 s after every tab has closed against its RSS before the class arrived.
"""
from __future__ import annotations

import asyncio
import os
import statistics
import threading
import time

from bench.bench_memory import ENV, start_server, status_mb, stop

N_STUDENTS = int(os.environ.get("KEYPOINT_CLASS_N", "30"))  # fewer for a quick check of the bench itself
STEP_TIMEOUT_S = 300  # a page or rerun slower than this counts as an error
# (page path, what the student does): ("slider", key) moves that slider one step with the keyboard;
# ("tab", label) opens a tab; ("train", tab label or None) opens the tab and presses its start button.
MIX = [("attention", ("tab", "Mask & temperature")), ("decoding", ("slider", "dec_k")),
       ("detection", ("slider", "det_score")), ("cnns", ("tab", "Blocks")),
       ("linear-regression", ("slider", "lin_noise")), ("sequence-models", ("tab", "Perplexity, every model")),
       ("cnns", ("train", "Live training")), ("detector-internals", ("tab", "Non-maximum suppression")),
       ("vision-transformers", ("tab", "Swin")), ("semi-supervised", ("train", None))]


async def wait_idle(page, timeout_s: float = STEP_TIMEOUT_S, quiet_s: float = 1.0, must_run: bool = False) -> float:
    """Seconds until the script stopped running (not counting the quiet check that confirms it).
    must_run: the script has to be seen running first (opening a page always runs it; on a busy
    server the first run can start seconds after the page shell is there)."""
    t0 = time.perf_counter()
    done_at = None
    seen_running = False
    while time.perf_counter() - t0 < timeout_s:
        state = await page.get_attribute("[data-testid=stApp]", "data-test-script-state")
        now = time.perf_counter()
        if state != "notRunning":
            done_at = None
            seen_running = seen_running or state == "running"
        elif done_at is None:
            done_at = now
        elif now - done_at >= (quiet_s if seen_running or not must_run else 10 * quiet_s):
            return done_at - t0
        await asyncio.sleep(0.1)
    raise TimeoutError(f"still running after {timeout_s:.0f} s")


async def page_ok(page) -> bool:
    return (await page.locator("[data-testid=stException]").count() == 0
            and await page.locator("[data-testid=stAlertContentError]").count() == 0)


async def act(page, what: tuple) -> None:
    kind, arg = what
    if kind in ("tab", "train") and arg:
        await page.locator("[data-testid=stMain] [data-testid=stTab]", has_text=arg).first.click(timeout=60_000)
        if kind == "train":
            await wait_idle(page)
    if kind == "train":
        await page.get_by_role("button", name="Start training").first.click(timeout=60_000)
    elif kind == "slider":
        await page.locator(f".st-key-{arg} input").first.focus(timeout=60_000)  # 1.67: input[type=range]
        await page.keyboard.press("ArrowRight")


async def student(browser, url: str, path: str, what: str, result: dict) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = await ctx.new_page()
        await page.goto(f"{url}/{path}", timeout=STEP_TIMEOUT_S * 1000)
        await page.wait_for_selector("[data-testid=stApp]", timeout=STEP_TIMEOUT_S * 1000)
        result["open_s"] = await wait_idle(page, must_run=True)
        t0 = time.perf_counter()
        await act(page, what)
        await asyncio.sleep(0.3)  # the rerun starts
        if what[0] == "train":  # the run ticks in a fragment: wait for its progress bar, noting any queue message
            result["queued"] = False
            while time.perf_counter() - t0 < STEP_TIMEOUT_S:
                if await page.get_by_text("waiting for a free slot").count():
                    result["queued"] = True
                if await page.locator("[data-testid=stMain] [data-testid=stProgress]").count():
                    break
                await asyncio.sleep(0.2)
            else:
                raise TimeoutError("the training run never showed progress")
            result["rerun_s"] = time.perf_counter() - t0
        else:
            result["rerun_s"] = 0.3 + await wait_idle(page, must_run=True)
        result["ok"] = await page_ok(page)
    except Exception as e:  # noqa: BLE001 - a student who never got there is an error, not a crash
        result["ok"] = False
        result["error"] = f"{type(e).__name__}: {str(e)[:120]}"
    finally:
        await ctx.close()


async def run_class(url: str, n: int, rss_probe) -> tuple[list[dict], list[dict]]:
    from playwright.async_api import async_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        lone = []
        for path, what in MIX:  # one student alone, every page of the mix: the baseline
            r = {"page": path, "what": what}
            await student(browser, url, path, what, r)
            lone.append(r)
        rss_probe("before")
        class_ = [{"page": MIX[i % len(MIX)][0], "what": MIX[i % len(MIX)][1]} for i in range(n)]
        await asyncio.gather(*(student(browser, url, r["page"], r["what"], r) for r in class_))
        await browser.close()
    return lone, class_


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def class_30_sessions() -> dict:
    from tests.e2e.conftest import _free_port

    port = _free_port()
    proc = start_server(port, ENV)
    peak = [0.0]
    marks: dict[str, float] = {}
    watching = threading.Event()

    def watch():  # the server's RSS every 0.2 s while the class works
        while not watching.is_set():
            try:
                peak[0] = max(peak[0], status_mb(proc.pid, "VmRSS"))
            except (OSError, IndexError):
                return
            time.sleep(0.2)

    def probe(name: str) -> None:
        marks[name] = status_mb(proc.pid, "VmRSS")

    url = f"http://127.0.0.1:{port}"
    watcher = threading.Thread(target=watch, daemon=True)
    try:
        import urllib.request

        for _ in range(300):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
        watcher.start()
        t0 = time.perf_counter()
        lone, class_ = asyncio.run(run_class(url, N_STUDENTS, probe))
        wall = time.perf_counter() - t0
        time.sleep(60)  # every tab closed; the server's session TTL passes
        probe("after_60s")
    finally:
        watching.set()
        stop(proc)
    errors = [r for r in class_ if not r.get("ok")]
    sliders = [r["rerun_s"] for r in class_ if r.get("ok") and r["what"][0] != "train"]
    lone_sliders = [r["rerun_s"] for r in lone if r.get("ok") and r["what"][0] != "train"]
    p50, p95 = pct(sliders, 50), pct(sliders, 95)
    lone_p50, lone_p95 = pct(lone_sliders, 50), pct(lone_sliders, 95)
    return {"value": len(errors), "unit": "errors", "baseline": 0, "sessions": N_STUDENTS,
            "p50_rerun_s": round(p50, 2), "p95_rerun_s": round(p95, 2),
            "lone_p50_rerun_s": round(lone_p50, 2), "lone_p95_rerun_s": round(lone_p95, 2),
            "p95_vs_lone": round(p95 / lone_p95, 2) if lone_p95 else None,
            "peak_rss_mb": round(peak[0]), "rss_before_mb": round(marks.get("before", 0)),
            "rss_after_60s_mb": round(marks.get("after_60s", 0)),
            "rss_back_pct": round(100 * (marks["after_60s"] - marks["before"]) / marks["before"], 1)
            if marks.get("before") else None,
            "queued_training_runs": sum(bool(r.get("queued")) for r in class_),
            "wall_s": round(wall), "lone_errors": [r.get("error") for r in lone if not r.get("ok")],
            "error_detail": [f"{r['page']}/{r['what'][0]}: {r.get('error', 'error box')}" for r in errors][:10],
            "per_page_p50_s": {p: round(statistics.median([r["rerun_s"] for r in class_ if r["page"] == p
                                                          and r.get("ok") and "rerun_s" in r] or [float("nan")]), 2)
                               for p in sorted({m[0] for m in MIX})}}


BENCHMARKS = {"class_30_sessions": class_30_sessions}
