"""Trap and emulate: the privileged instructions a guest kernel executes, performed on its
virtual CPU (the lecture's first function, *virtualize*).

The guest kernel runs in real user mode, so each privileged instruction raises
PRIVILEGED_INSTRUCTION with the word in tval and the monitor comes here. It decodes the word with
the machine's own decoder, does to the virtual state exactly what the bare machine does to the
real state (the one definition in isa/privileged.py), counts it as one completed guest instruction, and resumes
the guest after it -- the guest cannot tell the difference, except in time.
"""
from __future__ import annotations

from isa import decode
from isa.privileged import PRIVILEGED

from .events import cpu_state, effect
from .guest import Guest


def emulate_privileged(guest: Guest, machine, word: int) -> None:
    """Perform the privileged instruction ``word`` at ``machine.pc`` for the guest's virtual
    kernel mode: isa/privileged.py's definition, on the guest as the processor."""
    d = decode(word)
    name = d.instr.mnemonic
    stats = guest.stats
    stats.privileged[name] += 1
    stats.emulated += 1
    events, pc = guest.events, machine.pc
    before = cpu_state(guest) if events is not None else None
    machine.count += 1                  # retired in the mode it ran in, before any mode switch
    machine.pc = PRIVILEGED[name](guest, d, machine.regs, machine.pc)
    if events is not None:
        events.emit("emulate", pc=pc, word=word, effect=effect(guest, before))
