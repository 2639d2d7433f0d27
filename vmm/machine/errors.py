"""How runs end, and the crash report (never a traceback)."""
from __future__ import annotations

from dataclasses import dataclass

from isa.machine import ABI_NAMES, CAUSE_NAMES

from .disasm import disassemble

EXIT_LIMIT = 124      # ran past --max-instructions (as timeout(1) reports a timeout)
EXIT_CRASH = 125      # bare machine: a trap with no working handler
EXIT_LOAD_ERROR = 1   # the executable could not be loaded


class LoadError(Exception):
    """An executable that cannot be loaded; the message says why."""


@dataclass
class Stop:
    """Why ``Machine.run`` returned.

    kind: ``power_off`` (POWER_OFF written; status = the value), ``halt`` (``halt`` in kernel
    mode; status 0), ``exit`` (a monitor ended the program, e.g. the Linux exit syscall),
    ``limit`` (the run's instruction bound was reached; the machine can be run further),
    ``crash`` (a trap with no working handler, or a fault the monitor treats as fatal).
    """
    kind: str
    status: int = 0
    message: str = ""

    @property
    def exit_status(self) -> int:
        return self.status & 0xFF


def cause_name(cause: int) -> str:
    return CAUSE_NAMES.get(cause, f"cause {cause:#x}")


def register_dump(regs: list[int]) -> str:
    lines = []
    for row in range(0, 32, 4):
        lines.append("  ".join(f"{f'x{i}/{ABI_NAMES[i]}':>8}={regs[i]:08x}" for i in range(row, row + 4)))
    return "\n".join(lines)


def crash_report(machine, headline: str) -> str:
    """pc, the instruction there, the special registers and all general registers."""
    word = machine.peek_instruction(machine.pc)
    text = disassemble(word, machine.pc) if word is not None else "(not fetchable)"
    mode = "user" if machine.psw & 1 else "kernel"
    lines = [
        f"toyvm: {headline}",
        f"  pc={machine.pc:08x} ({mode} mode)  instruction: {text}"
        + (f"  [{word:08x}]" if word is not None else ""),
        f"  cause={cause_name(machine.cause)} tval={machine.tval:08x} epc={machine.epc:08x} "
        f"tvec={machine.tvec:08x} psw={machine.psw:08x} pmar={machine.pmar:08x} scratch={machine.scratch:08x}",
        f"  instructions completed: {machine.count}",
        register_dump(machine.regs),
    ]
    return "\n".join(lines)
