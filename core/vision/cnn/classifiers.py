"""The networks the feature-map tab can look through, resolved by the zoo: torchvision's ImageNet
weights when cached (or the zoo says the network may download them), else the bundled small network
of the same family trained on ShapesWorld."""
from __future__ import annotations

from core.vision.cnn.registry import TV_WEIGHTS, torchvision_model
from core.vision.cnn.weights import Classifier, load_bundled

CARD_NAMES = ("cnn-resnet18", "cnn-alexnet", "cnn-vgg11", "cnn-googlenet", "cnn-densenet121",
              "cnn-nin-shapes", "cnn-lenet5-shapes", "cnn-lenet5-digits")


def load_classifier(card_name: str, mode: str | None = None):
    """(Classifier, zoo Resolution), through the zoo's one load loop (core.zoo.load): a pretrained
    load that fails (a broken cache, a dead download) falls back to the bundled network and says
    so. FileNotFoundError when no source is available."""
    from core.zoo import get_card
    from core.zoo.load import load_with_fallback

    card = get_card(card_name)

    def load_one(src, where, extra):
        if src.kind == "pretrained":
            from torchvision.models import get_weight

            name = card.extra["torchvision"]
            model = torchvision_model(name, TV_WEIGHTS[name])
            cats = tuple(get_weight(TV_WEIGHTS[name]).meta["categories"])
            return Classifier(model, cats, 224, 3, f"{card.family} with ImageNet weights (torchvision)", imagenet=True)
        return load_bundled(card.extra["stem"])

    try:
        return load_with_fallback(card_name, mode, load_one)
    except ValueError as e:
        raise FileNotFoundError(str(e)) from None
