"""Address translation of SPEC §5: the two-level page-map walk and the TLB.

The TLB caches leaf entries by virtual page number; it is emptied only by ``flush`` (the CPU
calls it for ``stpmar`` and ``tlbflush``), so an entry edited in RAM keeps its old meaning until
then, as on hardware. Derived from it are the *fast maps* the translated code consults: per
mode (kernel 0, user 1) and access (read, write), virtual page number -> (physical - virtual)
address delta, holding only RAM pages the access is allowed on (and, for writes, only pages
without translated code), so that everything else takes the slow path through ``translate``.

Decisions SPEC leaves open: a page-map word outside RAM (root or second level) raises BUS_ERROR
for the access being translated (tval = the virtual address); a leaf may point anywhere, and the
access then meets RAM, the device page or BUS_ERROR like an untranslated one.
"""
from __future__ import annotations

from isa.machine import (CAUSE_BY_NAME, PAGE_SHIFT, PMAR_ROOT_MASK, PTE_ADDR_MASK, PTE_R, PTE_U,
                         PTE_V, PTE_W, PTE_X)

from .memory import PhysicalMemory

READ, WRITE, EXEC = PTE_R, PTE_W, PTE_X
FAULT_CAUSE = {READ: CAUSE_BY_NAME["PAGE_FAULT_LOAD"], WRITE: CAUSE_BY_NAME["PAGE_FAULT_STORE"],
               EXEC: CAUSE_BY_NAME["PAGE_FAULT_FETCH"]}
BUS_ERROR = CAUSE_BY_NAME["BUS_ERROR"]
_POINTER_FLAGS = PTE_R | PTE_W | PTE_X | PTE_U
OFFSET_MASK = (1 << PAGE_SHIFT) - 1


class TranslationFault(Exception):
    """An access the page maps refuse; ``cause`` is the TOY32 cause to raise."""

    def __init__(self, cause: int):
        self.cause = cause


class MMU:
    def __init__(self, mem: PhysicalMemory):
        self.mem = mem
        self.tlb: dict[int, int] = {}                       # vpn -> leaf entry
        self.read_fast: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.write_fast: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.misses = 0
        self.flushes = 0

    def flush(self) -> None:
        self.tlb.clear()
        for fast in self.read_fast + self.write_fast:
            fast.clear()
        self.flushes += 1

    def walk(self, pmar: int, vaddr: int, access: int) -> int:
        """The leaf entry for vaddr, read from the page maps in RAM (no permission check)."""
        size, words = self.mem.size, self.mem.u32
        root_entry_addr = (pmar & PMAR_ROOT_MASK) + ((vaddr >> 22) << 2)
        if root_entry_addr >= size:
            raise TranslationFault(BUS_ERROR)
        root = words[root_entry_addr >> 2]
        if not root & PTE_V or root & _POINTER_FLAGS:
            raise TranslationFault(FAULT_CAUSE[access])
        leaf_addr = (root & PTE_ADDR_MASK) + (((vaddr >> PAGE_SHIFT) & 0x3FF) << 2)
        if leaf_addr >= size:
            raise TranslationFault(BUS_ERROR)
        return words[leaf_addr >> 2]

    def translate(self, pmar: int, vaddr: int, access: int, user: bool) -> int:
        """The physical address of an allowed access, else TranslationFault."""
        vpn = vaddr >> PAGE_SHIFT
        entry = self.tlb.get(vpn)
        if entry is None:
            self.misses += 1
            entry = self.walk(pmar, vaddr, access)
            if entry & PTE_V:
                self.tlb[vpn] = entry
        if not entry & PTE_V or not entry & access or (user and not entry & PTE_U):
            raise TranslationFault(FAULT_CAUSE[access])
        ppn = (entry & PTE_ADDR_MASK) >> PAGE_SHIFT
        delta = (ppn - vpn) << PAGE_SHIFT
        if ppn < self.mem.size >> PAGE_SHIFT:   # RAM: let translated code reach it directly
            if entry & READ:
                self.read_fast[user][vpn] = delta
            if entry & WRITE and self.mem.plain[ppn]:
                self.write_fast[user][vpn] = delta
        return vaddr + delta

    def forget_writable(self, ppn: int) -> None:
        """Drop fast write entries onto physical page ppn (it now holds translated code)."""
        for fast in self.write_fast:
            for vpn in [v for v, d in fast.items() if v + (d >> PAGE_SHIFT) == ppn]:
                del fast[vpn]
