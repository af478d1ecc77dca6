"""Put the collection benchmark tables into the README, between their markers.

    python benchmarks/collections_readme.py benchmarks/results/collections.md \\
        benchmarks/results/collection_refs.md [--check]

``--check`` exits 1 when the README does not hold exactly these tables.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def _put(text: str, marker: str, table: str) -> str:
    pattern = re.compile(rf"(<!-- {marker}:begin -->\n).*?(<!-- {marker}:end -->)", re.S)
    if not pattern.search(text):
        raise SystemExit(f"README has no {marker} markers")
    return pattern.sub(lambda m: m.group(1) + table.rstrip("\n") + "\n" + m.group(2), text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("collections", type=Path, help="markdown of `seqcoder bench collections`")
    ap.add_argument("refs", type=Path, help="markdown of benchmarks/collection_refs.py")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    old = README.read_text()
    new = _put(_put(old, "collections", args.collections.read_text()), "max-refs", args.refs.read_text())
    if args.check:
        return 0 if new == old else 1
    README.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
