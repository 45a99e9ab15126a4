#!/usr/bin/env bash
# Run the tests.
#   bash scripts/test.sh          the whole suite: core, app (AppTest) and e2e (Streamlit + headless Chromium); CI runs this
#   bash scripts/test.sh --fast   the developer loop: core and AppTest without the `slow` and `e2e` marks (about 2 minutes)
# Any other arguments go to pytest (e.g. `bash scripts/test.sh --fast -k attention`).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -r requirements-dev.txt
export HF_HUB_OFFLINE=1 KEYPOINT_OFFLINE=1
if [[ "${1:-}" == "--fast" ]]; then
  shift
  python -m pytest -q --durations=10 -m "not slow and not e2e" tests/core tests/app "$@"
  exit
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "note: Debian's chromium is missing; the browser tests will skip (install: apt-get install -y chromium)"
fi
python -m pytest -q --durations=15 "$@"
