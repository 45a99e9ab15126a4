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

import core.runtime  # noqa: E402,F401  (one thread count for the whole suite, as in the app)
