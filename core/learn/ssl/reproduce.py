"""The reproduction study: does Soft Teacher (+ box jittering) beat supervised training when labels are few?

    python -m core.learn.ssl.reproduce --smoke   # seconds: the pipeline end to end (CI); writes to artifacts/
    nohup nice -n 5 python -m core.learn.ssl.reproduce > artifacts/ssl_study.log &   # the study (~3 h, one core)
    # or one process per core, then a last pass (skips every finished run) that writes the whole summary:
    python -m core.learn.ssl.reproduce --fractions 0.01 & python -m core.learn.ssl.reproduce --fractions 0.05; wait
    python -m core.learn.ssl.reproduce

Design (issue 26). ShapesWorld at 96 px (the lesson's detector at 3/4 size, a lighter head: fewer
proposals and samples), 1000 training images per seed. For each labeled fraction (1% = 10 images,
5% = 50) and each seed s (its own image pool and labeled split, as the paper's 5 folds): a supervised
burn-in on the labeled images, then every method trains the same number of steps from that burn-in
with the same seed: supervised only, STAC, Mean Teacher (E2E + EMA), Soft Teacher + box jittering.
E2E methods are scored by their teacher, as Soft Teacher's released configs do. Every run is scored
on one fixed held-out set (generated once from its own seed, never trained on) of two disjoint
halves A and B: the learning curve on A every `eval_every` steps, the final score on A and on B,
so the evaluation noise (the same model on two held-out sets) is measured, not assumed.
Claims are judged on paired differences (core.learn.ssl.claims).

The arithmetic (measured here, 2-core machine, one torch thread, 96 px, batch 4 + 4):
    steps/s on an idle core: burn-in 17, supervised 14.6, Soft Teacher + jitter 6.4, Mean Teacher 6.9,
    STAC 4.9 (+ 4 s pseudo-labelling 500 images); mAP of one model on 100 images 0.7 s.
    Niced (nice 5) beside seven helpers' jobs (load 8-11) the same job ran ~3.5x slower: burn-in 5.5,
    supervised 2.5, Soft Teacher 1.75 steps/s (pilot, 03:40 UTC).
    One (fraction, seed) of the main claim under that load: burn-in 600 / 5.5 = 110 s + supervised
    400 / 2.5 = 160 s + Soft Teacher 400 / 1.75 = 230 s = 500 s; x 2 fractions x 5 seeds = 83 min.
    STAC (400 / 1.4 = 290 s a run) and Mean Teacher (400 / 1.9 = 210 s) add 5 x 500 s = 42 min a
    fraction: the grid (40 runs) is ~170 min at that load, ~60 min on an idle core. The grid runs in
    priority order (see grid()) and everything finished by the deadline is committed; the page says
    how many runs of the plan are done.

Resumable: every finished run is appended to assets/ssl/reproduce.jsonl (with its learning curve);
a rerun with the same StudyConfig skips what is there; assets/ssl/reproduce.json (the summary the
page reads: command, wall time, machine, runs, claims, evaluation noise) is rewritten after each run.
Every random draw comes from generators seeded per run (torch.Generator for batches, views and the
detector's samplers; init from torch_rng through init_tiny_rcnn), so a run gives the same numbers alone or beside others.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from core.learn.ssl import claims, detector, stac
from core.learn.ssl import detect as sd
from core.learn.ssl.burn_in import BurnInConfig, train_supervised
from core.learn.ssl.det_data import DetSplit
from core.runtime import device, numpy_rng, torch_rng
from core.vision.coco import coco_map

ROOT = Path(__file__).resolve().parents[3]
RESULTS = ROOT / "assets" / "ssl" / "reproduce.json"
# (name on the page, loop, box jittering)
METHODS = {"supervised": ("supervised", False), "STAC": ("stac", False),
           "Mean Teacher (E2E + EMA)": ("mean_teacher", False), "Soft Teacher + jitter": ("soft_teacher", True)}


@dataclass
class StudyConfig:
    fractions: tuple = (0.01, 0.05)   # labeled share of the pool: 1% = 10 images, 5% = 50
    seeds: int = 5                    # paired seeds per claim (each its own pool and split)
    size: int = 96                    # image side (the lesson's 128 at 3/4: ~2x faster steps)
    n_pool: int = 1000                # training images per seed (labeled + unlabeled)
    n_eval: int = 100                 # held-out images in each half (A: curve + final, B: final only)
    eval_seed: int = 1_000_003        # the held-out images' own seed: never a training pool
    burn_in_steps: int = 600          # supervised burn-in (lr 0.02, cosine), shared by every method
    steps: int = 800                  # steps of each method after the burn-in (400 left Soft Teacher rising)
    schedule: str = "cosine"          # the methods' lr: cosine from lr to 0 over `steps`, every method alike
                                      # (the released configs drop it 10x twice before the end), so
                                      # each curve ends converged under its schedule
    batch: int = 4                    # labeled and unlabeled images a step
    lr: float = 0.002                 # SGD after the burn-in, every method alike (the lesson's; a pilot at
                                      # 0.01 collapsed Soft Teacher's student to 0.04 mAP in 300 steps)
    ema: float = 0.99                 # teacher momentum (half-life ~70 steps)
    eval_every: int = 50              # steps between curve points
    stac_pool: int = 500              # unlabeled images STAC pseudo-labels once
    box_head: int = 128               # lighter head than the lesson's 256
    proposals: int = 150              # RPN proposals while training (lesson: 300)

    def key(self) -> str:
        """Fingerprint of what decides a run's numbers (not which fractions/seeds are in the grid)."""
        d = {k: v for k, v in asdict(self).items() if k not in ("fractions", "seeds")}
        return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:10]


