"""What gdb calls a thread: the bare machine's processor (thread 1), or under the monitor one guest
(thread k = guest k) with the registers of its *virtual* CPU -- what the guest itself sees.

Each thread reads and writes registers by gdb's number (target.py), reads and writes memory at
virtual addresses through the translation the processor holds for it (a TLB entry, else a walk of
the page map; any valid leaf: gdb may look at kernel pages from user mode, as QEMU lets it), and
tells its *position*: (instructions completed, traps entered), which grows at every instruction
boundary, so two points of a run are equal only when they are the same point.
Device registers are not read or written from gdb (a read may consume console input).
"""
from __future__ import annotations

from isa.machine import PAGE_SHIFT, PAGE_SIZE, PMAR_ON, PSW_U, PTE_ADDR_MASK, PTE_V
from isa.privileged import READ, WalkFault, walk

from ..machine.guestmode import GuestControl
from .target import GENERAL, PC, REGISTER_NAMES

PMAR, CAUSE = REGISTER_NAMES.index("pmar"), REGISTER_NAMES.index("cause")

MASK = 0xFFFFFFFF


def _split(addr: int, length: int):
    """(address, length) pieces that stay within one page each."""
    while length > 0:
        n = min(length, PAGE_SIZE - (addr & (PAGE_SIZE - 1)))
        yield addr, n
        addr, length = (addr + n) & MASK, length - n


class BareThread:
    """The bare machine's one processor."""

    tid = 1
    name = "cpu"

    def __init__(self, machine):
        self.machine = machine

    @property
    def alive(self) -> bool:
        return True

    def describe(self) -> str:
        return f"TOY32 processor, {'user' if self.machine.psw & PSW_U else 'kernel'} mode"

    # --- registers -------------------------------------------------------------------------------
    def read_register(self, n: int) -> int:
        m = self.machine
        if n < GENERAL:
            return m.regs[n]
        if n == PC:
            return m.pc
        return getattr(m, REGISTER_NAMES[n])

    def write_register(self, n: int, value: int) -> bool:
        m, value = self.machine, value & MASK
        if n < GENERAL:
            if n:
                m.regs[n] = value
        elif n == PC:
            m.pc = value
        elif REGISTER_NAMES[n] == "psw":
            m.set_psw(value)
        elif REGISTER_NAMES[n] == "pmar":
            m.write_pmar(value)
        else:
            setattr(m, REGISTER_NAMES[n], value)
        return True

    # --- memory ----------------------------------------------------------------------------------
    def physical(self, va: int) -> int | None:
        m = self.machine
        if not m.pmar & PMAR_ON:
            return va
        leaf = m.mmu.tlb.get(va >> PAGE_SHIFT)
        if leaf is None:
            try:
                _, leaf = walk(m.mmu.read_word, m.mem.size, m.pmar, va, READ)
            except WalkFault:
                return None
        return (leaf & PTE_ADDR_MASK) | (va & 0xFFF) if leaf & PTE_V else None

    def read_memory(self, addr: int, length: int) -> bytes:
        """The bytes gdb asked for, up to the first one that cannot be read."""
        out = bytearray()
        for va, n in _split(addr, length):
            pa = self.physical(va)
            if pa is None or not self.machine.mem.contains(pa, n):
                break
            out += self.machine.mem.read(pa, n)
        return bytes(out)

    def write_memory(self, addr: int, data: bytes) -> bool:
        pieces = []
        for va, n in _split(addr, len(data)):
            pa = self.physical(va)
            if pa is None or not self.machine.mem.contains(pa, n):
                return False
            pieces.append((pa, va - addr, n))
        for pa, offset, n in pieces:
            self.machine.write_bytes(pa, data[offset:offset + n])
        return True

    def read_physical(self, pa: int, length: int) -> bytes:
        mem = self.machine.mem
        length = max(0, min(length, mem.size - pa)) if 0 <= pa < mem.size else 0
        return mem.read(pa, length)

    # --- where it is ---------------------------------------------------------------------------
    def position(self) -> tuple[int, int]:
        return self.machine.count, sum(self.machine.stats.traps.values())

    def trap_cause(self) -> int:
        return self.machine.cause

    def sync_copies(self) -> None:
        """(The bare machine's registers are the processor's.)"""

    def on_processor(self) -> bool:
        return True


