"""Nested paging for the monitor (``--paging nested``; SPEC §9): instead of shadow maps, one real
*machine map* per guest -- guest-physical page -> host page, a §5 two-level map in the guest's
monitor frames -- installed in the machine's mmap register, under the guest's own pmar. The
processor walks both; the guest's stpmar and tlbflush need no shadow rebuild, and the guest's
page faults are its own (the monitor only reflects them while the guest kernel runs in real user
mode, ``--strategy hw``; in the guest mode, ``--strategy vt``, they never reach it).

What reaches the monitor is MMAP_FAULT, with the gpa and gpainfo registers:
  * guest RAM (gpa < the guest's size) not yet in the machine map: back it with the host page of
    the machine map's record (machine_map.py; allocated on first use) and retry -- the first
    touch of each guest-physical page, an EPT violation of a demand-paged guest;
  * a word of the guest's page map outside its RAM (MMAP_FAULT_WALK): the BUS_ERROR of SPEC §5;
  * the device page: a device register (kernel mode: emulated as with shadow maps; user mode:
    the page fault the bare machine raises; a fetch: BUS_ERROR); anything else: BUS_ERROR.

``NestedMaps`` stands where ``Shadows`` stands (``Guest.shadows``), so the guest's state changes
go through the same calls: activate (a mode or map change), flush, reload (a world switch).
Without the guest mode the processor cannot tell the guest's kernel from its user mode, so the
monitor sets MMAP_GUEST_KERNEL while the guest is in its kernel mode, and every change of that
bit flushes the TLB: the price of nested paging without a hardware guest mode.
"""
from __future__ import annotations

from collections import OrderedDict

from isa.machine import (CAUSE_BY_NAME, MMAP_FAULT_WALK, MMAP_GUEST_KERNEL, MMAP_ON, PAGE_SHIFT, PTE_R, PTE_V,
                         PTE_W, PTE_X)
from isa.privileged import EXEC, FAULT_OF_ACCESS

from .allocator import OutOfMemory
from .config import PAGING
from .dispatch import Dispatcher
from .shadow import DEVICE_PAGE
from .vdevices import emulate_device_access

C = CAUSE_BY_NAME
MMAP_FAULT, BUS_ERROR = C["MMAP_FAULT"], C["BUS_ERROR"]
ACCESS_BITS = PTE_R | PTE_W | PTE_X
NESTED = "nested"                 # the key ``installed.key`` has (guest.py reads it)


class NestedMaps:
    """A guest's machine map in host RAM, and the mmap/pmar registers it needs installed."""

    guest_mode = False            # the processor knows the guest's mode (vt): no MMAP_GUEST_KERNEL

    def __init__(self, machine, allocator, mmap, guest_index: int, stats, cache: bool, leaf_flags, read_word):
        self.machine = machine
        self.allocator = allocator
        self.mmap = mmap                       # machine_map.py: the record of gppn -> hppn
        self.guest_index = guest_index
        self.stats = stats
        self.root = self._frame()
        self.tables: dict[int, int] = {}       # root index -> host page of its second-level map
        self.installed = None                  # self, once activated (guest.py's protocol)
        self.key, self.sources = NESTED, {}    # no shadow leaves: guest.py walks the guest's map
        self.maps: OrderedDict = OrderedDict() # no shadow maps (--dump-maps shows none)
        self.vpmar, self.user = 0, False
        self.events = None                     # the guest's event emitter, when watched (events.py)

    def register(self) -> int:
        """The mmap register's value for the guest as it stands."""
        kernel = MMAP_GUEST_KERNEL if not self.user and not self.guest_mode else 0
        return (self.root << PAGE_SHIFT) | MMAP_ON | kernel

    # --- the Shadows protocol (guest.py) -------------------------------------------------------
    def activate(self, vpmar: int, user: bool):
        self.vpmar, self.user = vpmar, user
        self.installed = self
        self.machine.set_nested(self.register(), vpmar)
        return self

    def reload(self) -> None:
        self.machine.set_nested(self.register(), self.vpmar)

    def flush(self) -> None:
        self.machine.tlb_flush()

    def forget_page(self, gppn: int) -> None:
        """(No shadow leaves to forget.)"""

    # --- the machine map -------------------------------------------------------------------------
    def back(self, gppn: int) -> None:
        """Map guest page gppn (inside the guest's RAM) onto its host page."""
        hppn = self.mmap.host_page(gppn)
        table = self.tables.get(gppn >> 10)
        if table is None:
            table = self.tables[gppn >> 10] = self._frame()
            self.machine.write_word((self.root << PAGE_SHIFT) + ((gppn >> 10) << 2), (table << PAGE_SHIFT) | PTE_V)
        self.machine.write_word((table << PAGE_SHIFT) + ((gppn & 0x3FF) << 2),
                                (hppn << PAGE_SHIFT) | ACCESS_BITS | PTE_V)
        self.stats.mmap_fills += 1
        if self.events is not None:
            self.events.emit("mmap-fill", gpa=gppn << PAGE_SHIFT, host=hppn << PAGE_SHIFT, table=table << PAGE_SHIFT)

    def _frame(self) -> int:
        frame = self.allocator.shadow_frame(self.guest_index)
        if frame is None:
            raise OutOfMemory(f"guest{self.guest_index + 1}: no monitor frame left for its machine map")
        return frame


