"""The virtual CPU: the processor state a guest believes it owns beyond its general registers.

psw (with the guest's own U/K bit and IE), pmar, epc, cause, tval, tvec, scratch are *virtual*:
the guest kernel runs in real user mode, so the real ones belong to the monitor; the guest reads
and writes these through the privileged instructions the monitor emulates. The general registers
and pc are the real ones while the guest is on the processor (``attach``) and are kept here while
another guest runs.

Counting (SPEC §4): the guest's instruction count is the real machine's count minus the
instructions other guests ran; the instructions the monitor emulates for the guest are retired
on the real machine, so they count too, and the guest's virtual timer and TIMER_NOW see exactly
the count the bare machine would.
"""
from __future__ import annotations

from isa.machine import PSW_U, SR_NAMES

MASK = 0xFFFFFFFF


class VirtualCPU:
    def __init__(self, instructions: list[int]):
        self.regs = [0] * 32          # general registers while the guest is off the processor
        self.pc = 0
        self.psw = 0                  # reset: kernel mode, IE = 0, translation off
        self.pmar = 0
        self.epc = self.cause = self.tval = self.tvec = self.scratch = 0
        self.instructions = instructions   # completed, by virtual mode: [kernel, user]
        self._machine = None
        self._offset = 0              # real count - guest count while attached
        self._count = 0               # guest count while detached
        self._mark = 0                # count up to which ``instructions`` is accounted

    # --- on and off the processor ------------------------------------------------------------
    def attach(self, machine) -> None:
        machine.regs[:] = self.regs
        machine.pc = self.pc
        self._offset = machine.count - self._count
        self._machine = machine

    def detach(self) -> None:
        machine = self._machine
        self.account()
        self._count = self.count
        self.regs[:] = machine.regs
        self.pc = machine.pc
        self._machine = None

    @property
    def attached(self) -> bool:
        return self._machine is not None

    @property
    def count(self) -> int:
        """Instructions this guest has completed since its reset."""
        machine = self._machine
        return machine.count - self._offset if machine is not None else self._count

    def to_real_count(self, count: int) -> int:
        """The real machine's count when this (attached) guest's count reaches ``count``."""
        return count + self._offset

    @property
    def user(self) -> bool:
        return bool(self.psw & PSW_U)

    def account(self) -> None:
        """Credit the instructions since the last call to the current virtual mode."""
        count = self.count
        self.instructions[self.psw & PSW_U] += count - self._mark
        self._mark = count

    # --- virtual special registers (psw goes through the guest, which switches shadows) ------
    def read_sr(self, number: int) -> int:
        return getattr(self, SR_NAMES[number])

    def write_sr(self, number: int, value: int) -> None:
        setattr(self, SR_NAMES[number], value & MASK)
