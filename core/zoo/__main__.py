"""python -m core.zoo list                        every card and the source it resolves to
   python -m core.zoo download [NAMES]            pre-fetch pretrained weights (all, or the named cards)
   python -m core.zoo download --dry-run [NAMES]  what would be fetched: file, size, destination
"""
from __future__ import annotations

import argparse
import sys

from tqdm import tqdm

from core.zoo import sources
from core.zoo.registry import all_cards, get_card
from core.zoo.table import zoo_rows


def cmd_list(mode: str | None) -> int:
    rows = zoo_rows(mode)  # type: ignore[arg-type]
    width = max((len(r["model"]) for r in rows), default=5)
    for r in rows:
        print(f"{r['model']:<{width}}  {r['family']:<14} {r['resolved']:<10} {r['why']}")
    return 0


def cmd_dry_run(names: list[str]) -> int:
    """One line per pretrained file: card, file, size, where it comes from -> where it lands."""
    cards = [get_card(n) for n in names] if names else list(all_cards().values())
    todo = have = 0.0
    n = 0
    for card in cards:
        for src in (s for s in card.sources if s.kind == "pretrained"):
            dest, url = sources.destination(src)
            cached = sources.is_local(src)
            have, todo = (have + src.size_mb, todo) if cached else (have, todo + src.size_mb)
            n += 1
            print(f"{card.name}: {src.hub} {src.ref} ({src.size_mb:.1f} MB) {url} -> {dest}"
                  f"{'  [cached]' if cached else ''}")
    print(f"total: {n} files, {todo:.1f} MB to fetch, {have:.1f} MB already cached")
    return 0


def cmd_download(names: list[str]) -> int:
    cards = [get_card(n) for n in names] if names else list(all_cards().values())
    failed = 0
    for card in cards:
        for src in (s for s in card.sources if s.kind == "pretrained"):
            if sources.is_local(src):
                print(f"{card.name}: {src.ref} already cached")
                continue
            bar = tqdm(desc=f"{card.name}: {src.ref}", unit="B", unit_scale=True)

            def progress(done: int, total: int) -> None:
                bar.total = total or None
                bar.update(done - bar.n)

            try:
                where = sources.download(src, progress)
                bar.close()
                print(f"{card.name}: saved to {where}")
            except Exception as e:  # noqa: BLE001 - report and go on with the others
                bar.close()
                failed += 1
                print(f"{card.name}: download failed: {type(e).__name__}: {e}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m core.zoo", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="every card and its resolved source")
    ls.add_argument("--mode", choices=["auto", "offline", "online"], default=None)
    dl = sub.add_parser("download", help="pre-fetch pretrained weights")
    dl.add_argument("names", nargs="*")
    dl.add_argument("--dry-run", action="store_true", help="list every file, its size and destination; fetch nothing")
    args = p.parse_args(argv)
    if args.cmd == "list":
        return cmd_list(args.mode)
    return cmd_dry_run(args.names) if args.dry_run else cmd_download(args.names)


if __name__ == "__main__":
    sys.exit(main())
