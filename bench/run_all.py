"""`make bench`: every benchmark in bench/, one after the other, each printing its own figures."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
NOT_BENCHMARKS = {"run_all.py", "workloads.py"}      # this script, and the module the others share
FIRST = ["asm_throughput.py", "machine_mips.py", "guestos_costs.py", "vmm_overhead.py", "trap_path.py",
         "strategies.py", "memory.py"]                 # the README's order; any other benchmark follows
scripts = sorted(p.name for p in BENCH.glob("*.py") if p.name not in NOT_BENCHMARKS)
ORDER = [name for name in FIRST if name in scripts] + [name for name in scripts if name not in FIRST]

failed = 0
for name in ORDER:
    script = BENCH / name
    print(f"=== {name} ===", flush=True)
    failed |= subprocess.run([sys.executable, str(script)]).returncode != 0
    print(flush=True)
sys.exit(1 if failed else 0)
