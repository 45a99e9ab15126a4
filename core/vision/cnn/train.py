"""Train the bundled CNN weights on the offline data and write them to assets/cnn/ with a card each.

    nice -n 10 python -m core.vision.cnn.train              # every bundled network
    nice -n 10 python -m core.vision.cnn.train shapes_resnet_small --steps 300

One torch thread; each card records the command, data, steps, wall time and held-out accuracy.
"""
from __future__ import annotations

import argparse
from functools import lru_cache
import sys
import time

import torch

from core.vision.cnn import data as cnn_data
from core.vision.cnn.loop import TrainConfig, accuracy, train
from core.vision.cnn.registry import SMALL, build
from core.vision.cnn.weights import save
from core.zoo.record import record_now

# stem -> (data set, network, steps, learning rate)
PLAN: dict[str, tuple[str, str, int, float]] = {
    "shapes_resnet_small": ("shapes", "resnet_small", 700, 0.003),
    "digits_lenet": ("digits", "lenet_bn", 300, 0.01),
    "shapes_lenet": ("shapes", "lenet_relu", 1500, 0.003),
    "shapes_googlenet_small": ("shapes", "googlenet_small", 800, 0.003),
    "shapes_vgg_small": ("shapes", "vgg_small_bn", 700, 0.003),
    "shapes_densenet_small": ("shapes", "densenet_small", 550, 0.003),
    "shapes_nin_small": ("shapes", "nin_small", 1000, 0.001),
    "shapes_alexnet_small": ("shapes", "alexnet_small", 1500, 0.002),
}
SIZES = {"digits": 28, "shapes": 64}
N_TRAIN, N_TEST = 4000, 300  # ShapesWorld images (digits: 1797, 300 held out)
DATA_TITLES = {"digits": "scikit-learn digits (8 x 8 upsampled to 28 x 28)",
               "shapes": "ShapesWorld shape classification (64 x 64, 5 classes)"}


def held_out(card: dict) -> tuple[torch.Tensor, torch.Tensor]:
    """The exact held-out images a card's accuracy was measured on (the same seeds and sizes as training)."""
    import torch.nn.functional as F

    name = card["data"]
    d = (cnn_data.load("digits", n_test=300, size=SIZES["digits"], seed=0) if name == "digits"
         else cnn_data.ImageSet(name, torch.zeros(0, 3, 1, 1), torch.zeros(0, dtype=torch.long),
                                *_shapes_test(), (), SIZES[name]))
    x = d.x_test.clone() if card["size"] == d.size else F.interpolate(d.x_test, size=(card["size"],) * 2, mode="area")
    return x, d.y_test


@lru_cache(maxsize=1)
def _shapes_test() -> tuple[torch.Tensor, torch.Tensor]:
    from core.vision.shapes.classification import classification_set

    s = classification_set(N_TEST, 0 + cnn_data.TEST_SEED, SIZES["shapes"])  # data.load's test set, seed 0
    return cnn_data.normalise(cnn_data.to_tensor(s.images).contiguous()), torch.from_numpy(s.labels)


def train_one(stem: str, data: cnn_data.ImageSet, steps: int | None = None, seed: int = 0) -> dict:
    name, net, plan_steps, lr = PLAN[stem]
    steps = steps or plan_steps
    torch.manual_seed(seed)  # the initial weights
    size = 32 if net.startswith("lenet") and name == "shapes" else data.size  # LeNet-5's classic 32 x 32
    if size != data.size:
        import torch.nn.functional as F

        data = cnn_data.ImageSet(data.name, F.interpolate(data.x_train, size=(size, size), mode="area"), data.y_train,
                                 F.interpolate(data.x_test, size=(size, size), mode="area"), data.y_test,
                                 data.class_names, size)
    model = build(net, data.in_ch, len(data.class_names), size)
    t0 = time.perf_counter()
    last = None
    for last in train(model, data, TrainConfig(steps=steps, lr=lr, batch=64, eval_every=100, flip=name == "shapes"), seed=seed):
        if last.test_acc is not None:
            print(f"  {stem} step {last.step}: loss {last.loss:.3f} held-out {last.test_acc:.3f}", flush=True)
    wall = time.perf_counter() - t0
    acc = accuracy(model.eval(), data.x_test, data.y_test)
    card = {"net": net, "title": SMALL[net].title, "data": name, "data_title": DATA_TITLES[name],
            "in_ch": data.in_ch, "size": size, "num_classes": len(data.class_names),
            "class_names": list(data.class_names), "batch": 64, "optimizer": "adam", "lr": lr, "flips": name == "shapes",
            "train_images": len(data.y_train), "params": sum(p.numel() for p in model.parameters()), "dtype": "float16"}
    record = record_now(torch.get_num_threads(), command=f"python -m core.vision.cnn.train {stem}",
                        data=f"{DATA_TITLES[name]}: {len(data.y_train)} training images, {len(data.y_test)} held out",
                        steps=last.step, wall_time_s=round(wall, 1), metric="accuracy", value=round(acc, 4),
                        n_held_out=len(data.y_test), held_out={"accuracy": round(acc, 4)}, seed=seed,
                        final_loss=round(last.loss, 4))
    save(model, stem, record, card)
    print(f"{stem}: held-out accuracy {acc:.3f} in {wall:.0f} s", flush=True)
    return card


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("stems", nargs="*", default=list(PLAN), help=f"which of {list(PLAN)}")
    p.add_argument("--steps", type=int, default=None)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    unknown = [s for s in args.stems if s not in PLAN]
    if unknown:
        p.error(f"unknown {unknown}")
    cache: dict[str, cnn_data.ImageSet] = {}
    for stem in args.stems:
        name = PLAN[stem][0]
        if name not in cache:
            cache[name] = cnn_data.load(name, N_TRAIN, N_TEST if name == "shapes" else 300, SIZES[name], seed=0)
        train_one(stem, cache[name], args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
