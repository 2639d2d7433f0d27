"""The memory accesses translated code cannot finish on its own: a fast-map miss, a fault, a device
register, a store into translated code. Translated code calls these helpers (``LD``/``ST`` in a
region of many instructions, ``LDX``/``STX`` in a one-instruction region, see translate.py) with
the pc of the access and how many instructions of the region completed before it (``done``
out of ``budget``), so that a helper that traps or ends the region can set the exact count.

Order of checks (docs/spec.md): alignment, then translation and permission, then the physical
target -- RAM, the device page (kernel mode, whole words only), or a bus error.
"""
from __future__ import annotations

from isa.machine import CAUSE_BY_NAME, DEVICE_BASE, PAGE_SHIFT, PMAR_ON, PSW_U

from .mmu import READ, WRITE, TranslationFault
from .translate import LOAD_KINDS, RegionBail, RegionExit

MASK = 0xFFFFFFFF
DEVICE_PAGE = DEVICE_BASE >> PAGE_SHIFT
C = CAUSE_BY_NAME


class MemoryPaths:
    """The Machine's slow memory paths (a part of ``Machine``, kept apart for reading)."""

    def _fault(self, cause: int, tval: int, pc: int, done: int, budget: int) -> None:
        self.count = self._limit - budget + done
        self.pc = pc
        self.trap(cause, tval)
        raise RegionExit

    def _translate_data(self, a: int, access: int, pc: int, done: int, budget: int) -> int:
        if not (self.pmar | self.mmap) & PMAR_ON:
            return a
        try:
            return self.mmu.translate(self.pmar, a, access, bool(self.psw & PSW_U))
        except TranslationFault as fault:
            self._fault(fault.cause, a, pc, done, budget)

    def _device(self, p: int, width: int, fault: int, a: int, pc: int, done: int, budget: int) -> int:
        """Checks of a device-page access; the count it happens at."""
        if self.psw & PSW_U:
            self._fault(fault, a, pc, done, budget)
        if width != 4:
            self._fault(C["BUS_ERROR"], a, pc, done, budget)
        return self._limit - budget + done

    def _bail(self, pc: int, done: int, budget: int) -> None:
        self.count = self._limit - budget + done
        self.pc = pc
        self._bailed = True
        raise RegionBail

    def _ram_address(self, a: int, width: int, access: int) -> int:
        """The physical address of a plain RAM access at a, or -1 (misaligned, fault, no RAM)."""
        if a & (width - 1):
            return -1
        if (self.pmar | self.mmap) & PMAR_ON:
            try:
                a = self.mmu.translate(self.pmar, a, access, bool(self.psw & PSW_U))
            except TranslationFault:
                return -1
        return a if a + width <= self.mem.size else -1

    def _load_or_bail(self, a: int, kind: int, pc: int, done: int, budget: int) -> int:
        """A load the fast path missed, inside a region: RAM is read here, anything else bails."""
        width, signed = LOAD_KINDS[kind]
        p = self._ram_address(a, width, READ)
        if p < 0:
            self._bail(pc, done, budget)
        mem = self.mem
        if width == 4:
            return mem.u32[p >> 2]
        if width == 2:
            return (mem.s16 if signed else mem.u16)[p >> 1] & MASK
        return (mem.s8 if signed else mem.u8)[p] & MASK

    def _store_or_bail(self, a: int, value: int, width: int, pc: int, done: int, budget: int) -> None:
        """A store the fast path missed, inside a region: plain RAM is written here, anything
        else (faults, devices, pages holding translated code) bails."""
        p = self._ram_address(a, width, WRITE)
        if p < 0 or self.code.writes_code(p):
            self._bail(pc, done, budget)
        self.mem.ram[p:p + width] = (value & ((1 << 8 * width) - 1)).to_bytes(width, "little")

    def _load_slow(self, a: int, kind: int, pc: int, rd: int, done: int, budget: int) -> int:
        width, signed = LOAD_KINDS[kind]
        if a & (width - 1):
            self._fault(C["MISALIGNED_LOAD"], a, pc, done, budget)
        p = self._translate_data(a, READ, pc, done, budget)
        mem = self.mem
        if p + width <= mem.size:
            if width == 4:
                return mem.u32[p >> 2]
            if width == 2:
                return (mem.s16 if signed else mem.u16)[p >> 1] & MASK
            return (mem.s8 if signed else mem.u8)[p] & MASK
        if p >> PAGE_SHIFT == DEVICE_PAGE:
            count = self._device(p, width, C["PAGE_FAULT_LOAD"], a, pc, done, budget)
            value = self.devices.read(p, count)
            if value is None:
                self._fault(C["BUS_ERROR"], a, pc, done, budget)
            if rd:
                self.regs[rd] = value & MASK
            self.count, self.pc = count + 1, pc + 4
            raise RegionExit
        self._fault(C["BUS_ERROR"], a, pc, done, budget)

    def _store_slow(self, a: int, value: int, width: int, pc: int, done: int, budget: int) -> None:
        if a & (width - 1):
            self._fault(C["MISALIGNED_STORE"], a, pc, done, budget)
        p = self._translate_data(a, WRITE, pc, done, budget)
        mem = self.mem
        if p + width <= mem.size:
            code = self.code.writes_code(p)
            if code:
                self.code.invalidate_page(p >> PAGE_SHIFT)
            mem.ram[p:p + width] = (value & ((1 << 8 * width) - 1)).to_bytes(width, "little")
            if code:   # the running region may be the code just dropped
                self.count, self.pc = self._limit - budget + done + 1, pc + 4
                raise RegionExit
            return
        if p >> PAGE_SHIFT == DEVICE_PAGE:
            count = self._device(p, width, C["PAGE_FAULT_STORE"], a, pc, done, budget)
            if not self.devices.write(p, value, count + 1):
                self._fault(C["BUS_ERROR"], a, pc, done, budget)
            self.count, self.pc = count + 1, pc + 4
            raise RegionExit
        self._fault(C["BUS_ERROR"], a, pc, done, budget)
