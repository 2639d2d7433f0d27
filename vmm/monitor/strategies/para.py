"""``--strategy para``: paravirtualization, as Xen does it. The guest kernel is built to know it
runs on a monitor (``make guestos-para``) and asks for what it needs with ``hypercall`` instead
of executing sensitive or privileged instructions; the interface is isa/paravirt.py.

What it saves is traps: a plain trap-and-emulate guest kernel enters the monitor for every
``mfsr``/``mtsr``/``rti`` of its trap path; a paravirtual one reads the trap's epc, cause, tval
and psw from its vcpu page, which the monitor fills when it reflects the trap, and returns with
one HC_RTI. Only the guest kernel may call the monitor: a ``hypercall`` from the guest's user
mode is reflected to its kernel, as the bare machine would trap it.
"""
from __future__ import annotations

from isa import decode
from isa.machine import PAGE_SIZE, REGISTERS
from isa.paravirt import (HC_PUTC, HC_RDPSW, HC_RTI, HC_SET_VCPU, HC_WRPSW, HYPERCALLS, VCPU_CAUSE, VCPU_EPC,
                          VCPU_PSW, VCPU_SCRATCH, VCPU_TVAL)
from isa.privileged import rti_psw, wrpsw_psw

from ..events import cpu_state, effect
from .base import TrapAndEmulate

MASK = 0xFFFFFFFF
A0, A7 = REGISTERS["a0"], REGISTERS["a7"]
REFUSED = MASK                      # -1 in a0
HYPERCALL_NAMES = {number: name for name, (number, _) in HYPERCALLS.items()}


class Paravirtualization(TrapAndEmulate):
    name = "para"

    def __init__(self, guest):
        super().__init__(guest)
        self.vcpu_page: int | None = None       # guest-physical address, once registered

    def virtualization_trap(self, machine, word: int) -> bool:
        guest, vcpu, regs = self.guest, self.guest.vcpu, machine.regs
        d = decode(word)
        if d is None or d.instr.kind != "hypercall" or vcpu.user:
            return False
        number = regs[A7]
        guest.stats.hypercalls[HYPERCALL_NAMES.get(number, f"unknown {number}")] += 1
        guest.stats.emulated += 1
        events, pc = guest.events, machine.pc
        before = cpu_state(guest) if events is not None else None
        machine.retire()
        next_pc = (machine.pc + 4) & MASK
        if number == HC_SET_VCPU:
            gpa = regs[A0]
            ok = gpa % PAGE_SIZE == 0 and gpa + PAGE_SIZE <= guest.mmap.size
            self.vcpu_page = gpa if ok else self.vcpu_page
            regs[A0] = 0 if ok else REFUSED
        elif number == HC_RTI and self.vcpu_page is not None:
            vcpu.epc = self._read(VCPU_EPC)
            guest.set_psw(self._read(VCPU_PSW))
            regs[A7] = self._read(VCPU_SCRATCH)
            next_pc = vcpu.epc
            guest.set_psw(rti_psw(vcpu.psw))
        elif number == HC_PUTC:
            guest.devices.console_out.write(bytes([regs[A0] & 0xFF]))
        elif number == HC_RDPSW:
            regs[A0] = vcpu.psw
        elif number == HC_WRPSW:
            guest.set_psw(wrpsw_psw(vcpu.psw, regs[A0]))
        else:
            regs[A0] = REFUSED
        machine.pc = next_pc
        if events is not None:
            events.emit("hypercall", pc=pc, name=HYPERCALL_NAMES.get(number, f"unknown {number}"),
                        effect=effect(guest, before))
        return True

    def reflected(self, machine) -> None:
        if self.vcpu_page is None:
            return
        vcpu = self.guest.vcpu
        for offset, value in ((VCPU_EPC, vcpu.epc), (VCPU_CAUSE, vcpu.cause), (VCPU_TVAL, vcpu.tval),
                              (VCPU_PSW, vcpu.psw), (VCPU_SCRATCH, machine.regs[A7])):
            self.guest.mmap.write_bytes(self.vcpu_page + offset, (value & MASK).to_bytes(4, "little"))

    def _read(self, offset: int) -> int:
        return self.guest.mmap.read_word(self.vcpu_page + offset)