SMOKE = StudyConfig(fractions=(0.05,), seeds=2, size=64, n_pool=40, n_eval=3, burn_in_steps=2, steps=2, batch=2,
                    eval_every=1, stac_pool=4)


# ----------------------------------------------------------------------------- data and model
def _images(n: int, seed: int, size: int) -> DetSplit:
    from core.vision.shapes.generator import ShapesConfig, generate, to_torch_targets

    imgs, tg = to_torch_targets(generate(n, seed, ShapesConfig(size=size)))
    return DetSplit(imgs.to(device()), [{k: v.to(device()) for k, v in t.items()} for t in tg])


def eval_halves(cfg: StudyConfig) -> tuple[DetSplit, DetSplit]:
    """The fixed held-out set, two disjoint halves A and B (the same for every run)."""
    s = _images(2 * cfg.n_eval, cfg.eval_seed, cfg.size)
    n = cfg.n_eval
    return DetSplit(s.images[:n], s.targets[:n]), DetSplit(s.images[n:], s.targets[n:])


def pool(cfg: StudyConfig, fraction: float, seed: int) -> tuple[DetSplit, DetSplit]:
    """(labeled, unlabeled) of seed's own pool; the labeled sets are nested across fractions."""
    s = _images(cfg.n_pool, seed, cfg.size)
    order = numpy_rng(seed, "ssl-study-labeled").permutation(cfg.n_pool)
    k = max(1, round(fraction * cfg.n_pool))
    lab, unl = order[:k].tolist(), order[k:].tolist()
    return (DetSplit(s.images[lab], [s.targets[i] for i in lab]), DetSplit(s.images[unl], [s.targets[i] for i in unl]))


def study_detector(cfg: StudyConfig, seed: int):
    """The lesson's tiny Faster R-CNN scaled to cfg.size, with a lighter head; init from seed alone."""
    from core.vision.shapes.models.faster_rcnn import TinyRCNNConfig, init_tiny_rcnn

    s = cfg.size / 128
    rcnn = TinyRCNNConfig(anchor_sizes=tuple(round(a * s) for a in (16, 24, 32, 48)), channels=48,
                          box_head=cfg.box_head, proposals_train=cfg.proposals, proposals_test=50)
    m = init_tiny_rcnn(detector.build_detector(6, cfg.size, rcnn), torch_rng(seed, "ssl-study-init"))
    m.rpn.fg_bg_sampler.batch_size_per_image = 64        # few objects an image: fewer samples suffice
    m.roi_heads.fg_bg_sampler.batch_size_per_image = 32
    return m.to(device())


