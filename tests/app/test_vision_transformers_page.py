"""The Vision transformers page: every tab renders offline (bundled ViT/MAE/masked LM, packaged
MiniLM), with a ShapesWorld picture and with an uploaded photo; the controls change the results."""
import pytest

from tests.app.helpers import charts, page

PAGE = "app_pages/vision_transformers/page.py"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def at():
    return page(PAGE).run()


def test_every_tab_renders_offline(at):
    assert not at.exception, at.exception
    assert not at.warning, [w.value for w in at.warning]
    assert not at.error, [e.value for e in at.error]
    assert [t.label for t in at.tabs] == ["ViT", "MAE", "Swin", "BERT pre-training"]
    text = " ".join(c.value for c in at.caption)
    assert "Offline: a small ViT" in text and "Offline: a small MAE" in text and "Offline: a small BERT" in text
    assert "no masked-LM or NSP head" in text  # MiniLM, said plainly
    labels = [m.label for m in at.metric]
    assert "Encoder tokens" in labels and "Encoder FLOPs (FlopCounterMode)" in labels
    enc = next(m for m in at.metric if m.label == "Encoder tokens")
    assert enc.value == "17 of 65"  # 75% of 64 patches hidden by default
    assert len(charts(at)) >= 10
    assert len(at.image) >= 8


def test_uploaded_photo_and_controls(at):
    from core.vision.samples import sample_png_bytes

    at.radio(key="vit_kind").set_value("Photo or upload").run()
    at.radio(key="vit_mode").set_value("Upload").run()
    at.get("file_uploader")[0].set_value(("cat.png", sample_png_bytes("chelsea"), "image/png"))
    at.run()
    assert not at.exception and not at.error
    at.segmented_control(key="vit_patch").set_value(32).run()
    at.select_slider(key="mae_ratio").set_value(0.5).run()
    assert next(m for m in at.metric if m.label == "Encoder tokens").value == "33 of 65"
    at.radio(key="mae_how").set_value("Paint them").run()  # AppTest cannot paint: the page waits for paint
    assert any("Nothing painted yet" in i.value for i in at.info)
    assert not any(m.label == "Encoder tokens" for m in at.metric)
    import app_pages.parts.canvas as canvas_part  # without the canvas component, a list of patches stands in

    real = canvas_part._component
    canvas_part._component = lambda: (None, "test: no component")
    try:
        at.run()
        assert any("Drawing is not available" in i.value for i in at.info)
        assert next(m for m in at.metric if m.label == "Encoder tokens").value == "49 of 65"  # the centre 4 x 4 hidden
    finally:
        canvas_part._component = real
    at.select_slider(key="swin_m").set_value(7).run()
    at.text_area(key="bert_text").set_value("The dog sat on the rug. The dog barks. Snow is cold.").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    canvas_part._component = lambda: (None, "test: no component")
    try:
        at.run()
        at.multiselect(key="mae_pick").set_value(list(range(64))).run()  # everything hidden: a message
    finally:
        canvas_part._component = real
    assert any("at least one patch" in w.value for w in at.warning)


def test_bert_default_shows_the_recipe_and_a_long_text_is_cut():
    at = page(PAGE).run()
    table = next(d.value for d in at.dataframe if "chosen as" in d.value.index)
    chosen = [a for a in table.loc["chosen as"] if a]
    assert len(chosen) >= 4 and len(set(chosen)) >= 2, chosen  # several chosen, more than one outcome
    text = " ".join(c.value for c in at.caption)
    assert "Over 2000 draws" in text and "cannot show 80/10/10" in text
    long = ("The cat sat on the mat and looked out of the window at the birds in the garden, while the dog slept by "
            "the fire and Tom read a long book about ships, trains and planes that went all the way around the world. "
            "The dog barks.")
    at.text_area(key="bert_text").set_value(long).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    notes = " ".join(i.value for i in at.info)
    assert "at most **48 tokens**" in notes and "Masked LM" in notes and "Next-sentence pairs" in notes
    assert any("P(IsNext)" in d.value.columns for d in at.dataframe)


def test_a_one_pixel_upload_is_said_to_be_blown_up():
    import io

    import numpy as np
    from PIL import Image

    at = page(PAGE).run()
    at.radio(key="vit_kind").set_value("Photo or upload").run()
    at.radio(key="vit_mode").set_value("Upload").run()
    buf = io.BytesIO()
    Image.fromarray(np.full((1, 1, 3), 200, np.uint8)).save(buf, format="PNG")
    at.get("file_uploader")[0].set_value(("tiny.png", buf.getvalue(), "image/png")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    notes = [i.value for i in at.info]
    assert any("Your picture is 1 × 1 px" in n and "blown up" in n for n in notes), notes


def test_swin_tab_opens_on_the_picture_with_shifted_window_attention(at):
    import json
    import re

    assert at.radio(key="swin_blk").value == 1 and at.slider(key="swin_win").value == 15  # shifted, last window
    text = " ".join(c.value for c in at.caption)
    assert "Weights: the bundled small Swin trained on ShapesWorld" in text
    leak = float(re.search(r"only the roll brought next to it: \*\*([0-9.e+-]+)\*\*", text).group(1))
    assert leak < 1e-6  # the mask keeps the far side of the picture out
    specs = [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in charts(at)]
    assert any("x3 (8×8)" in s and "stage 1, channel 0 (16×16)" in s for s in specs)
    assert any("Query 0's weights, window 15 (4×4, after the roll)" in s for s in specs)
    caps = " ".join(i.caption for im in at.image for i in im.proto.imgs)
    assert "16 windows of 4×4 patches" in caps and "window 15 tinted" in caps
