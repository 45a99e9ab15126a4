"""Less memory per visit (issue 25): what the pages share is stored compactly and reads back exactly."""
from __future__ import annotations

import torch


def test_shapesworld_split_is_stored_as_uint8_and_reads_back_the_same_floats():
    from core.learn.ssl.det_data import Images, shapes_split
    from core.vision.shapes.generator import generate, to_torch_targets

    samples = generate(7, seed=5)
    split = shapes_split([0, 2, 3, 6], samples)
    ref, targets = to_torch_targets([samples[i] for i in (0, 2, 3, 6)])
    assert isinstance(split.images, Images) and split.images.u8.dtype == torch.uint8
    assert split.images.u8.numel() * 4 == ref.numel() * ref.element_size()  # a quarter of float32
    assert len(split.images) == 4 and split.images.shape == ref.shape
    assert torch.equal(split.images[[1, 3]], ref[[1, 3]])  # exactly the floats the loops saw before
    assert torch.equal(split.images[:2], ref[:2]) and split.images[:2].dtype == torch.float32
    assert torch.equal(torch.stack(list(split.images)), ref)
    for got, want in zip(split.targets, targets):
        assert torch.equal(got["boxes"], want["boxes"]) and torch.equal(got["labels"], want["labels"])


def test_more_than_one_chunk_keeps_the_order():
    from core.learn.ssl.det_data import shapes_split
    from core.vision.shapes.generator import generate, to_torch_targets

    samples = generate(230, seed=1)
    idx = list(range(229, -1, -2))  # 115 images, out of order, over two chunks
    split = shapes_split(idx, samples)
    ref, _ = to_torch_targets([samples[i] for i in idx])
    assert torch.equal(split.images[:], ref)


def test_freed_heap_goes_back_after_a_run_that_grew():
    import time

    from core.zoo import budget

    def anon_mb():
        return int(open("/proc/self/status").read().split("RssAnon:")[1].split()[0]) / 1024

    budget.trim_heap_if_grown()  # settle the baseline
    time.sleep(0.5)
    budget._trim["anon_kb"] = int(anon_mb() * 1024)
    keep = [torch.ones(16_000) for _ in range(4000)]  # ~250 MB in 64 KB pieces: heap, not mmap
    peak = anon_mb()
    del keep[::2], keep[:-1]  # freed, fragmented: glibc keeps it
    assert budget.trim_heap_if_grown()
    for _ in range(50):
        if not budget._trim["busy"]:
            break
        time.sleep(0.1)
    assert anon_mb() < peak - 150
    assert not budget.trim_heap_if_grown()  # nothing grew since: no second trim
