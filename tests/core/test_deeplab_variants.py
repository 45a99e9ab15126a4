"""DeepLab v1 -> v2 -> v3 -> v3+ as one config switch on one backbone: each variant has the head
its paper describes (and not the next one's), and the bundled v3+ weights still load."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from torch import nn

from core.vision.image import normalise
from core.vision.shapes.models.deeplab import ASPP, VARIANTS, ASPPv2, DeepLab, DeepLabConfig
from core.vision.shapes.train import weight_paths

BACKBONE = ("stem", "low", "mid", "atrous")


def build(variant: str) -> DeepLab:
    torch.manual_seed(0)
    return DeepLab(DeepLabConfig(variant=variant)).eval()


def stride8_scores(m: DeepLab, x: torch.Tensor) -> torch.Tensor:
    """The head's class scores before the final upsampling, written out per variant from the paper's recipe."""
    feat = m.atrous(m.mid(m.low(m.stem(normalise(x)))))                # [N, w, H/8, W/8]
    if m.cfg.variant == "v1":
        return m.classifier(m.head(feat))
    if m.cfg.variant == "v2":  # one class-score map per rate, summed
        return sum(branch(feat) for branch in m.aspp.branches)
    return m.classifier(m.aspp(feat))                                  # v3


def kinds(m: nn.Module) -> set[type]:
    return {type(x) for x in m.modules()}


def test_v1_is_the_atrous_backbone_and_a_classifier_without_any_pyramid():
    m = build("v1")
    assert not hasattr(m, "aspp") and not hasattr(m, "decoder") and not hasattr(m, "reduce")
    assert not kinds(m) & {ASPP, ASPPv2, nn.AdaptiveAvgPool2d}


def test_v2_sums_one_class_score_map_per_rate_without_image_pooling_or_batchnorm():
    m = build("v2")
    assert isinstance(m.aspp, ASPPv2) and not hasattr(m, "decoder") and not hasattr(m, "reduce")
    assert len(m.aspp.branches) == len(m.cfg.aspp_rates)
    assert [b[0].dilation for b in m.aspp.branches] == [(r, r) for r in m.cfg.aspp_rates]
    assert all(b[-1].out_channels == m.cfg.num_classes for b in m.aspp.branches)  # each branch ends in class scores
    assert not kinds(m.aspp) & {nn.AdaptiveAvgPool2d, nn.BatchNorm2d}


def test_v3_has_aspp_with_image_pooling_and_batchnorm_but_no_decoder():
    m = build("v3")
    assert isinstance(m.aspp, ASPP) and not hasattr(m, "decoder") and not hasattr(m, "reduce")
    assert nn.AdaptiveAvgPool2d in kinds(m.aspp) and nn.BatchNorm2d in kinds(m.aspp)
    assert m.classifier.in_channels == m.cfg.aspp_channels  # classifies the ASPP output directly


def test_v3plus_adds_the_decoder_and_keeps_the_bundled_keys():
    m = build("v3+")
    assert isinstance(m.aspp, ASPP) and hasattr(m, "decoder") and hasattr(m, "reduce")
    bundled = load_file(str(weight_paths("deeplab")[0]))
    assert set(bundled) == set(m.state_dict())  # the bundled v3+ loads strictly
    m.load_state_dict(bundled)


@pytest.mark.parametrize("variant", ["v1", "v2", "v3"])
def test_without_a_decoder_the_picture_is_the_stride_8_scores_upsampled(variant):
    m = build(variant)
    x = torch.rand(2, 3, 64, 96)
    with torch.no_grad():
        coarse = stride8_scores(m, x)
        assert coarse.shape == (2, m.cfg.num_classes, 8, 12)
        torch.testing.assert_close(m(x), F.interpolate(coarse, size=(64, 96), mode="bilinear", align_corners=False))


def test_every_variant_shares_one_backbone_and_differs_in_its_head():
    models = {v: build(v) for v in VARIANTS}
    shapes = {v: {k: t.shape for k, t in m.state_dict().items() if k.split(".")[0] in BACKBONE}
              for v, m in models.items()}
    assert all(s == shapes["v3+"] for s in shapes.values())
    heads = {v: frozenset(k for k in m.state_dict() if k.split(".")[0] not in BACKBONE) for v, m in models.items()}
    assert len(set(heads.values())) == 4
    x = torch.rand(1, 3, 128, 128)
    with torch.no_grad():
        assert all(m(x).shape == (1, 6, 128, 128) for m in models.values())


def test_an_unknown_variant_is_refused():
    with pytest.raises(ValueError, match="v3\\+"):
        DeepLab(DeepLabConfig(variant="v4"))


def test_boundary_f1_against_hand_cases():
    from core.vision.shapes.evaluate import boundary_f1

    gt = np.zeros((20, 20), np.int64)
    gt[5:15, 5:15] = 1
    assert boundary_f1(gt, gt) == 1.0
    assert boundary_f1(np.roll(gt, 1, axis=1), gt, tolerance=1) == 1.0  # one pixel off: inside the tolerance
    assert boundary_f1(np.roll(gt, 4, axis=1), gt, tolerance=1) < 0.7
    assert boundary_f1(np.zeros_like(gt), gt) == 0.0  # no predicted boundary at all


# ---- the bundled variants: each trained by the same command, scored on the 200 held-out images ----

# held-out mIoU (200 images, seed 777) each bundle must keep: a little under the value measured after training
FLOORS = {"deeplab_v1": 0.72, "deeplab_v2": 0.63, "deeplab_v3": 0.67, "deeplab": 0.81}  # measured 0.742, 0.650, 0.691, 0.838


@pytest.mark.slow
@pytest.mark.parametrize("family", FLOORS)
def test_each_bundled_variant_reaches_its_held_out_miou_floor(family):
    from core.vision.shapes.models.registry import get_family
    from core.vision.shapes.train import score
    from core.vision.shapes.weights import load_shapes_model
    from core.zoo.record import from_card

    m = load_shapes_model(family)
    rec = from_card(m.card)
    assert rec.command == f"python -m core.vision.shapes.train {family} --steps 680 --minutes 1000"
    assert rec.steps == 680 and rec.wall_time_s > 0 and rec.metric == "miou" and rec.n_held_out == 200
    got = score(get_family(family), m.model)
    assert got["miou"] >= FLOORS[family], (family, got["miou"])
    assert got["miou"] == pytest.approx(rec.value, abs=0.005)  # the card says what these weights do
    assert got["boundary_f1"] == pytest.approx(rec.held_out["boundary_f1"], abs=0.005)


def test_the_cards_say_the_decoder_sharpens_boundaries():
    """The tab's claim, from the committed cards: v3+ (decoder) draws truer edges than v3 (same ASPP, no decoder)."""
    from core.zoo.record import read_record

    held = {f: read_record(weight_paths(f)[1]).held_out for f in FLOORS}
    assert held["deeplab"]["boundary_f1"] > held["deeplab_v3"]["boundary_f1"]
    assert held["deeplab"]["miou"] > held["deeplab_v1"]["miou"]
