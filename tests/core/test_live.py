"""core.live.LiveRun: ticks, pause, stop, a switch mid-run, one thread advancing at a time."""
import threading
from dataclasses import dataclass

from core.live import LiveRun


@dataclass
class Cfg:
    method: str = "a"
    steps: int = 10


def counting(cfg: Cfg, gate: threading.Event | None = None):
    for step in range(1, cfg.steps + 1):
        if gate is not None:
            gate.wait()
        yield (step, cfg.method)


def test_ticks_switch_pause_stop():
    cfg = Cfg()
    run = LiveRun(counting(cfg), cfg)
    assert run.advance(max_events=2) and [s for s, _ in run.history] == [1, 2]
    run.update(method="b")
    run.advance(max_events=1)
    assert run.history[-1] == (3, "b")  # the loop read the switched setting at its next step
    run.pause()
    assert not run.advance(max_events=5) and len(run.history) == 3
    run.resume()
    run.advance(until=lambda e: e[0] == 5, max_events=100)
    assert run.history[-1][0] == 5
    run.stop()
    assert run.over and not run.advance() and len(run.history) == 5


def test_finishes_and_reports_failures():
    cfg = Cfg(steps=3)
    run = LiveRun(counting(cfg), cfg)
    run.advance(max_events=10)
    assert run.state == "finished" and len(run.history) == 3

    def broken():
        yield 1
        raise RuntimeError("boom")

    run = LiveRun(broken())
    run.advance(max_events=5)
    assert run.state == "failed" and run.error == "RuntimeError: boom" and run.history == [1]


def test_one_thread_advances_at_a_time():
    gate = threading.Event()
    cfg = Cfg(steps=3)
    run = LiveRun(counting(cfg, gate), cfg)
    first = threading.Thread(target=run.advance)
    first.start()
    while not run._lock.locked():
        pass
    assert run.advance() is False  # a second tick while the first is still inside the step only redraws
    gate.set()
    first.join()
    assert len(run.history) == 1


def test_update_refuses_unknown_fields():
    run = LiveRun(iter(()), Cfg())
    try:
        run.update(methd="x")
    except AttributeError as e:
        assert "methd" in str(e)
    else:
        raise AssertionError("a typo must not pass silently")


def test_last_step_is_the_latest_engine_event_for_a_progress_bar():
    import torch

    from core.learn.engine import FitConfig, fit

    w = torch.nn.Parameter(torch.ones(2))
    run = LiveRun(fit(FitConfig(steps=5, lr=0.1), torch.optim.SGD([w], lr=0.1), lambda s: (w ** 2).sum()))
    assert run.last_step() is None
    run.advance(max_events=2)
    ev = run.last_step()
    assert (ev.step, ev.total) == (2, 5) and 0.4 <= ev.progress < 1.0
    run.advance(max_events=10)
    assert run.state == "finished" and run.last_step().step == 5 and run.last_step().progress == 1.0