def burn_in_steps(cfg: StudyConfig, model, lab: DetSplit, seed: int):
    """The burn-in's training loop on `model` (in place): yields (step, losses)."""
    bc = BurnInConfig(steps=cfg.burn_in_steps, max_seconds=1e12, batch=cfg.batch, warmup=min(50, cfg.burn_in_steps))
    return train_supervised(model, lab, bc, seed)


def burn_in(cfg: StudyConfig, lab: DetSplit, seed: int, cache: Path | None = None):
    """The supervised start every method of this (fraction, seed) shares; cached on disk if asked."""
    from safetensors.torch import load_file, save_file

    model = study_detector(cfg, seed)
    if cache is not None and cache.exists():
        model.load_state_dict(load_file(str(cache)))
        return model.eval()
    for _ in burn_in_steps(cfg, model, lab, seed):
        pass
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}, str(cache))
    return model.eval()


# ----------------------------------------------------------------------------- one run
def run_method(cfg: StudyConfig, method: str, start, lab: DetSplit, unl: DetSplit, halves, seed: int):
    """Yield {"step", "map" (on half A, at curve points; else None), "elapsed_s"} every step, then the
    finished run's record {"record": {...}} last."""
    a, b = halves
    loop, jitter = METHODS[method]
    t0 = time.perf_counter()
    curve, ema_curve = [], []         # ema_curve: supervised only, its EMA twin (the EMA's share of a gain)
    final = ema_final = None
    if loop == "stac":
        sc = stac.STACConfig(steps=cfg.steps, eval_every=cfg.eval_every, n_eval=len(a.images),
                             pool=min(cfg.stac_pool, len(unl.images)), batch_labeled=cfg.batch,
                             batch_unlabeled=cfg.batch, lr=cfg.lr, schedule=cfg.schedule)
        for ev in stac.train(sc, start, (lab, unl, a), seed):
            final = ev.get("model", final)
            if ev["stage"] != "done":
                m = ev.get("student_map")
                if m is not None:
                    curve.append((ev["step"], m))
                yield {"step": ev["step"], "map": m, "elapsed_s": time.perf_counter() - t0}
    else:
        dc = sd.DetectConfig(method=loop, box_jitter=jitter, steps=cfg.steps, batch_labeled=cfg.batch,
                             batch_unlabeled=cfg.batch, lr=cfg.lr, schedule=cfg.schedule, ema=cfg.ema, eval_every=cfg.eval_every,
                             n_eval=len(a.images), n_show=0, n_quality=0)
        for ev in sd.train(dc, start, (lab, unl, a), seed):
            m = ev.student_map if loop == "supervised" else ev.teacher_map   # E2E: the teacher is the model
            if m is not None:
                curve.append((ev.step, m))
                if loop == "supervised":
                    ema_curve.append((ev.step, ev.teacher_map))
            if ev.models:
                final = ev.models["student" if loop == "supervised" else "teacher"]
                ema_final = ev.models["teacher"] if loop == "supervised" else None
            yield {"step": ev.step, "map": m, "elapsed_s": time.perf_counter() - t0}
    map_b = coco_map(detector.predict(final, b.images), b.targets)["map"]
    rec = {"method": method, "seed": seed, "map_a": curve[-1][1], "map_b": map_b, "map": (curve[-1][1] + map_b) / 2,
           "curve": [[int(s), float(m)] for s, m in curve]}
    if ema_final is not None:
        ema_b = coco_map(detector.predict(ema_final, b.images), b.targets)["map"]
        rec.update(map_ema=(ema_curve[-1][1] + ema_b) / 2, curve_ema=[[int(s), float(m)] for s, m in ema_curve])
    yield {"record": rec | {"wall_s": round(time.perf_counter() - t0, 1)}}


