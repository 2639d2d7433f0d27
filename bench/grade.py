"""How fast `toyvm grade` grades: submission runs per minute on this machine, one at a time and
on every core, side by side in one run.

    python bench/grade.py [--students N] [--repeat N]

The class: N students of the guest-kernel lab (docs/labs/kernel/), half handing in the reference
solution and half the empty skeleton (`toyvm lab kernel DIR [--reference]`), graded with the
lab's own suite: three tests, each on the bare machine and under the monitor, so 6 runs per
student, each a fresh process with its bounds; plus one build (guestos assembled from the
student's files) per student. A run of the reference boots guestos and runs two programs
(about 0.3 to 1.5 million guest instructions); the skeleton's fail sooner. Times are the best of
--repeat gradings (the machine is shared).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOYVM = [sys.executable, "-m", "vmm.cli"]
SUITE = ROOT / "docs" / "labs" / "kernel" / "tests.toml"


def grade(subs: Path, jobs: int) -> tuple[float, int]:
    out = subs.parent / f"results-{jobs}.json"
    started = time.perf_counter()
    subprocess.run(TOYVM + ["grade", str(subs), str(SUITE), "-j", str(jobs), "-q", "--no-progress", "--json",
                            str(out)], cwd=ROOT, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    runs = sum(len(s["runs"]) for s in json.loads(out.read_text())["submissions"])
    return elapsed, runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        subs = Path(tmp) / "class"
        for i in range(args.students):
            reference = ["--reference"] if i % 2 == 0 else []
            subprocess.run(TOYVM + ["lab", "kernel", str(subs / f"student{i:02d}"), *reference], cwd=ROOT,
                           capture_output=True, check=True)
        print(f"{args.students} students of the kernel lab (half reference, half skeleton), "
              f"{cores} cores; best of {args.repeat}")
        print(f"{'-j':>4} {'runs':>6} {'seconds':>9} {'runs/minute':>12}")
        results = {}
        for jobs in sorted({1, cores}):
            best, runs = min(grade(subs, jobs) for _ in range(args.repeat))
            results[jobs] = (best, runs)
            print(f"{jobs:>4} {runs:>6} {best:>9.1f} {60 * runs / best:>12.0f}")
        same = len({(Path(tmp) / f"results-{j}.json").read_bytes() for j in results}) == 1
        print(f"results files identical across -j: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
