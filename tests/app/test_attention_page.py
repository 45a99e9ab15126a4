"""The Attention lab page: typed prompt, mask toggled, temperature changed, bad inputs, encoder."""
from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "attention" / "page.py")


def charts(at):
    return at.get("vega_lite_chart")


def fresh():
    at = AppTest.from_file(PAGE, default_timeout=180)
    at.run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    return at


def greedy_label(at) -> str:
    return next(b.label for b in at.button if b.key == "attn_greedy")


@pytest.mark.slow
def test_prompt_mask_temperature_and_append():
    at = fresh()
    assert len(charts(at)) >= 10  # heatmaps, small multiples, model view, rollout, bars
    assert "gpt-tiny" in " ".join(c.value for c in at.caption)  # which weights: the source badge
    # the greedy button shows the model's own argmax for the typed prompt
    from core.text.lm.load import load_causal_lm

    model, tok, _ = load_causal_lm("gpt-tiny", "offline")
    prompt = "The dog sat on the"
    with torch.no_grad():
        want = tok.decode([int(model(**tok(prompt, return_tensors="pt")).logits[0, -1].argmax())])
    at.text_area(key="att_prompt").input(prompt).run(timeout=180)
    assert not at.exception
    from core.viz.attention import readable

    assert greedy_label(at) == f"Append greedy “{readable(want)}”"  # a leading space shown as ␣
    n_before = len(charts(at))
    at.toggle(key="att_mask").set_value(False).run(timeout=180)
    assert not at.exception
    assert len(charts(at)) == n_before  # the mask tab compares both runs either way
    assert any("Without it every token sees the future" in m.value for m in at.markdown)
    at.slider(key="att_temp").set_value(0.0).run(timeout=180)
    assert not at.exception
    assert any("T = 0: **0.00 bits**" in c.value for c in at.caption)  # T=0: one-hot
    at.toggle(key="att_ablate").set_value(True).run(timeout=180)
    assert not at.exception
    assert len(at.metric) == 1 and float(at.metric[0].value) >= 0  # KL of the ablated head
    at.toggle(key="att_mask").set_value(True).run(timeout=180)
    at.button(key="attn_greedy").click().run(timeout=180)
    assert not at.exception
    assert at.text_area(key="att_prompt").value == prompt + want


@pytest.mark.slow
def test_default_views_show_their_contrast():
    """Issue 24: each tab opens on its effect, not on a control to switch on."""
    import re

    at = fresh()
    md = " ".join(m.value for m in at.markdown)
    leak = re.search(r"on average \*\*(\d+)%\*\* of a row's attention lands on later tokens", md)
    assert leak and int(leak.group(1)) > 0  # masked vs unmasked side by side, a non-zero leak share
    ent = re.search(r"T = 0.3: \*\*([\d.]+) bits\*\* · T = 1: \*\*([\d.]+) bits\*\* · T = 2: \*\*([\d.]+) bits",
                    " ".join(c.value for c in at.caption))
    assert ent and len({ent.group(1), ent.group(2), ent.group(3)}) == 3  # three different entropies
    assert "Remove one head at a time" in md and "the most important here is **layer" in md
    assert any(any(c.startswith("without L") for c in d.value.columns) for d in at.dataframe)  # its removal applied
    cost = " ".join(c.value for c in at.caption)
    assert "overtakes the MLP at **T ≈ 512** tokens" in cost and "beyond this model's context" in cost
    assert "more directions fit within 90° ± 20°" in cost
    at.select_slider(key="att_dir_eps").set_value(5).run(timeout=180)
    assert any("The trade-off: with ε = 5°" in i.value for i in at.info)


@pytest.mark.slow
def test_empty_and_too_long_prompts_give_messages():
    at = fresh()
    at.text_area(key="att_prompt").input("   ").run(timeout=180)
    assert not at.exception
    assert any("empty" in i.value for i in at.info)
    at.text_area(key="att_prompt").input("The cat sat on the mat. " * 80).run(timeout=180)
    assert not at.exception
    assert any("truncated" in w.value for w in at.warning)
    assert len(charts(at)) >= 10


@pytest.mark.slow
def test_encoder_has_no_mask_and_explains_why():
    at = fresh()
    at.selectbox(key="att_model").set_value("minilm").run(timeout=180)
    assert not at.exception
    assert at.toggle(key="att_mask").disabled
    assert any("encoder" in i.value.lower() and "mask" in i.value for i in at.info)
    assert len(charts(at)) >= 8


@pytest.mark.slow
def test_typed_hub_id_offline_gives_a_message():
    at = fresh()
    at.selectbox(key="att_model").set_value("other").run(timeout=180)
    assert not at.exception and any("model id" in i.value for i in at.info)
    at.text_input(key="att_hf_id").input("someone/not-cached-model").run(timeout=180)
    assert not at.exception
    assert any("not cached" in w.value for w in at.warning)
    at.text_input(key="att_hf_id").input("bad id!").run(timeout=180)
    assert any("not a Hugging Face model id" in w.value for w in at.warning)


@pytest.mark.slow
def test_cost_directions_superposition_and_readable_tables():
    at = fresh()
    assert not at.exception, at.exception
    specs = " ".join(str(c.proto) for c in charts(at))
    assert "memory (MB)" in specs and "GFLOPs" in specs and "MLP neurons" in specs and "exactly orthogonal" in specs
    analogy = next(d.value for d in at.dataframe if "king − man + woman ≈" in d.value.columns)
    assert analogy.iloc[0, 0] == "queen"
    at.select_slider(key="att_dir_eps").set_value(30).run(timeout=180)
    at.radio(key="att_dir_source").set_value("the loaded model's token embeddings").run(timeout=180)
    assert not at.exception and not at.warning
    at.toggle(key="att_mask").set_value(False).run(timeout=180)
    diff = next(d.value for d in at.dataframe if "P (with mask)" in d.value.columns)
    assert len(set(diff.columns)) == len(diff.columns) and not any("Ġ" in t for t in diff["without mask"])
    assert any("layer 0" in str(c.proto) and "head 0" in str(c.proto) and "KL (bits)" in str(c.proto) for c in charts(at))
