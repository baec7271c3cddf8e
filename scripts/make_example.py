"""Generate ``example.csv``: a small, fully synthetic hourly air-quality export.

The table is built by :func:`datamime.data.example.build_example` (fixed seed; see that
module for how the 15 series are made). Run ``python scripts/make_example.py [--out PATH]``;
the output is byte-identical on every run.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from datamime.data.example import write_example

OUT = Path(__file__).resolve().parents[1] / "example.csv"


def main(argv: list[str] | None = None) -> int:
    """Write the example table to ``--out`` (default: ``example.csv`` at the repo root)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output CSV path")
    args = parser.parse_args(argv)
    write_example(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
