"""Every page restores from a link, and a hostile link gives the defaults, one notice and no exception.

Per page: a link with non-default values sets the widgets and changes the picture; the sidebar's
link to the view carries them and follows a widget change; a hostile query string (unknown keys,
out-of-range and non-finite numbers, a 100 kB value, script text, repeated keys, a model id not on
the card list) draws exactly the default picture, says so once, and raises nothing.
(The browser's own URL is kept by Streamlit's frontend: tests/e2e/test_links_browser.py checks it.)
"""
from dataclasses import dataclass, field

import pytest

from tests.links.helpers import link, notices, open_link, picture


@dataclass
class Case:
    page: str
    params: dict  # a link with non-default values
    expect: dict  # what those widgets then hold
    change: tuple  # (key, widget value to set afterwards, how it reads in the link)
    hostile: dict = field(default_factory=dict)  # this page's own bad values (on top of HOSTILE)


HOSTILE = {"bogus": "1", "seed": "1e400", "src": "<script>alert(1)</script>", "__proto__": "x",
           "a b": "c", "zz_" + "k" * 60: "1"}

CASES = [
    Case("attention", {"att_tab": "Mask & temperature", "att_temp": "0.2"},
         {"att_tab": "Mask & temperature", "att_temp": 0.2}, ("att_temp", 0.5, "att_temp=0.5"),
         {"att_model": "evil/any-hub-model", "att_temp": "inf", "att_prompt": "x" * 100_000, "att_hf_id": "evil/m"}),
    Case("decoding", {"dec_k": "1"}, {"dec_k": 1}, ("dec_k", 8, "dec_k=8"),
         {"dec_model": "evil/any-hub-model", "dec_k": "99", "dec_text": "<script>alert(1)</script>" * 500}),
    Case("sequence-models", {"seq_ng_n": "1"}, {"seq_ng_n": 1}, ("seq_ng_n", 2, "seq_ng_n=2"),
         {"seq_ng_n": ["1", "2"], "seq_tab": "No such tab"}),
    # a control with labels travels by its label, as Streamlit writes it
    Case("cnns", {"cnn_arch": "LeNet-5 (the notes' form)"}, {"cnn_arch": "teaching:lenet5"},
         ("cnn_arch", "teaching:vgg11", "cnn_arch=VGG-11"), {"cnn_arch": "torch.hub:evil", "cnn_tab": "-1"}),
    Case("detection", {"det_sample": "chelsea: Chelsea the cat"}, {"det_sample": "chelsea"},
         ("det_sample", "coffee", "det_sample=coffee"),
         {"det_model": "evil/detr", "det_score": "nan", "det_sample": "../../etc/passwd"}),
    Case("detector-internals", {"int_seed": "5"}, {"int_seed": 5}, ("int_seed", 6, "int_seed=6"),
         {"int_seed": "-inf", "int_tab": "<img src=x onerror=alert(1)>", "int_nms_iou": "7"}),
    Case("vision-transformers", {"vit_patch": "8"}, {"vit_patch": 8}, ("vit_patch", 32, "vit_patch=32"),
         {"vit_patch": "7", "mae_ratio": "1e308", "vit_tab": "x" * 5000}),
    Case("linear-regression", {"lin_noise": "2.0", "lin_tab": "Projection"}, {"lin_noise": 2.0, "lin_tab": "Projection"},
         ("lin_noise", 1.0, "lin_noise=1"), {"lin_noise": "-3", "lin_n": "0x10", "lin_pj_a1": ["1", "2"]}),
    Case("semi-supervised", {"ssl_stac_tau": "0.5"}, {"ssl_stac_tau": 0.5}, ("ssl_stac_tau", 0.9, "ssl_stac_tau=0.9"),
         {"ssl_stac_tau": "99", "ssl_tab": "<b>x</b>"}),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.page for c in CASES])
def test_a_link_restores_the_view_and_a_hostile_one_is_harmless(case: Case):
    default = open_link(case.page)
    assert not default.exception, default.exception
    assert link(default).endswith(f"/{case.page}"), link(default)  # nothing changed: the bare page

    linked = open_link(case.page, case.params)
    assert not linked.exception, linked.exception
    for key, want in case.expect.items():
        assert linked.session_state[key] == want, key
    assert picture(linked) != picture(default), "the link's values did not change the picture"
    assert not notices(linked)
    for key in case.params:
        assert f"{key}=" in link(linked), link(linked)

    key, value, spelt = case.change  # a widget change shows in the link at once
    linked.get_by_key(key).set_value(value).run()
    assert not linked.exception
    assert spelt in link(linked), link(linked)

    hostile = open_link(case.page, {**HOSTILE, **case.hostile})
    assert not hostile.exception, hostile.exception
    assert picture(hostile) == picture(default), "a hostile link must give the default view"
    said = notices(hostile)
    assert said.count("This link asked for settings") == 1, said
    for bad in ("bogus", "seed", "src", *case.hostile):
        if bad != "att_hf_id":
            assert f"`{bad}" in said, (bad, said)
    assert "<script>" not in said and "x" * 100 not in said
    assert link(hostile).endswith(f"/{case.page}"), link(hostile)
    hostile.run()  # says so once: one notice, kept while the view is the link's, gone with the first change
    assert notices(hostile).count("This link asked") == 1
    hostile.get_by_key(key).set_value(value).run()
    assert "This link asked" not in notices(hostile)
