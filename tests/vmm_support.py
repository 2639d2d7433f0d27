"""Running one program on the bare machine and under the monitor, in process, and comparing what
a guest can observe: console output, how it ended, and its whole architectural state (registers,
pc, psw, pmar, the special registers and the instruction count)."""
from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from asm.api import assemble_source
from isa.machine import DEFAULT_RAM_SIZE
from vmm.machine import EXIT_LIMIT, ConsoleInput, ConsoleOutput, Machine
from vmm.machine.boot import boot
from vmm.monitor import GuestConfig, Monitor
from vmm.monitor.strategies import STRATEGY_NAMES

GUESTS = Path(__file__).parent / "guests"
LIMIT = 5_000_000
# Kernel-mode code that continues at label `user:` in user mode with interrupts on (rti).
TO_USER = """
    la t0, user
    mtsr epc, t0
    li t0, PSW_PU | PSW_PIE
    mtsr psw, t0
    rti
user:
"""
SPECIAL = ("pc", "psw", "pmar", "epc", "cause", "tval", "tvec", "scratch", "count")
STRATEGIES = STRATEGY_NAMES
# A kernel's first lines: entry point _start, trap handler at the label given.
START = """
    .text
    .globl _start
_start:
    la t0, {tvec}
    mtsr tvec, t0
"""

# Page maps for small kernels: root at 0x20000, second level at 0x21000 covering 0..4M;
# the kernel's code page 0x10000 is mapped with CODE_FLAGS and the second-level map read-write,
# then translation goes on.
PAGING = """
    li t0, 0x21000 | PTE_V
    li t1, 0x20000 + ({root_index} << 2)
    sw t0, 0(t1)
    li t0, 0x10000 | {code_flags}
    li t1, 0x21000 + (0x10 << 2)
    sw t0, 0(t1)
    li t0, 0x21000 | PTE_V | PTE_R | PTE_W     # the second-level map itself, for the handler
    li t1, 0x21000 + (0x21 << 2)
    sw t0, 0(t1)
    li t0, 0x20000 | PMAR_ON
    stpmar t0
"""


def assemble(tmp_path: Path, source: str, name: str = "kernel") -> Path:
    """A kernel-mode program (entry _start at toyasm's default base) as an ELF file."""
    elf = tmp_path / f"{name}.elf"
    elf.write_bytes(assemble_source(source, f"{name}.s").to_elf())
    return elf


@dataclass
class Outcome:
    kind: str
    status: int
    output: bytes
    state: dict
    message: str = ""            # the crash report or other end message, as the CLI prints it

    def observable(self):
        return self.kind, self.status, self.output, self.state


def run_bare(elf: Path, modules=(), mem: int = DEFAULT_RAM_SIZE, stdin: bytes = b"",
             limit: int = LIMIT, **options) -> Outcome:
    out = io.BytesIO()
    m = Machine(mem, console_in=ConsoleInput.from_bytes(stdin), console_out=ConsoleOutput(out), **options)
    boot(m, str(elf), [str(p) for p in modules])
    stop = m.run(limit)
    state = {name: getattr(m, name) for name in SPECIAL}
    state["regs"] = list(m.regs)
    status = EXIT_LIMIT if stop.kind == "limit" else stop.exit_status     # as toyvm run reports it
    return Outcome(stop.kind, status, out.getvalue(), state, stop.message)


def run_vmm(guests: list[dict], limit: int = LIMIT, **monitor_options) -> tuple[list[Outcome], Monitor]:
    """guests: dicts with elf, modules, mem, stdin."""
    outs = [io.BytesIO() for _ in guests]
    configs = [GuestConfig(str(g["elf"]), [str(p) for p in g.get("modules", ())], g.get("mem", DEFAULT_RAM_SIZE),
                           max_instructions=limit) for g in guests]
    consoles = [(ConsoleInput.from_bytes(g.get("stdin", b"")), ConsoleOutput(out)) for g, out in zip(guests, outs)]
    monitor = Monitor(configs, consoles, **monitor_options)
    monitor.boot()
    stops = monitor.run()
    outcomes = []
    for guest, stop, out in zip(monitor.guests, stops, outs):
        vcpu = guest.vcpu
        state = {name: getattr(vcpu, name) for name in SPECIAL}
        regs_pc = (monitor.machine.regs, monitor.machine.pc) if vcpu.attached else (vcpu.regs, vcpu.pc)
        state["regs"], state["pc"] = list(regs_pc[0]), regs_pc[1]
        outcomes.append(Outcome(stop.kind, stop.exit_status, out.getvalue(), state, stop.message))
    return outcomes, monitor


def run_both(elf: Path, monitor: dict | None = None, **options) -> tuple[Outcome, Outcome]:
    """The bare run and the monitor's (``monitor``: its options, e.g. strategy and paging)."""
    bare = run_bare(elf, **options)
    guest = {"elf": elf, **{k: v for k, v in options.items() if k in ("modules", "mem", "stdin")}}
    limit = options.get("limit", LIMIT)
    (vmm,), _ = run_vmm([guest], limit=limit, **(monitor or {}))
    return bare, vmm
