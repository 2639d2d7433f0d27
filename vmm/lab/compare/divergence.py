"""The first divergence: where the guest can first see that it is not on the bare machine.

The bare run and the run under a strategy are replayed with a tracer (the machine's
``--trace`` interface) that records, after each completed instruction, what the guest can see:
pc, the instruction word, the registers it changed, and its psw's U and IE bits (the virtual
psw under the monitor). The second run is compared step by step with the first; the first step
that differs is the divergence, explained with the lesson when the instruction is one of the
two sensitive-unprivileged ones.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from isa.disasm import disassemble
from isa.machine import ABI_NAMES, PSW_IE, PSW_U

from ...machine import Stop
from . import DEFAULT_SEARCH
from .runs import Guest, boot_bare, boot_monitor

LESSONS = {
    "rdpsw": "rdpsw is sensitive but unprivileged: run directly in the guest kernel, which the "
             "monitor runs in real user mode, it read the real psw (U=1) instead of trapping, so "
             "the guest saw that it is not in kernel mode.",
    "wrpsw": "wrpsw is sensitive but unprivileged: in real user mode it is silently ignored, so "
             "the guest kernel's change of IE was lost and the monitor never knew.",
}


@dataclass
class Divergence:
    """The first step where the two runs differ, and what differed."""
    count: int                          # instructions completed before the one that differs
    pc: int
    word: int | None
    what: list[str]                     # e.g. "a0: bare 00000000, trap 00000001"
    lesson: str

    def to_json(self) -> dict:
        return {"instruction": self.count + 1, "pc": self.pc, "word": self.word,
                "text": disassemble(self.word, self.pc) if self.word is not None else None,
                "differences": self.what, "lesson": self.lesson}


def instruction_text(word: int | None, pc: int) -> str:
    """The instruction as assembly, or "?" when it could not be fetched."""
    return disassemble(word, pc) if word is not None else "?"


class Recorder:
    """A tracer (the machine's ``--trace`` interface) that keeps what the guest can see after each
    completed instruction: (pc, word, registers changed, psw U and IE). With ``against`` (a
    recording of the bare run) it compares instead and stops at the first difference. Keeping
    only the registers that changed keeps a million-instruction recording small; equal change
    lists from equal starting registers mean equal registers.

    When the recording is done (``limit`` steps kept, or the first difference found) it calls
    ``stop`` once -- the machine's own way of ending a run (``Machine.stop``, or
    ``Machine.request_interrupt`` under the monitor, whose scheduler then returns leaving the
    guest as it is) -- and ignores the instructions the machine completes before it looks."""

    def __init__(self, psw_of, limit: int, stop, against: Recorder | None = None, label: str = ""):
        self.psw_of = psw_of
        self.limit = limit
        self.stop = stop
        self.steps: list[tuple] = []
        self.complete = True               # the whole run is recorded (it ended within limit)
        self.against = against
        self.label = label
        self.found: Divergence | None = None
        self.done = False                  # recorded enough: the run is being stopped
        self.regs = [0] * 32               # the registers after the last step
        self.bare_regs = [0] * 32
        self.n = 0                         # instructions seen

    @staticmethod
    def snapshot(machine) -> None:
        return None

    def trap(self, machine, cause: int, tval: int) -> None:
        pass

    def _finish(self) -> None:
        self.done = True
        self.stop()

    def instruction(self, machine, before, pc: int, word: int | None) -> None:
        if self.done:
            return
        now, prev = machine.regs, self.regs
        changes = ()
        if now != prev:
            changes = tuple((i, v) for i, (v, o) in enumerate(zip(now, prev)) if v != o)
            prev[:] = now
        step = (pc, word, changes, self.psw_of() & (PSW_U | PSW_IE))
        n, self.n = self.n, self.n + 1
        if self.against is None:
            self.steps.append(step)
            if self.n >= self.limit:
                self.complete = False
                self._finish()
            return
        bare = self.against
        if n >= len(bare.steps):
            if bare.complete:
                self.found = Divergence(n, pc, word, [(f"the bare machine stopped after {n:,} instructions; "
                                                       f"{self.label} runs on")], "")
            self._finish()
            return
        expected = bare.steps[n]
        for i, v in expected[2]:
            self.bare_regs[i] = v
        if step != expected:
            self.found = describe(n, expected, step, self.bare_regs, now, self.label)
            self._finish()


def describe(n: int, bare: tuple, other: tuple, bare_regs: list, regs: list, label: str) -> Divergence:
    """The divergence at step ``n``: another path (pc), or other registers or psw bits."""
    bpc, bword, _, bpsw = bare
    pc, word, _, psw = other
    if bpc != pc:
        return Divergence(n, bpc, bword, [(f"pc: bare runs {bpc:08x} ({instruction_text(bword, bpc)}), "
                                           f"{label} runs {pc:08x} ({instruction_text(word, pc)})")],
                          "The guest took a different path here: an interrupt or trap came at a "
                          "different point than on the bare machine.")
    what = [f"{ABI_NAMES[i]}: bare {b:08x}, {label} {o:08x}"
            for i, (b, o) in enumerate(zip(bare_regs, regs)) if b != o]
    for bit, name in ((PSW_U, "psw.U"), (PSW_IE, "psw.IE")):
        if (bpsw ^ psw) & bit:
            what.append(f"{name}: bare {int(bool(bpsw & bit))}, {label} {int(bool(psw & bit))}")
    mnemonic = instruction_text(bword, bpc).split()[0] if bword is not None else ""
    return Divergence(n, bpc, bword, what, LESSONS.get(mnemonic, "The instruction's effect differs."))


def first_divergence(guest: Guest, strategy: str, limit: int = DEFAULT_SEARCH) -> Divergence | None:
    """Run bare and under ``strategy`` instruction by instruction; where they first differ."""
    machine = boot_bare(guest, io.BytesIO())
    bare = Recorder(lambda: machine.psw, min(limit, guest.max_instructions),
                    lambda: machine.stop(Stop("limit")))
    machine.tracer = bare
    machine.run(guest.max_instructions)
    monitor = boot_monitor(guest, strategy, io.BytesIO())
    vcpu = monitor.guests[0].vcpu
    other = Recorder(lambda: vcpu.psw, limit, monitor.machine.request_interrupt, bare, strategy)
    monitor.machine.tracer = other
    monitor.run()              # returns when the guest ends or the recorder has stopped it
    return other.found