def live_run(cfg: StudyConfig, fraction: float, seed: int, method: str):
    """One seed of one method, as the study runs it, for a page to watch: yields {"stage": "burn-in",
    "step", "elapsed_s"} while the burn-in trains, then run_method's events with "stage": method."""
    t0 = time.perf_counter()
    halves = eval_halves(cfg)
    lab, unl = pool(cfg, fraction, seed)
    model = study_detector(cfg, seed)
    for step, _ in burn_in_steps(cfg, model, lab, seed):
        yield {"stage": "burn-in", "step": step, "elapsed_s": time.perf_counter() - t0}
    for ev in run_method(cfg, method, model.eval(), lab, unl, halves, seed):
        yield ev | {"stage": method, "elapsed_s": time.perf_counter() - t0}


# ----------------------------------------------------------------------------- the grid
def grid(cfg: StudyConfig) -> list[tuple[float, int, str]]:
    """(fraction, seed, method) in the order they run: the main claim (supervised and Soft Teacher, seed by
    seed) at the lowest fraction first, then the same at the next fraction, then STAC and Mean Teacher
    fraction by fraction; a study cut short has finished whole claims rather than halves of many."""
    out = []
    for f in cfg.fractions:
        out += [(f, s, m) for s in range(cfg.seeds) for m in ("supervised", "Soft Teacher + jitter")]
    for f in cfg.fractions:
        for m in ("STAC", "Mean Teacher (E2E + EMA)"):
            out += [(f, s, m) for s in range(cfg.seeds)]
    return out


def load_runs(jsonl: Path, cfg: StudyConfig) -> list[dict]:
    """Finished runs of this config (other configs' lines are kept in the file but not read)."""
    if not jsonl.exists():
        return []
    runs = [json.loads(line) for line in jsonl.read_text().splitlines() if line.strip()]
    return [r for r in runs if r.get("config_key") == cfg.key()]


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}, torch {torch.__version__}, {device()}"


def summarise(cfg: StudyConfig, runs: list[dict], command: str, started: str, wall_s: float) -> dict:
    """The summary the page reads: per (fraction, method) mean/std and curves, claims, evaluation noise."""
    rows = []
    for f in cfg.fractions:
        for m in METHODS:
            r = [x for x in runs if x["fraction"] == f and x["method"] == m]
            if r:
                maps = [x["map"] for x in r]
                rows.append({"fraction": f, "method": m, "n": len(r), "mean": statistics.fmean(maps),
                             "std": statistics.stdev(maps) if len(r) > 1 else 0.0,
                             "wall_s": statistics.fmean(x["wall_s"] for x in r),
                             "burn_in_map": statistics.fmean(x["burn_in_map"] for x in r)})
    halves = [x["map_a"] - x["map_b"] for x in runs]
    noise = {"pairs": len(halves), "sd_half": statistics.stdev(halves) / 2 ** 0.5 if len(halves) > 1 else None}
    if noise["sd_half"] is not None:  # a final score is the mean of two halves: its noise is sd_half / sqrt(2)
        noise["sd_final"] = noise["sd_half"] / 2 ** 0.5
    compute = sum(x["wall_s"] + x.get("burn_in_wall_s", 0.0) for x in runs)   # every run and burn-in, summed
    started = min([started] + [x["started_utc"] for x in runs if "started_utc" in x])
    return {"command": command, "started_utc": started, "total_wall_s": round(wall_s, 1),
            "compute_s": round(compute, 1), "finished_utc": max((x.get("finished_utc", "") for x in runs), default=""),
            "machine": machine(),
            "threads": torch.get_num_threads(), "config": asdict(cfg), "config_key": cfg.key(),
            "runs_done": len(runs), "runs_planned": len(grid(cfg)), "rows": rows, "runs": runs,
            "claims": {str(f): claims.judge(runs, f) for f in cfg.fractions},
            "eval_noise": noise, "paper_coco": {str(k): v for k, v in claims.PAPER.items()},
            "paper_source": claims.PAPER_SOURCE}


