"""Shared by the guestos tests: build the kernel and the programs (toyasm's API, clang when it is
installed) into a temporary directory, boot them with `toyvm run`, and the expected lines
computed here, independently of the kernel."""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from asm.api import assemble_files, assemble_source
from isa.instructions import BY_MNEMONIC

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))     # guestos/build.py: how the Makefile builds the kernel
from guestos.build import GUESTOS, assemble_kernel, build_kernel  # noqa: E402

PROGRAMS = ROOT / "programs"
TOYVM = [sys.executable, "-m", "vmm.cli"]
C_FLAGS = ["--target=riscv32", "-march=rv32im", "-mabi=ilp32", "-nostdlib", "-ffreestanding", "-O2",
           "-fuse-ld=lld", f"-I{PROGRAMS / 'runtime'}", f"-I{GUESTOS}"]
C_RUNTIME = [PROGRAMS / "runtime" / name for name in ("crt0.s", "syscalls.s", "lib.c")]


@dataclass
class Built:
    dir: Path
    kernel: Path
    programs: dict[str, Path]
    symbols: dict[str, dict[str, int]]   # program -> symbol -> address (toyasm programs)

    def __getitem__(self, name: str) -> Path:
        if name not in self.programs:
            pytest.skip(f"{name} was not built (clang/ld.lld missing?)")
        return self.programs[name]

    def add(self, name: str, source: str, **layout) -> Path:
        """Assemble a test's own program (it may .include "syscalls.inc")."""
        exe = assemble_source(source, name=f"{name}.s", include_dirs=[str(GUESTOS)], **layout)
        path = self.dir / f"{name}.elf"
        path.write_bytes(exe.to_elf())
        self.symbols[name] = exe.symbols
        return path


def build_all(out: Path) -> Built:
    kernel = build_kernel(out / "guestos.elf")
    programs, symbols = {}, {}
    for src in sorted(PROGRAMS.glob("*.s")):
        exe = assemble_files([str(src)])
        programs[src.stem] = out / f"{src.stem}.elf"
        programs[src.stem].write_bytes(exe.to_elf())
        symbols[src.stem] = exe.symbols
    if shutil.which("clang") and shutil.which("ld.lld"):
        for src in sorted(PROGRAMS.glob("*.c")):
            programs[src.stem] = out / f"{src.stem}.elf"
            subprocess.run(["clang", *C_FLAGS, "-o", str(programs[src.stem]), str(src), *map(str, C_RUNTIME)],
                           check=True, capture_output=True)
    return Built(out, kernel, programs, symbols)


@dataclass
class Run:
    status: int
    out: bytes
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.decode().splitlines()


def boot(kernel: Path, *modules: Path, input_bytes: bytes | None = None, options=()) -> Run:
    """toyvm run KERNEL --module M ... (console input from a file when given, else none)."""
    cmd = TOYVM + ["run", str(kernel), *options]
    for m in modules:
        cmd += ["--module", str(m)]
    if input_bytes is not None:
        path = Path(kernel).parent / f"input-{hashlib.sha1(input_bytes).hexdigest()}.txt"
        path.write_bytes(input_bytes)
        cmd += ["--input", str(path)]
    r = subprocess.run(cmd, capture_output=True, stdin=subprocess.DEVNULL, timeout=120, cwd=ROOT)
    assert "Traceback" not in r.stderr.decode(), r.stderr.decode()
    return Run(r.returncode, r.stdout, r.stderr.decode())


# --- what the programs should print, computed here ----------------------------------------------
EXIT_OK, EXIT_KILLED, EXIT_PANIC = 0, 1, 2     # guestos's power-off statuses (docs/guest-kernel.md)


def primes_lines(limit: int = 1000, per_line: int = 10) -> list[str]:
    sieve = bytearray([1]) * limit
    sieve[:2] = b"\0\0"
    for n in range(2, int(limit ** 0.5) + 1):
        if sieve[n]:
            sieve[n * n::n] = bytearray(len(range(n * n, limit, n)))
    primes = [n for n in range(limit) if sieve[n]]
    return ["primes: " + " ".join(map(str, primes[i:i + per_line])) for i in range(0, len(primes), per_line)]


def hailstone_lines(limit: int = 10000) -> list[str]:
    def steps(n: int) -> int:
        k = 0
        while n != 1:
            n = 3 * n + 1 if n & 1 else n // 2
            k += 1
        return k
    all_steps = {n: steps(n) for n in range(1, limit)}
    best = max(range(1, limit), key=lambda n: (all_steps[n], -n))
    return [f"hailstone: 27 takes {all_steps[27]} steps",
            f"hailstone: below {limit} the longest is {best} with {all_steps[best]} steps"]


def kill_line(pid: int, name: str, cause: str, pc: int, tval: int) -> str:
    return f"guestos: pid {pid} ({name}) killed: {cause} pc={pc:#010x} tval={tval:#010x}"


def word(mnemonic: str) -> int:
    """The instruction word of a TOY32 instruction whose operands are all x0."""
    return BY_MNEMONIC[mnemonic].match
