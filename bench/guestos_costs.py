"""What guestos's mechanisms cost, in TOY32 instructions (exact: the machine counts them).

Each figure is the difference between two runs of a small program that differ only in how many
times it does the thing measured, divided by that number, so boot and exit cancel out.
    python bench/guestos_costs.py
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from workloads import build_kernel, build_program, run_bare

PROGRAMS = {   # name: (source with {n}, what one unit is, n)
    "system call (getpid)": ("""
    li s0, {n}
1:  beqz s0, 2f
    li a7, SYS_GETPID
    ecall
    addi s0, s0, -1
    j 1b
2:""", "call", 200),
    "process switch (sched_yield)": ("""
    li s0, {n}
1:  beqz s0, 2f
    li a7, SYS_SCHED_YIELD
    ecall
    addi s0, s0, -1
    j 1b
2:""", "switch", 200),
    "demand-zero stack page": ("""
    li s0, {n}
    mv t0, sp
1:  beqz s0, 2f
    li t1, 4096
    sub t0, t0, t1
    sw zero, 0(t0)
    addi s0, s0, -1
    j 1b
2:""", "page", 50),        # 50 pages: within the 256 KiB stack limit
    "write of one byte": ("""
    li s0, {n}
1:  beqz s0, 2f
    li a0, STDOUT
    la a1, byte
    li a2, 1
    li a7, SYS_WRITE
    ecall
    addi s0, s0, -1
    j 1b
2:""", "call", 200),
}


def kernel_instructions(kernel: Path, modules: list[Path]) -> tuple[int, int]:
    """(kernel-mode, user-mode) instructions of one run."""
    machine = run_bare(kernel, modules, 50_000_000)[2]
    return machine.stats.instructions[0], machine.stats.instructions[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        kernel = build_kernel(tmp)

        def program(name: str, body: str) -> Path:
            return build_program(tmp, name, body)

        empty = program("empty", "")
        boot_k, _ = kernel_instructions(kernel, [empty])
        print(f"boot + one process's exit + power-off: {boot_k:,} kernel instructions (16 MiB RAM)")
        for what, (body, unit, n) in PROGRAMS.items():
            few = program("few", body.format(n=0))
            many = program("many", body.format(n=n))
            copies = 2 if unit == "switch" else 1
            k0, _ = kernel_instructions(kernel, [few] * copies)
            k1, _ = kernel_instructions(kernel, [many] * copies)
            per = (k1 - k0) / (n * copies)
            print(f"{what:<36} {per:8.1f} kernel instructions per {unit}")


if __name__ == "__main__":
    main()
