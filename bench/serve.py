"""`python -m bench.serve app.py --server.port N ...`: `streamlit run` with one addition for the memory
benchmarks: on SIGUSR1 the server writes the names of every module it has imported (one a line) to
$KEYPOINT_MODULES_OUT, so a bare process can import exactly the same libraries and the app's own
share of the memory is RSS(server) - RSS(bare), measured in the same run."""
from __future__ import annotations

import os
import signal
import sys


def _dump(*_):
    out = os.environ.get("KEYPOINT_MODULES_OUT")
    if out:
        names = sorted(n for n, m in list(sys.modules.items()) if m is not None)
        with open(out + ".tmp", "w") as f:
            f.write("\n".join(names))
        os.replace(out + ".tmp", out)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _dump)
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", *sys.argv[1:]]
    sys.exit(cli.main())