class NestedDispatcher(Dispatcher):
    """The dispatcher, plus MMAP_FAULT."""

    def handle(self, guest, machine, cause: int, tval: int) -> None:
        if cause == MMAP_FAULT:
            self.mmap_fault(guest, tval)
        else:
            super().handle(guest, machine, cause, tval)

    def mmap_fault(self, guest, va: int) -> None:
        machine, vcpu = self.machine, guest.vcpu
        gpa, info = machine.fault_gpa
        access = info & ACCESS_BITS
        if gpa < guest.mmap.size:
            here = (vcpu.count, machine.pc, gpa)
            if here == guest.last_fill:
                return self.fail(guest, f"monitor: backing guest-physical {gpa:08x} did not resolve MMAP_FAULT")
            guest.last_fill = here
            try:
                guest.shadows.back(gpa >> PAGE_SHIFT)
            except OutOfMemory as e:
                return self.fail(guest, f"monitor: {e}")
            return None
        if info & MMAP_FAULT_WALK or gpa >> PAGE_SHIFT != DEVICE_PAGE:
            return self.reflect(guest, BUS_ERROR, va)         # SPEC §5: no RAM there
        if vcpu.user:                                          # devices are kernel-only
            return self.reflect(guest, FAULT_OF_ACCESS[access], va)
        if access == EXEC:
            return self.reflect(guest, BUS_ERROR, va)
        fault = emulate_device_access(guest, machine, gpa)
        if fault is not None:
            return self.reflect(guest, fault, va)
        self.deliver(guest)
        self.rebound(guest)
        return None


def with_paging(strategy: type, paging: str | None) -> type:
    """The strategy with the paging it is asked for: shadow maps or nested paging (``--paging``).
    A strategy names its own variants in ``paging_variants``; any other that keeps the standard
    shadows and dispatcher gets nested paging by swapping them. ValueError when it cannot."""
    current = getattr(strategy, "paging", "shadow")
    if paging is None or paging == current:
        return strategy
    variants = getattr(strategy, "paging_variants", None)
    if variants is not None and paging in variants:
        return variants[paging]
    if paging not in PAGING:
        raise ValueError(f"--paging is {' or '.join(PAGING)}, not {paging!r}")
    from .shadow import Shadows
    from .strategies.base import TrapAndEmulate
    if paging == "shadow" or strategy.leaf_flags is not TrapAndEmulate.leaf_flags:
        # (bt hides its patches through the flags of shadow leaves: it needs shadow maps)
        raise ValueError(f"--strategy {strategy.name} cannot run with --paging {paging}")
    if getattr(strategy, "shadows_class", Shadows) is not Shadows or \
            getattr(strategy, "dispatcher_class", Dispatcher) is not Dispatcher:
        raise ValueError(f"--strategy {strategy.name} brings its own shadows or dispatcher: no --paging nested")
    return type(f"{strategy.__name__}Nested", (strategy,),
                {"paging": "nested", "shadows_class": NestedMaps, "dispatcher_class": NestedDispatcher,
                 "__doc__": f"{strategy.__doc__} With nested paging."})
