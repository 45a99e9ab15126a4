"""The CNN chapter: LeNet-5 to DenseNet, built, measured, opened up, looked through and trained.

blocks.py      VGG / NiN blocks, Inception, batch norm written out, residual block, dense block, transition
nets.py        the notes' networks at full size (VGG-11, ResNet-18, DenseNet-121 equal torchvision's)
small.py       the same families shrunk to train in seconds on 2 CPU cores
registry.py    every network by name, and torchvision's originals
table.py       layer table: output shape, parameters, FLOPs (FlopCounterMode), receptive field
opened.py      the blocks measured on a real tensor, for the page
looks.py       feature maps, top-5, Grad-CAM
data.py        digits and ShapesWorld classification as tensors; the one image -> input transform
loop.py        training as a generator of progress events (for core.live.LiveRun)
weights.py     bundled weights (safetensors + card json in assets/cnn/)
classifiers.py a network for the feature-map tab, resolved by the zoo (ImageNet when cached, else bundled)
explore.py     what the page asks for: tables by name, the family comparison, samples, live presets
train.py       `python -m core.vision.cnn.train`: trains the bundled weights
"""
