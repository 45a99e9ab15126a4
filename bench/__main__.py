"""Run every benchmark, or only the named ones, and print one JSON object per line:
{"name", "value", "unit", "baseline", "ratio"}.

Each module bench/bench_<topic>.py defines BENCHMARKS = {name: fn}; fn() returns a dict
with value, unit and baseline (measured side by side in the same run); ratio is added here.
"""
from __future__ import annotations

import importlib
import json
import os
import pkgutil
import sys
import traceback

import bench as _bench_pkg
from core.catalog import ROOT

# As in the tests: the team's shared YOLOX weights stand in for the ONNX cache when they are there.
if (ROOT.parent / "shared" / "weights").is_dir():
    os.environ.setdefault("KEYPOINT_ONNX_DIR", str(ROOT.parent / "shared" / "weights"))


def discover() -> dict:
    found = {}
    for info in sorted(pkgutil.iter_modules(_bench_pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("bench_"):
            module = importlib.import_module(f"bench.{info.name}")
            found.update(getattr(module, "BENCHMARKS", {}))
    return found


def main(argv: list[str]) -> int:
    benches = discover()
    wanted = argv or list(benches)
    unknown = [n for n in wanted if n not in benches]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; known: {sorted(benches)}", file=sys.stderr)
        return 2
    failed = 0
    for name in wanted:
        try:
            r = benches[name]()
            base = r.get("baseline")
            ratio = r["value"] / base if base else None
            print(json.dumps({"name": name, "value": round(r["value"], 4), "unit": r["unit"],
                              "baseline": None if base is None else round(base, 4),
                              "ratio": None if ratio is None else round(ratio, 3),
                              **{k: v for k, v in r.items() if k not in {"value", "unit", "baseline"}}}),
                  flush=True)
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            failed += 1
            print(json.dumps({"name": name, "error": traceback.format_exc(limit=3)}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
