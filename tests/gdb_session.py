"""Shared by tests/test_gdb_*.py: a real ``gdb-multiarch`` (batch mode, a script of commands)
against ``toyvm run --gdb 0 ...`` (a free port, which toyvm names on stderr), and the small
kernels the tests debug."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from asm.api import assemble_source

ROOT = Path(__file__).resolve().parents[1]
TOYVM = [sys.executable, "-m", "vmm.cli"]
GDB = shutil.which("gdb-multiarch")
needs_gdb = pytest.mark.skipif(GDB is None, reason="gdb-multiarch is not installed (apt install gdb-multiarch)")

# A bare-machine kernel that takes one trap of each kind from user mode: ecall (SVC), a load of
# the kernel-only device page (PAGE_FAULT_LOAD), halt (PRIVILEGED_INSTRUCTION), then the timer.
# Its handler prints 'A' + cause for each exception, then "T\n" and powers off with 7.
TRAPPER = r"""
    .text
    .globl _start
_start:
    la      t0, handler
    mtsr    tvec, t0
    la      t0, user_main
    mtsr    epc, t0
    li      t0, PSW_PU | PSW_PIE        # rti: into user mode, interrupts on
    mtsr    psw, t0
    rti
user_main:
    li      a0, 1
do_ecall:
    ecall                               # SVC
    li      t0, CONSOLE_TX
faulting_load:
    lw      t1, 0(t0)                   # PAGE_FAULT_LOAD: the device page is kernel-only
privileged:
    halt                                # PRIVILEGED_INSTRUCTION in user mode
    la      t2, counter
    li      t3, 5
watched_store:
    sw      t3, 0(t2)
watched_load:
    lw      t4, 0(t2)
    li      a0, 2
arm_timer:
    ecall                               # a0 = 2: the handler arms the timer
spin:
    addi    s0, s0, 1
    j       spin

handler:
    mfsr    s1, cause
    bltz    s1, interrupt
    li      s3, CONSOLE_TX
    addi    s2, s1, 'A'
    sw      s2, 0(s3)
    li      s2, CAUSE_SVC
    bne     s1, s2, skip
    li      s2, 2
    bne     a0, s2, skip
    li      s3, TIMER_LOAD
    li      s2, 5
    sw      s2, 0(s3)
skip:
    mfsr    s2, epc
    addi    s2, s2, 4
    mtsr    epc, s2
    rti
interrupt:
    li      s3, CONSOLE_TX
    li      s2, 'T'
    sw      s2, 0(s3)
    li      s2, '\n'
    sw      s2, 0(s3)
    li      s3, POWER_OFF
    li      s2, 7
    sw      s2, 0(s3)

    .data
counter:
    .word   0
"""
TRAPPER_OUTPUT = b"IFJIT\n"      # SVC = 8 -> 'I', PAGE_FAULT_LOAD = 5 -> 'F', PRIVILEGED = 9 -> 'J'
TRAPPER_STATUS = 7


@dataclass
class Kernel:
    path: Path
    symbols: dict[str, int]


def build_kernel(directory: Path, name: str, source: str) -> Kernel:
    exe = assemble_source(source, name=f"{name}.s")
    path = directory / f"{name}.elf"
    path.write_bytes(exe.to_elf())
    return Kernel(path, exe.symbols)


@dataclass
class Session:
    gdb: str              # gdb's output (stdout and stderr, in the order written)
    stdout: bytes         # toyvm's console output
    stderr: str           # toyvm's messages
    status: int           # toyvm's exit status


def start_toyvm(args: list[str], cwd: Path = ROOT):
    """``toyvm run --gdb 0 ARGS``, waiting on a port; (process, port)."""
    proc = subprocess.Popen(TOYVM + ["run", "--gdb", "0"] + [str(a) for a in args], cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    line = proc.stderr.readline().decode()
    found = re.search(r"waiting on .*:(\d+)$", line.strip())
    if found is None:
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"toyvm did not listen: {line}{err.decode()}")
    return proc, int(found.group(1))


def run_gdb(elf: Path, commands: list[str], toyvm_args: list[str], timeout: float = 60,
            architecture: bool = True, cwd: Path = ROOT) -> Session:
    """gdb-multiarch -batch on ``elf``, connected to a fresh ``toyvm run --gdb``, running
    ``commands``; then toyvm is left to finish."""
    proc, port = start_toyvm(toyvm_args, cwd)
    script = ["set pagination off", "set confirm off"] + (["set architecture riscv:rv32"] if architecture else [])
    script += [f"target remote :{port}"] + commands
    args = [GDB, "-nx", "-batch"]
    for command in script:
        args += ["-ex", command]
    try:
        gdb = subprocess.run(args + [str(elf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             timeout=timeout, env={**os.environ, "TERM": "dumb"})
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return Session(gdb.stdout, out, err.decode(), proc.returncode)


def plain_run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(TOYVM + ["run"] + [str(a) for a in args], cwd=ROOT, capture_output=True, timeout=60)


def values(gdb_output: str, name: str) -> list[int]:
    """Every value ``info registers NAME`` printed, in order."""
    return [int(v, 16) for v in re.findall(rf"^{re.escape(name)}\s+0x([0-9a-f]+)", gdb_output, re.M)]


@dataclass
class GuestOS:
    kernel: Path
    hello: Path
    primes: Path


def build_guestos(directory: Path) -> GuestOS:
    """The guest kernel and two of its programs, built as the Makefile builds them."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from asm.api import assemble_files
    from guestos.build import build_kernel as build_guestos_kernel
    kernel = build_guestos_kernel(directory / "guestos.elf")
    programs = {}
    for name in ("hello", "primes"):
        programs[name] = directory / f"{name}.elf"
        programs[name].write_bytes(assemble_files([str(ROOT / "programs" / f"{name}.s")]).to_elf())
    return GuestOS(Path(kernel), programs["hello"], programs["primes"])
