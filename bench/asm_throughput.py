"""Assembler throughput, end to end (parse, assemble, link, ELF), on two generated files:
a 100,000-line program (lines per second), and a 600-case test in the style of riscv-arch-test
as the C preprocessor leaves it (each case one long line of `;`-separated statements, a
signature macro with .if/.set), timed against llvm-mc on the same file (the ratio).
Run: .venv/bin/python bench/asm_throughput.py [LINES [CASES]]"""
from __future__ import annotations

import random
import shutil
import subprocess
import sys
import tempfile
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


SIGNATURE_MACRO = """\
.macro SIGUPD base, reg, off=-1
  .if \\off != -1
    .set offset, \\off
  .endif
  .if offset >= 2048
    addi \\base, \\base, 2048-4
    .set offset, offset-(2048-4)
  .endif
  sw \\reg, offset(\\base)
  .set offset, offset+4
.endm
"""
RR_OPS = ["add", "sub", "and", "or", "xor", "sll", "srl", "sra", "slt", "sltu", "mul", "mulh",
          "mulhu", "mulhsu", "div", "divu", "rem", "remu"]
PAD = " " * 60   # the preprocessor keeps the blanks that align a macro definition's `;\\`


def generate_arch_test(cases: int, seed: int = 1) -> str:
    """A test in the shape riscv-arch-test's rv32i_m tests have after `cpp`: per case a
    comment, then one line: the operands loaded (li of MASK_XLEN values inside .option
    push/norvc/pop), the instruction, the signature stored by a macro."""
    rng = random.Random(seed)
    xregs = [f"x{i}" for i in range(3, 32)]
    out = [".section .text.init", ".globl rvtest_entry_point", "rvtest_entry_point:",
           SIGNATURE_MACRO, "la x2, signature", ".set offset, 0"]
    for k in range(cases):
        op = RR_OPS[k % len(RR_OPS)]
        rd, rs1, rs2 = rng.sample(xregs, 3)
        v1, v2 = rng.getrandbits(32), rng.getrandbits(32)
        out.append(f"# opcode: {op} ; op1:{rs1}; op2:{rs2}; dest:{rd}; op1val:{v1:#x};  "
                   f"op2val:{v2:#x}")
        load = "".join(f".option push{PAD};.option norvc{PAD};li {r}, (({v:#x}) & 0xFFFFFFFF)"
                       f"{PAD};.option pop{PAD};" for r, v in ((rs1, v1), (rs2, v2)))
        check = "".join(f".if offset >= 2048{PAD};addi x2, x2, (2048 - 4){PAD};"
                        f".set offset, offset - (2048 - 4){PAD};.endif{PAD};" for _ in range(3))
        out.append(f"inst_{k}:{PAD};{load}{op} {rd}, {rs1}, {rs2}{PAD};{check}"
                   f"SIGUPD x2, {rd}")
    out += [".data", ".align 4", "signature:", f".fill {cases}, 4, 0xdeadbeef"]
    return "\n".join(out) + "\n"


RUNS = 3   # each side's time is its best of this many runs (the machine is shared)


def _llvm_mc_seconds(source: str) -> float | None:
    if shutil.which("llvm-mc") is None:
        return None
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "t.s"
        path.write_text(source)
        best = None
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run(["llvm-mc", "-triple=riscv32", "-mattr=+m,-relax", "-filetype=obj",
                            "-o", str(Path(d) / "t.o"), str(path)], check=True)
            elapsed = time.perf_counter() - start
            best = elapsed if best is None else min(best, elapsed)
        return best


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    cases = int(sys.argv[2]) if len(sys.argv) > 2 else 600
    source = generate(lines)
    assemble_source(generate(1000))  # warm up: grammar load, imports
    start = time.perf_counter()
    exe = assemble_source(source, name="bench.s")
    elf = exe.to_elf()
    elapsed = time.perf_counter() - start
    print(f"assembled {lines} lines ({len(exe.text)} bytes of code, {len(elf)} bytes of ELF) "
          f"in {elapsed:.2f} s: {lines / elapsed:,.0f} lines/s")
    test = generate_arch_test(cases)
    elapsed = None
    for _ in range(RUNS):
        start = time.perf_counter()
        exe = assemble_source(test, name="arch.s")
        exe.to_elf()
        run = time.perf_counter() - start
        elapsed = run if elapsed is None else min(elapsed, run)
    llvm = _llvm_mc_seconds(test)
    versus = f"; llvm-mc {llvm:.3f} s, toyasm/llvm-mc {elapsed / llvm:.0f}x" if llvm else ""
    print(f"arch-test style, {cases} cases ({len(test) / 1e6:.2f} MB of source, "
          f"{len(exe.text)} bytes of code): toyasm {elapsed:.2f} s{versus} (best of {RUNS})")


if __name__ == "__main__":
    main()
