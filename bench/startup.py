"""Start-up: how long the commands take to do almost nothing, beside `python -c pass` with the
same interpreter, in one run.

    python bench/startup.py [--repeat N]

The program powers off at its second instruction, so a `toyvm run` of it is start-up: the
interpreter, the imports, click, the machine's RAM, loading the ELF. The commands take turns,
--repeat rounds of them, each a fresh process: a time is the best round's, a ratio the median of
the rounds' ratios (the shared machine's speed swings; workloads.in_turns).
``python -X importtime -m vmm.cli run ...`` shows where the imports' part goes.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workloads import in_turns, median

BIN = Path(sys.executable).parent
PROGRAM = "    li t0, POWER_OFF\n    sw zero, 0(t0)\n"


def wall(argv: list) -> tuple[float]:
    start = time.perf_counter()
    subprocess.run([str(a) for a in argv], check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - start,)


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
        rounds, _ = in_turns(repeat, *(lambda argv=argv: wall(argv) for _, argv in runs))
        print(f"{'command':<26} {'best s':>8} {'/ python':>9}   ({repeat} rounds)")
        for i, (name, _) in enumerate(runs):
            print(f"{name:<26} {min(r[i] for r in rounds):8.3f} {median(r[i] / r[0] for r in rounds):8.1f}x")


if __name__ == "__main__":
    main()
