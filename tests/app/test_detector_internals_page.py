from tests.app.helpers import charts, page


def test_every_tab_renders_with_real_candidates():
    at = page("app_pages/detector_internals.py").run()
    assert not at.exception
    assert not at.warning, [w.value for w in at.warning]  # YOLOX resolves (shared weights in the ONNX cache)
    assert len(at.image) == 3  # NMS overlay, anchors, the ShapesWorld image
    assert "nms_step" in [s.key for s in at.slider]  # several NMS steps to replay on the default image
    assert len(charts(at)) >= 5
    labels = [m.label for m in at.metric]
    assert labels[:2] == ["IoU = intersection / union", "GIoU = IoU − (hull − union) / hull"]


def test_controls_change_the_results():
    at = page("app_pages/detector_internals.py").run()
    iou_before = at.metric[0].value
    at.slider(key="iou_dx").set_value(-60).run()
    assert at.metric[0].value != iou_before
    at.slider(key="nms_iou").set_value(0.9).run()
    at.slider(key="nms_step").set_value(1).run()
    at.slider(key="roi_x").set_value((5.0, 5.2)).run()  # a box too thin: a message, not a crash
    assert any("half a cell" in i.value for i in at.info)
    at.slider(key="hm_pred").set_value(3).run()
    at.multiselect(key="anc_sizes").set_value([]).run()
    assert not at.exception
