"""CNNs page (one AppTest carried through the tests, in order): every tab renders with defaults; the explorer switches networks and sizes; feature maps
on a ShapesWorld image, a sample photo, an upload and a corrupt upload; a live run starts and stops."""
import io

import numpy as np
import pytest
from PIL import Image

from tests.app.helpers import charts, page

PAGE = "app_pages/cnns/page.py"


def _run(at):
    at.run(timeout=240)
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def at():
    return _run(page(PAGE))


def _image_captions(at) -> list[str]:
    return [img.caption for el in at.get("image") for img in el.proto.imgs]


def _text(at) -> str:
    return " ".join([c.value for c in at.caption] + [m.value for m in at.markdown])


def test_every_tab_renders_with_defaults(at):
    assert at.title[0].value == "CNNs"
    assert [t.label for t in at.tabs] == ["Architectures", "Blocks", "Feature maps & Grad-CAM", "Live training"]
    assert not at.error and not at.warning
    assert len(charts(at)) >= 5  # layer chart, family chart, two block charts, top-5
    caps = _image_captions(at)
    assert len(caps) == 3 and caps[0].startswith("input (truth: ")
    truth = caps[0].split("truth: ")[1].rstrip(")")
    assert f"Grad-CAM for '{truth}'" in caps[1]  # the default image is one the bundled network gets right
    assert "each 8 x 8" in caps[2]  # the last residual block's map, not the pooled 1 x 1
    text = _text(at)
    assert "FlopCounterMode" in text and "bundled" in text and "ShapesWorld" in text
    assert at.metric[0].value == "11,689,512"  # ResNet-18 in the notes' form
    assert "Press **Start training**" in " ".join(i.value for i in at.info)


def test_explorer_switches_network_and_size(at):
    at.selectbox(key="cnn_arch").set_value("torchvision:densenet121")
    _run(at)
    assert at.metric[0].value == "7,978,856"
    at.selectbox(key="cnn_arch").set_value("teaching:vgg11")
    at.select_slider(key="cnn_arch_size").set_value(32)
    _run(at)
    assert at.metric[0].value != "132,863,336"  # the first FC layer shrinks with the input
    at.select_slider(key="cnn_arch_size").set_value(224)
    _run(at)
    assert at.metric[0].value == "132,863,336"


def test_feature_maps_on_shapes_photo_upload_and_a_corrupt_file(at):
    at.slider(key="cnn_fm_idx").set_value(3)
    at.selectbox(key="cnn_fm_class").set_value("star")
    _run(at)
    assert any("Grad-CAM for 'star'" in c for c in _image_captions(at))
    at.radio(key="cnn_fm_src").set_value("Photo, upload or camera")
    _run(at)
    assert not at.warning
    at.radio(key="cnn_fm_mode").set_value("Upload")
    _run(at)
    img = np.zeros((90, 120, 3), np.uint8)
    img[20:70, 30:80] = (230, 120, 40)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    at.file_uploader(key="cnn_fm_upload").set_value(("mine.png", buf.getvalue(), "image/png"))
    _run(at)
    assert not at.warning and any("Grad-CAM" in c for c in _image_captions(at))
    at.file_uploader(key="cnn_fm_upload").set_value(("broken.png", b"\x89PNG\r\n\x1a\nnot an image", "image/png"))
    _run(at)
    assert any("broken" in w.value for w in at.warning)
    at.selectbox(key="cnn_fm_net").set_value("cnn-lenet5-digits")  # digits only: no photo upload, a digit panel
    _run(at)
    assert any("digits" in c.value for c in at.caption) and not any(u.key == "cnn_fm_upload" for u in at.get("file_uploader"))


@pytest.mark.slow
def test_blocks_slider_and_live_run_start_and_stop(at):
    at.slider(key="cnn_dense_layers").set_value(6)
    _run(at)
    assert any("after dense layer 6" in str(df.value) for df in at.dataframe)
    at.slider(key="cnn_live_steps").set_value(500)
    at.button(key="cnn_live_start").click()
    _run(at)
    _run(at)  # AppTest does not tick fragments: each run is one tick
    assert any(c.value.startswith("Step ") for c in at.caption)
    assert len(charts(at)) >= 8
    at.button(key="cnn_live_stop").click()
    _run(at)
    assert "(stopped)" in " ".join(c.value for c in at.caption) or "(finished)" in " ".join(c.value for c in at.caption)


def test_a_one_pixel_upload_names_the_file_and_the_step():
    at = _run(page(PAGE))
    at.radio(key="cnn_fm_src").set_value("Photo, upload or camera")
    _run(at)
    at.radio(key="cnn_fm_mode").set_value("Upload")
    _run(at)
    buf = io.BytesIO()
    Image.fromarray(np.full((1, 1, 3), 200, np.uint8)).save(buf, format="PNG")
    at.file_uploader(key="cnn_fm_upload").set_value(("tiny.png", buf.getvalue(), "image/png"))
    _run(at)
    msgs = [w.value for w in at.warning]
    assert any("Preparing **tiny" in m and "1 x 1 pixels" in m for m in msgs), msgs
    assert not any("Loading the network" in m for m in msgs) and not at.exception and not at.error


def test_the_digits_lenet_reads_a_digit_never_a_shape():
    at = _run(page(PAGE))
    at.selectbox(key="cnn_fm_net").set_value("cnn-lenet5-digits")
    _run(at)
    assert not any(r.key == "cnn_fm_src" for r in at.radio)  # no ShapesWorld choice for the digits network
    caps = _image_captions(at)
    assert any("what the network sees" in c for c in caps)
    assert sum(c.startswith("layer ") for c in caps) == 8  # every spatial layer's maps
    read = next(m for m in at.metric if m.label == "LeNet reads")
    from core.vision.draw.digit import held_out_digits

    assert read.value == str(held_out_digits()[1][0])  # the default: held-out digit #0, read right
    assert "Held-out accuracy on the card: **95.7%**" in _text(at)
    at.button(key="cnn_digit_clear").click()
    _run(at)
    assert any("Nothing drawn yet" in i.value for i in at.info)
    at.button(key="cnn_digit_try").click()
    _run(at)
    assert any(m.label == "LeNet reads" for m in at.metric)
