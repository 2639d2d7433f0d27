"""Assembler throughput: source lines per second, end to end (parse, assemble, link, ELF),
on a generated 100,000-line program. Run: .venv/bin/python bench/asm_throughput.py [LINES]"""
from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from asm.api import assemble_source  # noqa: E402

REGS = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
        "a4", "a5", "a6", "a7", "s2", "s3", "t3", "t4", "t5", "t6"]


def generate(lines: int, seed: int = 1) -> str:
    """A program that looks like real code: functions of ALU work, loads and stores, branches
    to nearby labels, calls, li/la, comments and blank lines, and some data."""
    rng = random.Random(seed)
    r = lambda: rng.choice(REGS)  # noqa: E731
    out = ["    .text", "    .globl _start", "_start:"]
    func = 0
    while len(out) < lines - 200:
        out += [f"    .globl f{func}", f"f{func}:  # function {func}", "    addi sp, sp, -16",
                "    sw ra, 12(sp)"]
        for k in range(rng.randint(20, 60)):
            choice = rng.random()
            if choice < 0.30:
                out.append(f"    {rng.choice(['add', 'sub', 'and', 'or', 'xor', 'sll', 'mul', 'slt'])}"
                           f" {r()}, {r()}, {r()}")
            elif choice < 0.50:
                out.append(f"    {rng.choice(['addi', 'andi', 'ori', 'xori', 'slti'])} {r()}, {r()}, "
                           f"{rng.randint(-2048, 2047)}")
            elif choice < 0.62:
                out.append(f"    lw {r()}, {rng.randrange(0, 256, 4)}(sp)")
            elif choice < 0.70:
                out.append(f"    sw {r()}, {rng.randrange(0, 256, 4)}(sp)")
            elif choice < 0.78:
                out.append(f".L{func}_{k}:")
                out.append(f"    bne {r()}, {r()}, .L{func}_{k}")
            elif choice < 0.83:
                out.append(f"    li {r()}, {rng.randint(-2**31, 2**31 - 1)}")
            elif choice < 0.86:
                out.append(f"    la {r()}, table")
            elif choice < 0.89:
                out.append(f"    call f{rng.randint(0, func)}")
            elif choice < 0.94:
                out.append(f"    # comment line {k}")
            elif choice < 0.97:
                out.append("")
            else:
                out.append(f"    mv {r()}, {r()}")
        out += ["    lw ra, 12(sp)", "    addi sp, sp, 16", "    ret"]
        func += 1
    out += ["    .data", "table:"]
    while len(out) < lines:
        out.append(f"    .word {rng.randint(0, 2**32 - 1)}, {rng.randint(0, 2**32 - 1)}")
    return "\n".join(out[:lines]) + "\n"


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    source = generate(lines)
    assemble_source(generate(1000))  # warm up: grammar load, imports
    start = time.perf_counter()
    exe = assemble_source(source, name="bench.s")
    elf = exe.to_elf()
    elapsed = time.perf_counter() - start
    print(f"assembled {lines} lines ({len(exe.text)} bytes of code, {len(elf)} bytes of ELF) "
          f"in {elapsed:.2f} s: {lines / elapsed:,.0f} lines/s")


if __name__ == "__main__":
    main()
