"""A real `streamlit run` server on a free port, and headless Debian Chromium driven by Playwright."""
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("KEYPOINT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _require_browser():
    """Skip locally when the browser is missing; in CI (KEYPOINT_REQUIRE_E2E=1) fail instead."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(CHROMIUM)
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright")
    if missing:
        msg = f"browser tests need {missing}"
        if os.environ.get("KEYPOINT_REQUIRE_E2E") == "1":
            pytest.fail(msg)
        pytest.skip(msg)


def start_server(log_name: str = "e2e_server.log") -> tuple[subprocess.Popen, str]:
    """A fresh `streamlit run app.py` on a free port, offline; returns (process, base url) once healthy."""
    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "KEYPOINT_OFFLINE": "1"}
    (ROOT / "artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "artifacts" / log_name, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log = log  # closed by stop_server
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=1).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.3)
    stop_server(proc)
    pytest.fail("streamlit server did not come up in 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    proc.log.close()


@pytest.fixture(scope="session")
def server():
    _require_browser()
    proc, url = start_server()
    yield url
    stop_server(proc)


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots_dir():
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def wait_until_idle(page, timeout_s: float = 240.0) -> None:
    """Wait for the app shell, then until the script has stopped running for a moment.
    Streamlit marks the app root with data-test-script-state = initial | running | notRunning."""
    page.wait_for_selector("[data-testid=stApp]", timeout=60_000)
    deadline = time.time() + timeout_s
    quiet_since = None
    while time.time() < deadline:
        state = page.get_attribute("[data-testid=stApp]", "data-test-script-state")
        if state != "notRunning":
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.time()
        elif time.time() - quiet_since > 1.5:
            return
        time.sleep(0.25)
    raise AssertionError("the page was still running after %.0f s" % timeout_s)
