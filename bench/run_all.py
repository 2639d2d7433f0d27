"""`make bench`: every benchmark in bench/, one after the other, each printing its own figures."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ORDER = ["asm_throughput.py", "machine_mips.py", "guestos_costs.py", "vmm_overhead.py", "strategies.py", "memory.py"]

failed = 0
for name in ORDER:
    script = BENCH / name
    if not script.exists():
        continue
    print(f"=== {name} ===", flush=True)
    failed |= subprocess.run([sys.executable, str(script)]).returncode != 0
    print(flush=True)
sys.exit(1 if failed else 0)
