"""Trap and emulate: the privileged instructions a guest kernel executes, performed on its
virtual CPU (the lecture's first function, *virtualize*).

The guest kernel runs in real user mode, so each privileged instruction raises
PRIVILEGED_INSTRUCTION with the word in tval and the monitor comes here. It decodes the word with
the machine's own decoder, does to the virtual state exactly what the bare machine does to the
real state (SPEC §3, docs/machine.md), counts it as one completed guest instruction, and resumes
the guest after it -- the guest cannot tell the difference, except in time.
"""
from __future__ import annotations

from isa import decode
from isa.machine import SR_NUMBERS

from ..machine import Stop
from .guest import Guest

MASK = 0xFFFFFFFF
SR_PSW = SR_NUMBERS["psw"]


def emulate_privileged(guest: Guest, machine, word: int) -> None:
    """Perform the privileged instruction ``word`` at ``machine.pc`` for the guest's virtual
    kernel mode."""
    d = decode(word)
    name = d.mnemonic
    vcpu, regs = guest.vcpu, machine.regs
    guest.stats.privileged[name] += 1
    guest.stats.emulated += 1
    machine.retire()                    # counted in the mode it ran in, before any mode switch
    next_pc = (machine.pc + 4) & MASK
    if name == "mfsr":
        if d.rd:
            regs[d.rd] = vcpu.read_sr(d.imm)
    elif name == "mtsr":
        if d.imm == SR_PSW:
            guest.set_psw(regs[d.rs1])
        else:
            vcpu.write_sr(d.imm, regs[d.rs1])
    elif name == "rti":
        next_pc = vcpu.epc
        guest.set_psw(vcpu.rti_psw())
    elif name == "ldpmar":
        if d.rd:
            regs[d.rd] = vcpu.pmar
    elif name == "stpmar":
        guest.set_pmar(regs[d.rs1])
    elif name == "tlbflush":
        guest.flush_translations()
    elif name == "halt":
        guest.end(Stop("halt", 0))
    else:  # pragma: no cover - every privileged mnemonic is handled above
        raise AssertionError(name)
    machine.pc = next_pc
