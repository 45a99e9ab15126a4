"""CNN chapter networks and blocks: parameter counts in closed form, torchvision's originals, the
1x1-conv / Linear identity, batch normalization written out against nn.BatchNorm2d."""
import pytest
import torch
from torch import nn

from core.vision.cnn import blocks, nets, opened
from core.vision.cnn.registry import SMALL, TEACHING, build, torchvision_model
from core.vision.cnn.table import on_meta


def n_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def conv(cin, cout, k, bias=True):
    return cout * cin * k * k + (cout if bias else 0)


def fc(cin, cout):
    return cin * cout + cout


def test_lenet5_closed_form():
    # conv 5x5 1->6, conv 5x5 6->16, FC 16*5*5->120->84->10
    assert n_params(nets.lenet5()) == conv(1, 6, 5) + conv(6, 16, 5) + fc(400, 120) + fc(120, 84) + fc(84, 10) == 61706


def test_vgg11_closed_form_and_fc_share():
    chans = [(3, 64), (64, 128), (128, 256), (256, 256), (256, 512), (512, 512), (512, 512), (512, 512)]
    convs = sum(conv(a, b, 3) for a, b in chans)
    fcs = fc(512 * 7 * 7, 4096) + fc(4096, 4096) + fc(4096, 1000)
    m = on_meta(lambda: nets.vgg())
    assert n_params(m) == convs + fcs
    assert fcs / (convs + fcs) > 0.9  # the notes' point: VGG's parameters sit in the FC layers


def test_alexnet_closed_form():
    convs = conv(3, 96, 11) + conv(96, 256, 5) + conv(256, 384, 3) + conv(384, 384, 3) + conv(384, 256, 3)
    assert n_params(on_meta(nets.alexnet)) == convs + fc(6400, 4096) + fc(4096, 4096) + fc(4096, 1000)


def test_inception_and_residual_and_dense_closed_form():
    inc = blocks.Inception(192, 64, (96, 128), (16, 32), 32)
    assert n_params(inc) == (conv(192, 64, 1) + conv(192, 96, 1) + conv(96, 128, 3) + conv(192, 16, 1)
                             + conv(16, 32, 5) + conv(192, 32, 1))
    same = blocks.Residual(64, 64)  # two 3x3 convs without bias, two BNs (gamma, beta), identity shortcut
    assert n_params(same) == 2 * conv(64, 64, 3, bias=False) + 2 * 2 * 64
    down = blocks.Residual(64, 128, stride=2)  # + the 1x1 shortcut and its BN
    assert n_params(down) == conv(64, 128, 3, False) + conv(128, 128, 3, False) + 2 * 2 * 128 + conv(64, 128, 1, False) + 2 * 128
    dense = blocks.DenseBlock(3, 64, 32, bn_size=4)
    expect = sum(2 * (64 + 32 * i) + conv(64 + 32 * i, 128, 1, False) + 2 * 128 + conv(128, 32, 3, False) for i in range(3))
    assert n_params(dense) == expect and dense.out_channels == 64 + 3 * 32
    assert n_params(on_meta(lambda: nets.nin(3, 10))) == (
        conv(3, 96, 11) + 2 * conv(96, 96, 1) + conv(96, 256, 5) + 2 * conv(256, 256, 1)
        + conv(256, 384, 3) + 2 * conv(384, 384, 1) + conv(384, 10, 3) + 2 * conv(10, 10, 1))


@pytest.mark.parametrize("name", ["vgg11", "resnet18", "densenet121"])
def test_equal_to_torchvision(name):
    ours = on_meta(lambda: build(name))
    ref = on_meta(lambda: torchvision_model(name))
    assert n_params(ours) == n_params(ref)
    assert sorted(tuple(p.shape) for p in ours.parameters()) == sorted(tuple(p.shape) for p in ref.parameters())
    x = torch.zeros(2, 3, 224, 224, device="meta")
    assert ours(x).shape == ref(x).shape == (2, 1000)


def test_every_network_builds_and_classifies():
    for spec in list(TEACHING.values()) + list(SMALL.values()):
        m = on_meta(lambda: spec.build(spec.in_ch, spec.num_classes, spec.size))
        out = m(torch.zeros(2, spec.in_ch, spec.size, spec.size, device="meta"))
        assert out.shape == (2, spec.num_classes), spec.name


def test_conv1x1_is_linear_per_pixel():
    r = opened.conv1x1_vs_linear(8, 4, 5)
    assert r["max_abs_diff"] < 1e-5
    # and against an einsum written from the definition
    conv = nn.Conv2d(8, 4, 1)
    x = torch.randn(2, 8, 5, 5)
    ref = torch.einsum("oc,bchw->bohw", conv.weight[:, :, 0, 0], x) + conv.bias[None, :, None, None]
    torch.testing.assert_close(conv(x), ref, atol=1e-5, rtol=1e-5)


def test_batchnorm_written_out_equals_torch_in_train_and_eval():
    ours, ref = blocks.BatchNorm2d(5), nn.BatchNorm2d(5)
    with torch.no_grad():
        for m in (ours, ref):
            m.weight.copy_(torch.linspace(0.5, 2, 5))
            m.bias.copy_(torch.linspace(-1, 1, 5))
    g = torch.Generator().manual_seed(0)
    for _ in range(4):
        x = 2 * torch.randn(6, 5, 4, 3, generator=g) + 1
        torch.testing.assert_close(ours(x), ref(x), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(ours.running_mean, ref.running_mean)
    torch.testing.assert_close(ours.running_var, ref.running_var)
    ours.eval(), ref.eval()
    x = torch.randn(3, 5, 4, 3, generator=g)
    torch.testing.assert_close(ours(x), ref(x), atol=1e-5, rtol=1e-5)
    assert all(r["max_abs_diff"] < 1e-4 for r in opened.batchnorm_vs_torch())


def test_opened_blocks_shapes():
    paths = opened.inception_paths()
    assert [p["channels"] for p in paths] == [64, 128, 32, 32, 256]
    assert paths[-1]["output"] == "256 x 28 x 28"
    cases = opened.residual_cases(64, 56)
    assert [c.shortcut for c in cases] == ["identity", "1x1 conv, stride 1", "1x1 conv, stride 2"]
    assert [c.out_shape for c in cases] == ["64 x 56 x 56", "128 x 56 x 56", "128 x 28 x 28"]
    dense = opened.dense_growth(4, 64, 32, size=28)
    assert [d["channels"] for d in dense] == [64, 96, 128, 160, 192, 96]
    assert dense[-1]["output"] == "96 x 14 x 14"


def test_three_by_three_stacks_against_one_large_kernel():
    rows = {r["layers"]: r for r in opened.stacks_vs_large_kernel(64, 56)}
    assert rows["2 x conv 3x3"]["receptive field"] == rows["1 x conv 5x5"]["receptive field"] == 5
    assert rows["3 x conv 3x3"]["receptive field"] == rows["1 x conv 7x7"]["receptive field"] == 7
    assert rows["2 x conv 3x3"]["params"] == 2 * conv(64, 64, 3) and rows["1 x conv 5x5"]["params"] == conv(64, 64, 5)
    assert rows["3 x conv 3x3"]["FLOPs"] == 3 * 2 * 64 * 56 * 56 * 64 * 9 < rows["1 x conv 7x7"]["FLOPs"]
