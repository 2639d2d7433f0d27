"""How runs end, and the crash report (never a traceback)."""
from __future__ import annotations

from dataclasses import dataclass

from isa.disasm import disassemble
from isa.machine import ABI_NAMES, CAUSE_NAMES, PMAR_ON, PSW_U, PTE_U, PTE_V
from isa.privileged import ACCESS_OF_FAULT, EXEC, WalkFault, explain_walk, walk

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
    ``limit`` (the run's instruction bound was reached; status EXIT_LIMIT, 124, on the bare
    machine and under the monitor alike; the machine can be run further),
    ``crash`` (a trap with no working handler, or a fault the monitor treats as fatal),
    ``interrupted`` (``request_interrupt``: the user pressed Ctrl-C; the machine can run on).
    Under the monitor a machine run also ends with ``guest`` (the current guest finished) and
    ``rebound`` (a guest's timer moved before the end of the run); see vmm/monitor/scheduler.py.
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


def crash_report(machine, headline: str, fault: tuple[int, int] | None = None) -> str:
    """pc, the instruction there, the special registers and all general registers; with
    ``fault`` = (cause, tval) of the exception that ended the run, why it was raised (the page
    walk that refused a page fault) and hints for common mistakes.

    ``machine`` is anything with the processor's state, ``peek_instruction(va)`` and
    ``page_map_reader()`` -> (read_word(physical address), memory size): the bare machine, or a
    guest's view of its virtual machine."""
    word = machine.peek_instruction(machine.pc)
    text = disassemble(word, machine.pc) if word is not None else "(not fetchable)"
    mode = "user" if machine.psw & PSW_U else "kernel"
    lines = [
        f"toyvm: {headline}",
        f"  pc={machine.pc:08x} ({mode} mode)  instruction: {text}"
        + (f"  [{word:08x}]" if word is not None else ""),
        f"  cause={cause_name(machine.cause)} tval={machine.tval:08x} epc={machine.epc:08x} "
        f"tvec={machine.tvec:08x} psw={machine.psw:08x} pmar={machine.pmar:08x} scratch={machine.scratch:08x}",
        f"  instructions completed: {machine.count}",
        register_dump(machine.regs),
    ]
    if fault is not None:
        lines += ["  " + line for line in explain(machine, *fault)]
    return "\n".join(lines)


def explain(machine, cause: int, tval: int) -> list[str]:
    """Why the exception (cause, tval) at machine.pc was raised, and hints."""
    user = bool(machine.psw & PSW_U)
    read_word, size = machine.page_map_reader()
    lines = [f"the exception: {cause_name(cause)} at pc={machine.pc:08x} tval={tval & 0xFFFFFFFF:08x}"]
    if cause in ACCESS_OF_FAULT:
        lines += explain_walk(read_word, size, machine.pmar, tval, ACCESS_OF_FAULT[cause], user)
    if machine.tvec == 0:
        lines.append("hint: tvec is 0: no trap handler was installed (mtsr tvec, REG at boot)")
    if not user and machine.pmar & PMAR_ON:
        try:
            _, leaf = walk(read_word, size, machine.pmar, machine.pc, EXEC)
        except WalkFault:
            leaf = 0
        if leaf & PTE_V and leaf & PTE_U:
            lines.append("hint: kernel mode is running code from a user page (PTE_U): an rti with PSW_PU "
                         "clear returns in kernel mode; set PSW_PU in psw before rti to enter user mode")
    return lines
