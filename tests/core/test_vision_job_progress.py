"""The vision pages' slow jobs report their own progress (issue 22.4): measuring the CNN family, counting the
Swin attention FLOPs, timing R-CNN against Fast R-CNN. Each moves from 0 to 1 in order, one step per unit of
work, with the real core functions the pages call, and reporting changes none of their results."""
import time

import numpy as np
import pytest

from tests.core.test_job_progress import Recorder


def test_measuring_the_cnn_family_reports_each_network():
    from core.vision.cnn.explore import family
    from core.vision.cnn.registry import TEACHING

    rec = Recorder()
    rows = family(on_progress=rec)
    assert rec.moved_from_0_to_1()
    assert rec.fractions == pytest.approx([i / len(TEACHING) for i in range(1, len(TEACHING) + 1)])
    assert [r["network"] for r in rows] == [s.title for s in TEACHING.values()]  # one row per network, in order
    assert rows == family()  # the same numbers without a callback


def test_swin_cost_table_reports_each_flop_count_it_runs():
    from core.vision.vit.swin import cost_table, measured_flops

    rec = Recorder()
    rows = cost_table([7, 14, 42], 96, 7, measure_up_to=28, on_progress=rec)  # 42: closed forms only
    assert rec.fractions == pytest.approx([0.25, 0.5, 0.75, 1.0])  # global + window, at sides 7 and 14
    by = {(r.side, r.kind.split()[0]): r.measured_macs for r in rows}
    assert by[14, "global"] == measured_flops(14, 14, 96, None) // 2 > 0
    assert by[14, "window"] == measured_flops(14, 14, 96, 7) // 2 > 0
    assert by[42, "global"] == by[42, "window"] == 0
    assert rows == cost_table([7, 14, 42], 96, 7, measure_up_to=28)


def test_rcnn_timing_reports_each_cnn_pass_and_does_not_time_the_report():
    import torch.nn.functional as F

    from core.vision.internals.rcnn import time_rcnn_vs_fast

    def backbone(x):  # [1, 3, H, W] -> {"0": [1, 3, H/4, W/4]}: a weightless stand-in for a CNN
        return {"0": F.avg_pool2d(x, 4)}

    image = np.arange(96 * 96 * 3, dtype=np.uint8).reshape(96, 96, 3)
    boxes = np.array([[0, 0, 40, 40], [10, 20, 60, 90], [50, 50, 95, 95], [5, 5, 30, 80]], np.float32)
    rec = Recorder()

    def slow_report(done, total):  # a bar that takes 0.2 s to draw must not count as R-CNN's time
        rec(done, total)
        time.sleep(0.2)

    t = time_rcnn_vs_fast(backbone, image, boxes, on_progress=slow_report)
    assert rec.fractions == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])  # 4 crops, then the whole image
    assert t.proposals == 4
    assert t.rcnn_ms < 4 * 200 / 2  # the 0.8 s of drawing is not in it
