"""Summarise py-spy's raw (collapsed) stacks: where the samples are, inclusive and self.

    .venv/bin/python -m bench.profile_summary /tmp/prof/slack.txt [--top 25] [--only bot/,handlers/,storage/]

Each line of the file is ``frame;frame;…;frame <count>``. Prints the share of samples per
function including callees (each function counted once per stack), and per leaf function (self).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path


def read(path: Path) -> list[tuple[list[str], int]]:
    stacks = []
    for line in path.read_text(errors="replace").splitlines():
        frames, _, count = line.rpartition(" ")
        if frames and count.isdigit():
            stacks.append((frames.split(";"), int(count)))
    return stacks


def summarise(stacks: list[tuple[list[str], int]], top: int, only: tuple[str, ...]) -> str:
    total = sum(count for _, count in stacks) or 1
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for frames, count in stacks:
        for frame in set(frames):
            if not only or any(part in frame for part in only):
                inclusive[frame] += count
        own[frames[-1]] += count
    lines = [f"{total} samples", "", "inclusive (function and its callees):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self (the leaf frame):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.profile_summary", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", default="", help="comma-separated path parts to keep in the inclusive list")
    args = parser.parse_args(argv)
    only = tuple(part for part in args.only.split(",") if part)
    print(summarise(read(args.file), args.top, only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
