"""What the benchmarks share: guestos built in a temporary directory, small guestos user programs
made from a loop body, and one timed run of a kernel with its modules on the bare machine or as
the only guest of the monitor."""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

from asm.api import assemble_source
from vmm.machine import ConsoleInput, ConsoleOutput, Machine
from vmm.machine.boot import boot
from vmm.monitor import GuestConfig, Monitor
from vmm.monitor.config import CONFIGURATIONS

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))     # guestos/build.py: how the Makefile builds the kernel
from guestos.build import GUESTOS, build_kernel as build_guestos  # noqa: E402

EXIT = "    li a0, 0\n    li a7, SYS_EXIT\n    ecall\n"
LOOP = """
    li s0, {n}
1:  beqz s0, 2f
{body}
    addi s0, s0, -1
    j 1b
2:"""
GETPID = "    li a7, SYS_GETPID\n    ecall"
YIELD = "    li a7, SYS_SCHED_YIELD\n    ecall"
# One new heap page per iteration (t0 walks up): a demand-zero page fault each. HEAP_START({pages})
# sets the break that far above the heap's start and points t0 there.
HEAP_PAGE = "    sw zero, 0(t0)\n    li t1, 4096\n    add t0, t0, t1"
HEAP_START = """    li a0, 0
    li a7, SYS_BRK
    ecall
    mv t0, a0
    li t1, {pages} * 4096
    add a0, a0, t1
    li a7, SYS_BRK
    ecall
"""

MODES = CONFIGURATIONS     # the monitor's configurations the benchmarks compare (vmm/monitor/config.py)


def build_kernel(tmp: Path, name: str = "guestos", **options) -> Path:
    """guestos as the Makefile builds it (guestos/build.mk); ``options`` go to toyasm's
    ``assemble_files`` (e.g. defsyms={"PARAVIRT": 1})."""
    return build_guestos(tmp / f"{name}.elf", **options)


def build_program(tmp: Path, name: str, body: str, prologue: str = "") -> Path:
    """A guestos user program: ``prologue``, ``body``, exit(0); ``byte`` is a data byte '.'."""
    text = (f'.include "syscalls.inc"\n.globl _start\n_start:\n{prologue}{body}\n{EXIT}\n'
            f'.data\nbyte: .byte 46\n')
    path = tmp / f"{name}.elf"
    path.write_bytes(assemble_source(text, include_dirs=[str(GUESTOS)]).to_elf())
    return path


def run_bare(kernel: Path, modules: list[Path], limit: int | None = None):
    """(seconds, console output, the machine) of one bare run."""
    out = io.BytesIO()
    machine = Machine(console_in=ConsoleInput(None), console_out=ConsoleOutput(out))
    boot(machine, str(kernel), [str(p) for p in modules])
    started = time.perf_counter()
    machine.run(limit)
    return time.perf_counter() - started, out.getvalue(), machine


def run_vmm(kernel: Path, modules: list[Path], **monitor_options):
    """(seconds, console output, the guest) of one run as the monitor's only guest."""
    out = io.BytesIO()
    monitor = Monitor([GuestConfig(str(kernel), [str(p) for p in modules])],
                      [(ConsoleInput(None), ConsoleOutput(out))], **monitor_options)
    monitor.boot()
    started = time.perf_counter()
    monitor.run()
    return time.perf_counter() - started, out.getvalue(), monitor.guests[0]


def best(repeat: int, run, *args, **kwargs):
    """The fastest of ``repeat`` runs (the machine is shared); the first run's other results."""
    results = [run(*args, **kwargs) for _ in range(repeat)]
    return min(r[0] for r in results), results[0]


def in_turns(repeat: int, *runs):
    """Each of ``runs`` (callables of no arguments returning (seconds, ...)) ``repeat`` times, taking
    turns, so that a slow spell of the shared machine (its speed varies by 2x over seconds) falls on
    all of them alike. Returns the seconds of each run per round ([round][run]) and each run's
    first results. Compare runs within a round, then take the median over rounds."""
    rounds, first = [], [None] * len(runs)
    for _ in range(repeat):
        results = [run() for run in runs]
        rounds.append([r[0] for r in results])
        first = [f or r for f, r in zip(first, results)]
    return rounds, first


def median(values) -> float:
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2
