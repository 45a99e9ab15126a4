"""Shared test setup: offline, deterministic, the shared YOLOX weights in the ONNX cache."""
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("KEYPOINT_OFFLINE", "1")
_shared = ROOT.parent / "shared" / "weights"
if _shared.is_dir():
    os.environ.setdefault("KEYPOINT_ONNX_DIR", str(_shared))

from core.threads import configure_threads  # noqa: E402

configure_threads()  # once, explicitly, for the whole suite (as app.py does for the server)
