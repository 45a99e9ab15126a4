"""The layer table's FLOPs against FlopCounterMode, receptive fields against the closed form and
against the gradient's footprint, Grad-CAM against a direct computation."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from core.vision.cnn import nets, small
from core.vision.cnn.explore import explore, family
from core.vision.cnn.looks import grad_cam, look, spatial_layers, strongest_channels
from core.vision.cnn.table import compose, layer_rows, layer_table, on_meta


def _flops(fn) -> int:
    with torch.no_grad(), FlopCounterMode(display=False) as c:
        fn()
    return c.get_total_flops()


def test_table_flops_equal_flopcountermode_whole_and_per_row():
    model = small.googlenet_small(3, 5, 64).eval()
    t = layer_table(model, (3, 64, 64))
    x = torch.randn(1, 3, 64, 64)
    assert t.total_flops == _flops(lambda: model(x)) == sum(r.flops for r in t.rows)
    # each row on its own input: capture the inputs, count the row alone
    inputs = {}
    rows = layer_rows(model)
    hooks = [m.register_forward_hook(lambda mod, i, o, n=n: inputs.__setitem__(n, i[0])) for n, m in rows]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    for (name, m), row in zip(rows, t.rows):
        assert row.name == name and row.flops == _flops(lambda: m(inputs[name])), name
    # and the closed form for the first convolution: 2 * C_out * H_out * W_out * C_in * k * k
    first = t.rows[0]
    assert first.flops == 2 * 32 * 32 * 32 * 3 * 5 * 5


def test_table_shapes_and_params_for_torchvision_and_teaching_nets():
    t = explore("torchvision:resnet18")
    assert t.total_params == 11_689_512 and t.rows[-1].out_shape == (1000,)
    t = explore("teaching:vgg11")
    assert [r.out_shape for r in t.rows if r.kind == "MaxPool2d"] == [(64, 112, 112), (128, 56, 56), (256, 28, 28),
                                                                       (512, 14, 14), (512, 7, 7)]
    assert sum(r.params for r in t.rows) == t.total_params
    fam = {r["network"]: r for r in family()}
    assert fam["VGG-11"]["fc_share"] > 0.9 and fam["AlexNet"]["fc_share"] > 0.9
    assert fam["NiN"]["fc_share"] == 0.0 and fam["GoogLeNet"]["fc_share"] < 0.2


def test_receptive_field_closed_form():
    for n in (1, 2, 3, 5):  # n stacked 3x3 convs see 2n + 1 pixels
        stack = nn.Sequential(*[nn.Conv2d(4, 4, 3, padding=1) for _ in range(n)])
        assert layer_table(stack, (4, 32, 32)).rows[-1].rf == 2 * n + 1
        assert compose(list(stack)) == (2 * n + 1, 1)
    # conv 7/2 then pool 3/2: 7 + (3 - 1) * 2 = 11; then a 3x3 conv at jump 4: 11 + 2 * 4 = 19
    seq = nn.Sequential(nn.Conv2d(3, 8, 7, 2, 3), nn.MaxPool2d(3, 2, 1), nn.Conv2d(8, 8, 3, padding=1))
    assert [r.rf for r in layer_table(seq, (3, 64, 64)).rows] == [7, 11, 19]
    lenet = layer_table(nets.lenet5(), (1, 28, 28))
    assert [r.rf for r in lenet.rows[:5]] == [5, 5, 6, 14, 14]  # conv5, act, pool2, conv5 (6 + 4 * 2), act
    assert lenet.rows[-1].rf is None  # after an FC layer: the whole image
    rn = explore("torchvision:resnet18")  # the known value for ResNet-18's last stage
    assert [r.rf for r in rn.rows if r.name == "layer4.1"] == [435]
    assert [r.rf for r in explore("teaching:resnet18").rows if r.kind == "Residual"][-1] == 435


def _positive(model: nn.Module) -> nn.Module:
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.weight.fill_(1.0 / m.weight[0].numel())
                if m.bias is not None:
                    m.bias.zero_()
    return model.eval()


def test_receptive_field_equals_the_gradient_footprint():
    """With positive weights nothing is cancelled or cut by ReLU: the input pixels the centre output
    depends on (non-zero gradient) span exactly the closed-form field."""
    for model, size in ((small.resnet_small(3, 5, 40), 40), (small.densenet_small(3, 5, 40), 40),
                        (nets.lenet5(1, 10, 28, act="relu"), 28)):
        model = _positive(model)
        table = layer_table(model, (model_in := next(model.parameters()).shape[1], size, size))
        outs = {}
        rows = layer_rows(model)
        hooks = [m.register_forward_hook(lambda mod, i, o, n=n: outs.__setitem__(n, o)) for n, m in rows]
        x = torch.ones(1, model_in, size, size, requires_grad=True)
        model(x)
        for h in hooks:
            h.remove()
        checked = 0
        for row in table.rows:
            o = outs[row.name]
            if o.dim() != 4 or row.rf is None or row.rf > size // 2:
                continue
            h, w = o.shape[2] // 2, o.shape[3] // 2
            (g,) = torch.autograd.grad(o[0, :, h, w].sum(), x, retain_graph=True)
            ys = torch.nonzero(g[0].abs().sum(0).sum(1)).flatten()
            assert int(ys.max() - ys.min() + 1) == row.rf, (type(model), row.name)
            checked += 1
        assert checked >= 3


def test_grad_cam_equals_a_direct_computation():
    torch.manual_seed(0)
    model = small.resnet_small(3, 5, 64).eval()
    x = torch.randn(1, 3, 64, 64)
    layer = "3"  # the last residual block: [1, 64, 8, 8]
    lk = look(model, x, layer, target=2)
    A = model[:4](x).detach().requires_grad_(True)  # split the Sequential at the layer
    logits = model[4:](A)
    (G,) = torch.autograd.grad(logits[0, 2], A)
    ref = F.relu((G.mean(dim=(2, 3), keepdim=True) * A).sum(dim=1))[0]
    torch.testing.assert_close(torch.from_numpy(lk.cam_small), ref.detach(), atol=1e-6, rtol=1e-5)
    torch.testing.assert_close(torch.from_numpy(lk.activations), A.detach()[0])
    torch.testing.assert_close(torch.from_numpy(lk.probs), logits.detach().softmax(1)[0])
    assert lk.cam.shape == (64, 64) and 0 <= lk.cam.min() and lk.cam.max() <= 1 + 1e-6
    assert [i for i, _ in lk.top] == torch.topk(logits[0], 5).indices.tolist()
    assert all(p.grad is None for p in model.parameters())  # the (possibly shared) model got no gradients
    assert grad_cam(torch.ones(2, 3, 3), -torch.ones(2, 3, 3)).max() == 0  # ReLU keeps only positive evidence


def test_grad_cam_on_a_layer_followed_by_an_inplace_relu():
    # conv -> ReLU(inplace=True): the captured activation must not be overwritten; flattened so rows are indices
    model = nn.Sequential(*[m for _, m in layer_rows(small.vgg_small(3, 5, 64))]).eval()
    x = torch.randn(1, 3, 64, 64)
    layers = spatial_layers(model, (3, 64, 64))
    conv = [n for n in layers if isinstance(model.get_submodule(n), nn.Conv2d)][-1]
    lk = look(model, x, conv)
    i = int(conv)
    A = model[:i + 1](x).detach().clone().requires_grad_(True)
    (G,) = torch.autograd.grad(model[i + 1:](A.clone())[0, lk.target], A)
    torch.testing.assert_close(torch.from_numpy(lk.cam_small), grad_cam(A.detach()[0], G[0]), atol=1e-6, rtol=1e-5)
    assert strongest_channels(lk.activations, 3) == torch.from_numpy(lk.activations).mean((1, 2)).argsort(descending=True)[:3].tolist()


def test_meta_tables_need_no_weights():
    m = on_meta(nets.densenet121)
    assert next(m.parameters()).device.type == "meta"
    assert layer_table(m, (3, 224, 224)).total_params == 7_978_856
