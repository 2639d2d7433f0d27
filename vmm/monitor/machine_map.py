"""The machine map: per guest, guest-physical page -> host-physical page.

A guest believes its RAM is physical 0 .. ``size`` (and its devices sit at DEVICE_BASE, as on the
bare machine). The monitor backs each guest-physical page with a host page from the guest's quota
the first time the page is used (lazily), so a guest that touches little costs little. Nothing
else maps host pages for a guest: a guest-physical address at or beyond ``size`` has no host
page, and whoever asks (a shadow fill, the loader) gets the answer "not RAM", which the bare
machine would turn into BUS_ERROR.

``GuestPhysicalMemory`` lets the machine's loaders (``load_executable``, ``load_modules``) write
an image into a guest's physical memory as they would into a bare machine's RAM.
"""
from __future__ import annotations

from isa.machine import PAGE_SHIFT, PAGE_SIZE

from .allocator import HostAllocator

OFFSET = PAGE_SIZE - 1


class MachineMap:
    def __init__(self, machine, allocator: HostAllocator, guest_index: int, size: int):
        if size <= 0 or size % PAGE_SIZE or size > 0xF0000000:
            raise ValueError(f"guest memory size must be a positive multiple of {PAGE_SIZE} "
                             f"below the device page")
        self.machine = machine
        self.allocator = allocator
        self.guest_index = guest_index
        self.size = size                      # guest-physical RAM: 0 .. size
        self.pages: dict[int, int] = {}       # guest ppn -> host ppn

    def host_page(self, gppn: int) -> int:
        """The host page backing guest page gppn (< size), allocated on first use."""
        hppn = self.pages.get(gppn)
        if hppn is None:
            if gppn >= self.size >> PAGE_SHIFT:
                raise ValueError(f"guest page {gppn:#x} is beyond the guest's memory")
            hppn = self.pages[gppn] = self.allocator.guest_page(self.guest_index)
        return hppn

    def read_word(self, gpa: int) -> int:
        """An aligned word of guest RAM (gpa < size); a page never used reads 0, as RAM at reset."""
        hppn = self.pages.get(gpa >> PAGE_SHIFT)
        if hppn is None:
            return 0
        return self.machine.mem.u32[((hppn << PAGE_SHIFT) | (gpa & OFFSET)) >> 2]

    def write_bytes(self, gpa: int, data: bytes) -> None:
        """Write guest RAM through the machine (which drops translated code it overwrites)."""
        view = memoryview(data)
        while view:
            n = min(len(view), PAGE_SIZE - (gpa & OFFSET))
            host = (self.host_page(gpa >> PAGE_SHIFT) << PAGE_SHIFT) | (gpa & OFFSET)
            self.machine.write_bytes(host, bytes(view[:n]))
            gpa, view = gpa + n, view[n:]


class _GuestRAM:
    """What the loaders ask of ``machine.mem``: the size and a bounds check."""

    def __init__(self, size: int):
        self.size = size

    def contains(self, addr: int, length: int = 1) -> bool:
        return 0 <= addr and addr + length <= self.size


class GuestPhysicalMemory:
    """A guest's physical memory in the shape the loaders write to (``mem``, ``write_bytes``)."""

    def __init__(self, machine_map: MachineMap):
        self.mem = _GuestRAM(machine_map.size)
        self.write_bytes = machine_map.write_bytes
