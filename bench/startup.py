"""Start-up: how long the commands take to do almost nothing, beside `python -c pass` with the
same interpreter, in one run.

    python bench/startup.py [--repeat N]

The program powers off at its second instruction, so a `toyvm run` of it is start-up: the
interpreter, the imports, click, the machine's RAM, loading the ELF. Each figure is the best of
--repeat wall times of a fresh process (the machine is shared; the best is the least disturbed).
``python -X importtime -m vmm.cli run ...`` shows where the imports' part goes.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
PROGRAM = "    li t0, POWER_OFF\n    sw zero, 0(t0)\n"


def wall(argv: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as tmp:
        source, image = Path(tmp, "off.s"), Path(tmp, "off.elf")
        source.write_text(PROGRAM)
        subprocess.run([BIN / "toyasm", "build", source, "-o", image], check=True)
        runs = [("python -c pass", [sys.executable, "-c", "pass"]),
                ("toyvm run off.elf", [BIN / "toyvm", "run", image]),
                ("toyvm run --vmm off.elf", [BIN / "toyvm", "run", "--vmm", image]),
                ("toyasm build off.s", [BIN / "toyasm", "build", source, "-o", Path(tmp, "again.elf")])]
        base = None
        print(f"{'command':<26} {'best s':>8} {'/ python':>9}   (best of {repeat})")
        for name, argv in runs:
            seconds = wall([str(a) for a in argv], repeat)
            base = base or seconds
            print(f"{name:<26} {seconds:8.3f} {seconds / base:8.1f}x")


if __name__ == "__main__":
    main()
