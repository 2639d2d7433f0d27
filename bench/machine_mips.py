"""Emulated MIPS of the TOY32 machine on two real programs, with qemu-riscv32 beside it.

1. bench/cpu_bound.c (sieve + matrix multiply + heap sort) built with clang -O2 -march=rv32im
   against bench/crt0.c, run as `toyvm run --syscalls linux` would (trace off, then trace on for
   a bounded stretch, then with translation on through an identity page map, as a program under
   a guest OS sees the machine), and run by qemu-riscv32 in the same session: the time ratio is the figure
   to beat over time.
2. bench/paging_kernel.s, a kernel-mode program sweeping 1024 pages with translation on and a
   tlbflush per sweep (TLB-miss heavy), assembled with `toyasm build` when it is available,
   else with llvm-mc and the TOY32 macros of tests/toy32_llvm.py.

Usage: python bench/machine_mips.py [--rounds N]
"""
from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from isa.machine import PAGE_SHIFT, PAGE_SIZE, PMAR_ON, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X  # noqa: E402
from vmm.machine import ConsoleInput, ConsoleOutput, LinuxSyscalls, Machine, Tracer, load_executable  # noqa: E402


def build_cpu_bound(tmp: Path, rounds: int) -> Path:
    elf = tmp / "cpu_bound.elf"
    subprocess.run(["clang", "--target=riscv32", "-march=rv32im", "-mabi=ilp32", "-O2", "-nostdlib",
                    "-ffreestanding", "-fno-builtin", "-fuse-ld=lld", f"-DROUNDS={rounds}",
                    f"-I{ROOT / 'bench'}", "-o", elf, ROOT / "bench" / "crt0.c", ROOT / "bench" / "cpu_bound.c"],
                   check=True)
    return elf


def build_paging_kernel(tmp: Path) -> tuple[Path, str]:
    source = ROOT / "bench" / "paging_kernel.s"
    elf = tmp / "paging_kernel.elf"
    if (ROOT / "asm" / "cli.py").exists():   # the project's assembler, once it exists
        done = subprocess.run([sys.executable, "-m", "asm.cli", "build", str(source), "-o", str(elf)],
                              cwd=ROOT, capture_output=True, text=True)
        if done.returncode == 0:
            return elf, "toyasm"
        print(f"(toyasm could not build {source.name}: {done.stderr.strip()[:200]}; using llvm-mc)")
    sys.path.insert(0, str(ROOT / "tests"))
    from toy32_llvm import build
    return build(tmp, source.read_text(), name="paging_kernel"), "llvm-mc"


def identity_map(m: Machine) -> None:
    """Translation on, every page of RAM mapped to itself for user mode (maps at the top of RAM)."""
    pages = m.mem.size >> PAGE_SHIFT
    tables = (pages + 1023) // 1024
    root = m.mem.size - PAGE_SIZE * (tables + 1)
    for i in range(tables):
        l2 = root + PAGE_SIZE * (i + 1)
        m.write_word(root + 4 * i, l2 | PTE_V)
        for j in range(min(1024, pages - 1024 * i)):
            m.write_word(l2 + 4 * j, (1024 * i + j) << PAGE_SHIFT | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U)
    m.set_pmar(root | PMAR_ON)


def run_machine(elf: Path, linux: bool, trace: bool = False, limit: int | None = None, paged: bool = False):
    out = io.BytesIO()
    m = Machine(console_in=ConsoleInput(None), console_out=ConsoleOutput(out))
    image = load_executable(m, str(elf), use_vaddr=linux)
    if linux:
        LinuxSyscalls(m, image)
    else:
        m.pc = image.entry
    if paged:
        identity_map(m)
    sink = open(os.devnull, "w") if trace else None
    if trace:
        m.tracer = Tracer(sink)
    start = time.perf_counter()
    m.run(limit)
    seconds = time.perf_counter() - start
    if sink:
        sink.close()
    return m.count, seconds, out.getvalue()


def qemu_seconds(elf: Path, repeat: int = 3) -> tuple[float, bytes]:
    best, output = float("inf"), b""
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(["qemu-riscv32", str(elf)], capture_output=True, check=False)
        best = min(best, time.perf_counter() - start)
        output = done.stdout
    return best, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=24, help="rounds of the CPU-bound program")
    parser.add_argument("--trace-instructions", type=int, default=300_000)
    args = parser.parse_args()
    for tool in ("clang", "ld.lld", "llvm-mc"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is needed for the benchmark")
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        elf = build_cpu_bound(tmp, args.rounds)
        count, seconds, out = run_machine(elf, linux=True)
        mips = count / seconds / 1e6
        tcount, tseconds, _ = run_machine(elf, linux=True, trace=True, limit=args.trace_instructions)
        print(f"cpu_bound.c (clang -O2, rv32im, {args.rounds} rounds): {count:,} instructions")
        print(f"  toyvm, trace off : {seconds:8.3f} s  {mips:7.2f} MIPS   output {out.decode().strip()}")
        print(f"  toyvm, trace on  : {tseconds:8.3f} s  {tcount / tseconds / 1e6:7.2f} MIPS   "
              f"(first {tcount:,} instructions, trace to /dev/null)")
        pcount, pseconds, _ = run_machine(elf, linux=True, paged=True)
        print(f"  toyvm, user mode through an identity page map (as under a guest OS or the VMM): "
              f"{pseconds:.3f} s  {pcount / pseconds / 1e6:.2f} MIPS")
        if shutil.which("qemu-riscv32"):
            qsec, qout = qemu_seconds(elf)
            same = "same output" if qout == out else "OUTPUT DIFFERS"
            print(f"  qemu-riscv32     : {qsec:8.3f} s  {count / qsec / 1e6:7.2f} MIPS   ({same})")
            print(f"  toyvm / qemu time: {seconds / qsec:8.1f}x")
        pelf, assembler = build_paging_kernel(tmp)
        count, seconds, out = run_machine(pelf, linux=False)
        print(f"paging_kernel.s (kernel mode, translation on, assembled with {assembler}): {count:,} instructions")
        print(f"  toyvm, trace off : {seconds:8.3f} s  {count / seconds / 1e6:7.2f} MIPS   output {out.decode().strip()}")
        tcount, tseconds, _ = run_machine(pelf, linux=False, trace=True, limit=args.trace_instructions)
        print(f"  toyvm, trace on  : {tseconds:8.3f} s  {tcount / tseconds / 1e6:7.2f} MIPS")


if __name__ == "__main__":
    main()
