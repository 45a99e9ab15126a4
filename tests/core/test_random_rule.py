"""The random-number rule (issue 20, item 5), beside the rule that keeps streamlit out of core: nothing a
page can reach seeds or draws from the process-global generators (torch, numpy, Python's `random`);
every draw takes a generator from `core.runtime` (`torch_rng`, `numpy_rng`), and model init goes through
`core.private_init`. Command-line entry points (`def main`, `if __name__ == "__main__"`) may seed globally."""
from __future__ import annotations

from tests.core.random_rule import ROOT, global_draws, reachable_draws, reachable_files

# (file, function) -> why it may still draw globally. The rule's own home is permanent; the rest are
# trainers owned by other helpers of this wave, listed so that a NEW global draw fails the test today.
ALLOWED = {
    ("core/runtime.py", "seed_everything"): "the command-line trainers' global seeding lives here",
    ("core/runtime.py", "seeded"): "the lock-guarded global seeding for inits that cannot take a generator",
    ("core/vision/shapes/train.py", "train"): "pending: helper engine (command-line trainer, not run by a page)",
    ("core/learn/ssl/classify.py", "train"): "pending: helper ssl (issue 20 item 5, ssl part)",
}


def test_no_global_random_draw_is_reachable_from_a_page():
    new = [str(d) for d in reachable_draws() if (d.path, d.where) not in ALLOWED]
    assert new == [], ("draws from a process-global generator, reachable from a page (take a generator from "
                       "core.runtime.torch_rng / numpy_rng; init models with core.private_init):\n" + "\n".join(new))


def test_the_pages_reach_what_they_call():
    files = {str(p.relative_to(ROOT)) for p in reachable_files()}
    for f in ("app.py", "app_pages/cnns/page.py", "core/vision/cnn/opened.py", "core/text/rnn/view.py",
              "core/runtime.py", "core/vision/cnn/explore.py"):  # top-level and function-level imports alike
        assert f in files


def test_the_checker_catches_each_kind_of_global_draw(tmp_path):
    bad = tmp_path / "probe.py"
    bad.write_text(
        "import random\nimport numpy as np\nimport torch\nfrom torch import nn\n"
        "def f(x, g, w):\n"
        "    torch.manual_seed(0)\n"            # 6
        "    np.random.seed(1)\n"               # 7
        "    a = np.random.rand(3)\n"           # 8
        "    b = torch.randn(3)\n"              # 9
        "    c = torch.randperm(5)\n"           # 10
        "    w.normal_()\n"                     # 11
        "    nn.init.kaiming_uniform_(w)\n"     # 12
        "    random.shuffle(x)\n"               # 13
        "    p = x.multinomial(1)\n"            # 14
        "    ok = torch.randn(3, generator=g), np.random.default_rng(3).random(2), w.normal_(generator=g)\n"
        "    ok2 = nn.init.xavier_uniform_(w, generator=g), torch.zeros(3), random.Random(4).random()\n"
        "def main():\n    torch.manual_seed(0)\n"
        "if __name__ == '__main__':\n    np.random.seed(0)\n")
    found = global_draws(bad)
    assert [d.line for d in found] == list(range(6, 15))
    assert {d.where for d in found} == {"f"}
