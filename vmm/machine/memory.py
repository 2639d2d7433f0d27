"""Physical RAM: one buffer at physical 0 .. size, with typed views the translated code indexes.

The buffer is an anonymous private mapping, not a bytearray: the host zeroes its pages when they
are first touched, so a 16 MiB machine costs neither the ~15 ms of writing 16 MiB of zeros at
start-up nor host memory for the RAM a guest never uses. Private, so a process forked from one
holding a machine (the grader's pool) gets a copy, never a shared RAM.

The views are native-endian casts of the same buffer; TOY32 is little-endian, so the machine
requires a little-endian host (every host CPython runs on in practice).
"""
from __future__ import annotations

import mmap
import sys

from isa.machine import PAGE_SHIFT, PAGE_SIZE

if sys.byteorder != "little":  # pragma: no cover - no big-endian CPython host in sight
    raise ImportError("toyvm needs a little-endian host")

PAGES_IN_ADDRESS_SPACE = 1 << (32 - PAGE_SHIFT)


class PhysicalMemory:
    """RAM plus the per-page table ``plain`` that fast-path stores consult.

    ``plain[ppn]`` is 1 for a RAM page a store may write directly, 0 for a page with no RAM
    (device page, beyond the end) or a page that holds translated code (a store there must go
    through the slow path so the translations are dropped). It covers the whole 32-bit physical
    space, so any address's page number indexes it.
    """

    def __init__(self, size: int):
        if size <= 0 or size % PAGE_SIZE or size > 0xF0000000:
            raise ValueError(f"memory size must be a positive multiple of {PAGE_SIZE} below the device page")
        self.size = size
        try:
            self.ram = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE)
        except OSError as e:      # ENOMEM past an address-space limit: what a bytearray raised
            raise MemoryError(f"no room for {size >> 20} MiB of machine RAM: {e.strerror}") from None
        view = memoryview(self.ram)
        self.u8 = self.ram
        self.s8 = view.cast("b")
        self.u16 = view.cast("H")
        self.s16 = view.cast("h")
        self.u32 = view.cast("I")
        self.plain = bytearray(PAGES_IN_ADDRESS_SPACE)
        self.plain[: size >> PAGE_SHIFT] = b"\x01" * (size >> PAGE_SHIFT)

    def contains(self, addr: int, length: int = 1) -> bool:
        return 0 <= addr and addr + length <= self.size

    def read_word(self, addr: int) -> int:
        return self.u32[addr >> 2]

    def read(self, addr: int, length: int) -> bytes:
        return bytes(self.ram[addr:addr + length])

    def write_raw(self, addr: int, data: bytes) -> None:
        """Write bytes without code-page bookkeeping (the machine's write_bytes does that)."""
        self.ram[addr:addr + len(data)] = data