class GuestThread:
    """One guest under the monitor: its virtual CPU, its guest-virtual memory."""

    def __init__(self, guest):
        self.guest = guest
        self.tid = guest.index + 1
        self.name = guest.name

    @property
    def alive(self) -> bool:
        return self.guest.exit is None

    def describe(self) -> str:
        g = self.guest
        state = "ended" if g.exit is not None else ("on the processor" if g.vcpu.attached else "waiting")
        return f"{g.name} ({g.config.image}), virtual {'user' if g.vcpu.user else 'kernel'} mode, {state}"

    def on_processor(self) -> bool:
        return self.guest.vcpu.attached

    def _in_guest_mode(self) -> bool:
        """The guest runs in the hardware guest mode (--strategy vt): the processor holds its
        special registers, the virtual CPU's copies are those of its last exit (guestmode.py)."""
        control = self.guest.machine.guest_control
        return control is not None and control.state is self.guest.vcpu

    def sync_copies(self) -> None:
        """In the guest mode, bring the virtual CPU's copies up to date from the processor, so
        that what reads them (monitor commands, the maps' dump) sees the guest as it stands."""
        if self._in_guest_mode():
            GuestControl.save(self.guest.machine.guest_control, self.guest.machine)   # copies only

    # --- registers: the virtual CPU's; general registers and pc are the real ones while attached
    def read_register(self, n: int) -> int:
        vcpu, machine = self.guest.vcpu, self.guest.machine
        if n < GENERAL:
            return machine.regs[n] if vcpu.attached else vcpu.regs[n]
        if n == PC:
            return machine.pc if vcpu.attached else vcpu.pc
        if self._in_guest_mode():
            return machine.read_pmar() if REGISTER_NAMES[n] == "pmar" else getattr(machine, REGISTER_NAMES[n])
        return getattr(vcpu, REGISTER_NAMES[n])

    def write_register(self, n: int, value: int) -> bool:
        guest, value = self.guest, value & MASK
        vcpu, machine = guest.vcpu, guest.machine
        if n < GENERAL:
            if n:
                (machine.regs if vcpu.attached else vcpu.regs)[n] = value
        elif n == PC:
            if vcpu.attached:
                machine.pc = value
            else:
                vcpu.pc = value
        elif REGISTER_NAMES[n] in ("psw", "pmar"):
            # changing them installs shadows on the real processor (in the guest mode: they are
            # the processor's own, whose maps the monitor keeps: not from gdb)
            if not vcpu.attached or self._in_guest_mode():
                return False
            (guest.set_psw if REGISTER_NAMES[n] == "psw" else guest.write_pmar)(value)
        else:
            setattr(machine if self._in_guest_mode() else vcpu, REGISTER_NAMES[n], value)
        return True

    # --- memory: guest-virtual -> guest-physical (the guest's maps), then its RAM ---------------
    def physical(self, va: int) -> int | None:
        """The guest-physical address of va, through the translation the guest's processor holds."""
        guest = self.guest
        pmar = self.read_register(PMAR)
        if not pmar & PMAR_ON:
            return va
        cached = guest._cached_entries(va)
        if cached is not None:
            leaf = cached[1]
        else:
            try:
                _, leaf = walk(guest.read_word, guest.mmap.size, pmar, va, READ)
            except WalkFault:
                return None
        return (leaf & PTE_ADDR_MASK) | (va & 0xFFF) if leaf & PTE_V else None

    def _read_guest_physical(self, gpa: int, n: int) -> bytes:
        guest = self.guest
        first, last = gpa & ~3, (gpa + n + 3) & ~3
        words = b"".join(guest.read_word(a).to_bytes(4, "little") for a in range(first, last, 4))
        return words[gpa - first:gpa - first + n]

    def read_memory(self, addr: int, length: int) -> bytes:
        out = bytearray()
        for va, n in _split(addr, length):
            gpa = self.physical(va)
            if gpa is None or gpa + n > self.guest.mmap.size:
                break
            out += self._read_guest_physical(gpa, n)
        return bytes(out)

    def write_memory(self, addr: int, data: bytes) -> bool:
        pieces = []
        for va, n in _split(addr, len(data)):
            gpa = self.physical(va)
            if gpa is None or gpa + n > self.guest.mmap.size:
                return False
            pieces.append((gpa, va - addr, n))
        for gpa, offset, n in pieces:
            self.guest.mmap.write_bytes(gpa, data[offset:offset + n])
        return True

    def read_physical(self, gpa: int, length: int) -> bytes:
        size = self.guest.mmap.size
        length = max(0, min(length, size - gpa)) if 0 <= gpa < size else 0
        return self._read_guest_physical(gpa, length)

    # --- where it is: the guest's own count and the traps reflected to it (or, in the guest
    # mode, delivered to it by the processor) ----------------------------------------------------
    def position(self) -> tuple[int, int]:
        s = self.guest.stats
        traps = (sum(s.interrupts.values()) + sum(s.true_faults.values()) + s.syscalls
                 + sum(s.reflected.values()))
        control = getattr(self.guest.strategy, "control", None)
        if control is not None:
            traps += sum(control.delivered.values())
        return self.guest.vcpu.count, traps

    def trap_cause(self) -> int:
        return self.read_register(CAUSE)
