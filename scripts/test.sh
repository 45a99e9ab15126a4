#!/usr/bin/env bash
# Set up and run every test layer: core, app (AppTest) and e2e (Streamlit + headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements-dev.txt
if ! command -v chromium >/dev/null 2>&1; then
  echo "note: Debian's chromium is missing; the browser tests will skip (install: apt-get install -y chromium)"
fi
export HF_HUB_OFFLINE=1 KEYPOINT_OFFLINE=1
python -m pytest -q --durations=15 "$@"
