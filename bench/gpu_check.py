"""`python -m bench.gpu_check`: the core function of every page on CUDA and on CPU, the same result
within tolerance, and the speed ratio. Prints one JSON object per check:
{"name", "page", "max_abs_diff", "tol", "equal", "cpu_ms", "cuda_ms", "speedup"}.

Each device runs in its own process (`KEYPOINT_DEVICE=cuda|cpu`: core.runtime.device() picks it up,
every loader moves its model there), offline on the bundled weights, the same seeds and inputs.
With no CUDA device it prints one line saying so and exits 0: nothing is guessed. `--cpu-only` runs
the CPU half alone (to check the script itself on a machine without a GPU). Not covered: linear
regression (NumPy, no device) and the semi-supervised loops (their own bench, bench_ssl.py).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 5  # timed calls after one warm-up; the best is kept


def _np(x):
    import numpy as np
    import torch

    if isinstance(x, torch.Tensor):
        return x.detach().float().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


# ---- one function per page: returns (the page's core call as a zero-argument function, how to read its
# result as one array, tolerance). Models load outside the timed call, as the page caches them.

def attention():
    from core.text.attention import view as lab
    from core.text.lm.load import load_model

    model, tok, _ = load_model("gpt-tiny", "offline")
    return (lambda: lab.analyze(model, tok, "The cat sat on the mat because it was", lab.LabConfig(ablate=True)),
            lambda r: _np(r.trace.weights).ravel(), 1e-4)


def decoding():
    from core.text.decoding.search import DecodeConfig, beam_search
    from core.text.decoding.seq2seq_model import load_translator, make_stepper

    model, tok, _ = load_translator("seq2seq-dates", "offline")
    return (lambda: beam_search(make_stepper(model, tok, "the 3rd of March 1999"), DecodeConfig(num_beams=4)),
            lambda r: _np([h.score for h in r.hypotheses]), 1e-3)


def _scene():
    from core.vision.shapes.generator import generate

    return generate(1, seed=3)[0].image


def detection():
    from core.vision import detect

    model = detect.load_model("ssdlite320", "offline")  # offline: its bundled ShapesWorld stand-in
    image = _scene()
    return (lambda: detect.predict(model, image),
            lambda r: _np(r.scores[:20]), 1e-3)


def cnns():
    import torch

    from core.runtime import device
    from core.vision.cnn.classifiers import load_classifier
    from core.vision.cnn.looks import look, spatial_layers

    clf, _ = load_classifier("cnn-resnet18", "offline")
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, clf.in_ch, clf.size, clf.size, generator=g).to(device())
    layer = spatial_layers(clf.model, (clf.in_ch, clf.size, clf.size))[-1]
    return lambda: look(clf.model, x, layer), lambda r: _np(r.probs), 1e-4


def vision_transformers():
    from core.vision.vit.load import load_vit
    from core.vision.vit.vit_view import vit_view

    model, processor, _ = load_vit("offline")
    image = _scene()
    return lambda: vit_view(model, processor, image), lambda r: _np(r.cls_attention).ravel(), 1e-4


def sequence_models():
    from core.text.rnn import char_lm
    from core.text.lm.corpus import CorpusConfig, generate

    text = " ".join(generate(CorpusConfig(n_docs=200, seed=0)))
    cfg = char_lm.CharLMConfig(kind="lstm", hidden=64, steps=20)
    return (lambda: list(char_lm.train_char_lm(text, cfg, 0)),
            lambda r: _np([e.loss for e in r[:-1]]), 2e-3)


CHECKS = {"attention": attention, "decoding": decoding, "detection": detection, "cnns": cnns,
          "vision_transformers": vision_transformers, "sequence_models": sequence_models}


def worker(out: str) -> None:
    """Run every check on this process's device; save the arrays and best times."""
    import numpy as np
    import torch

    from core.runtime import device, set_threads

    set_threads()
    results = {}
    for name, make in CHECKS.items():
        try:
            call, read, tol = make()
            value = read(call())  # warm-up (CUDA kernels, caches)
            best = float("inf")
            for _ in range(REPEATS):
                if device().type == "cuda":
                    torch.cuda.synchronize()
                t0 = time.perf_counter()
                call()
                if device().type == "cuda":
                    torch.cuda.synchronize()
                best = min(best, time.perf_counter() - t0)
            results[name] = {"value": np.asarray(value).tolist(), "ms": best * 1000, "tol": tol}
        except Exception as e:  # noqa: BLE001 - one failing check is reported, the others still run
            results[name] = {"error": f"{type(e).__name__}: {str(e)[:200]}"}
    Path(out).write_text(json.dumps({"device": str(device()), "results": results}))


def run_on(dev: str) -> dict:
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "out.json"
        env = {**os.environ, "KEYPOINT_DEVICE": dev, "KEYPOINT_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}
        r = subprocess.run([sys.executable, "-m", "bench.gpu_check", "--worker", str(out)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            raise RuntimeError(f"{dev} worker failed: {r.stderr[-1500:]}")
        return json.loads(out.read_text())


def main() -> int:
    import numpy as np
    import torch

    devices = ["cpu"] if "--cpu-only" in sys.argv else ["cuda", "cpu"]
    if "cuda" in devices and not torch.cuda.is_available():
        print(json.dumps({"name": "gpu_check", "skipped": "no CUDA device on this machine "
                          f"(torch {torch.__version__}, cuda build {torch.version.cuda}); nothing measured"}))
        return 0
    runs = {dev: run_on(dev) for dev in devices}
    failed = 0
    for name in CHECKS:
        row = {"name": f"gpu_check_{name}", "page": name}
        got = {dev: runs[dev]["results"][name] for dev in devices}
        errors = {dev: g["error"] for dev, g in got.items() if "error" in g}
        if errors:
            row["error"] = errors
            failed += 1
        else:
            cpu = got["cpu"]
            row["cpu_ms"] = round(cpu["ms"], 2)
            row["tol"] = cpu["tol"]
            if "cuda" in got:
                a, b = np.asarray(got["cuda"]["value"]), np.asarray(cpu["value"])
                diff = float(np.max(np.abs(a - b))) if a.shape == b.shape and a.size else float("inf")
                row.update(max_abs_diff=diff, equal=diff <= cpu["tol"], cuda_ms=round(got["cuda"]["ms"], 2),
                           speedup=round(cpu["ms"] / got["cuda"]["ms"], 2))
                failed += not row["equal"]
        print(json.dumps(row), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        worker(sys.argv[2])
        sys.exit(0)
    sys.exit(main())