def run_study(cfg: StudyConfig, out: Path, command: str, cache_dir: Path | None, log=print) -> dict:
    """Run what is missing of the grid, appending each finished run; returns the summary."""
    jsonl = out.with_suffix(".jsonl")
    runs = load_runs(jsonl, cfg)
    done = {(r["fraction"], r["seed"], r["method"]) for r in runs}
    prev = json.loads(out.read_text()) if out.exists() else {}
    wall0 = prev.get("total_wall_s", 0.0) if prev.get("config_key") == cfg.key() else 0.0
    started = prev.get("started_utc") if wall0 else time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    t0 = time.perf_counter()
    halves = eval_halves(cfg)
    loaded: dict = {}
    summary = summarise(cfg, runs, command, started, wall0)
    for f, s, m in grid(cfg):
        if (f, s, m) in done:
            continue
        if (f, s) not in loaded:
            tb = time.perf_counter()
            lab, unl = pool(cfg, f, s)
            cache = None if cache_dir is None else cache_dir / f"burn_in_{cfg.key()}_{f}_{s}.safetensors"
            start = burn_in(cfg, lab, s, cache)
            burn_s = time.perf_counter() - tb
            base = coco_map(detector.predict(start, halves[0].images), halves[0].targets)["map"]
            loaded = {(f, s): (lab, unl, start, base, burn_s)}
            log(f"fraction {f:.0%} seed {s}: {len(lab.images)} labeled, burn-in mAP(A) {base:.3f} "
                f"({time.perf_counter() - tb:.0f} s)")
        lab, unl, start, base, burn_s = loaded[(f, s)]
        loaded[(f, s)] = (lab, unl, start, base, 0.0)     # the next method of this pair reuses the burn-in
        last, run_started = None, time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        for last in run_method(cfg, m, start, lab, unl, halves, s):
            pass
        rec = last["record"]
        rec.update(fraction=f, n_labeled=len(lab.images), burn_in_map=base, config_key=cfg.key(),
                   burn_in_wall_s=round(burn_s, 1), started_utc=run_started, finished_utc=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        with jsonl.open("a") as fh:
            fh.write(json.dumps(rec) + "\n")
        runs.append(rec)
        summary = summarise(cfg, runs, command, started, wall0 + time.perf_counter() - t0)
        out.write_text(json.dumps(summary, indent=1))
        log(f"  {m:26s} mAP {rec['map']:.4f} (A {rec['map_a']:.4f}, B {rec['map_b']:.4f})  {rec['wall_s']:.0f} s")
    out.write_text(json.dumps(summary, indent=1))  # also when every run was there (a last pass after --fractions)
    return summary


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny sizes: checks the pipeline, proves nothing")
    p.add_argument("--seeds", type=int, default=None, help="paired seeds (default: StudyConfig.seeds)")
    p.add_argument("--steps", type=int, default=None, help="steps of each method after the burn-in")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--fractions", type=float, nargs="+", default=None,
                   help="only these label fractions (e.g. one process per core; a last run without it summarises all)")
    p.add_argument("--out", type=Path, default=None, help="summary json (the jsonl of runs goes beside it)")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = SMOKE if args.smoke else StudyConfig()
    cfg = replace(cfg, **{k: v for k, v in (("seeds", args.seeds), ("steps", args.steps)) if v is not None})
    if args.fractions:
        cfg = replace(cfg, fractions=tuple(args.fractions))
    out = args.out or (ROOT / "artifacts" / "ssl_smoke" / "reproduce.json" if args.smoke else RESULTS)
    out.parent.mkdir(parents=True, exist_ok=True)
    command = "python -m core.learn.ssl.reproduce " + " ".join(sys.argv[1:] if argv is None else argv)
    cache = None if args.smoke else ROOT / "artifacts" / "ssl_study"
    summary = run_study(cfg, out, command.strip(), cache, log=lambda s: print(s, flush=True))
    for f, cs in summary["claims"].items():
        for c in cs:
            print(claims.sentence(c, float(f)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
