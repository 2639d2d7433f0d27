"""Address translation of SPEC §5: the two-level page-map walk and the TLB.

The TLB caches leaf entries by virtual page number; it is emptied only by ``flush`` (the CPU
calls it for ``stpmar`` and ``tlbflush``), so an entry edited in RAM keeps its old meaning until
then, as on hardware. Derived from it are the *fast maps* the translated code consults: per
mode (kernel 0, user 1) and access (read, write), virtual page number -> (physical - virtual)
address delta, holding only RAM pages the access is allowed on (and, for writes, only pages
without translated code), so that everything else takes the slow path through ``translate``.

Address spaces: ``switch_space`` keeps the TLB and the user-mode fast maps per page-map root (as
an address-space id would), for a monitor that switches among shadow maps for its guests, which
always run in user mode.

Bounds: the TLB holds at most ``MAX_TLB_ENTRIES`` leaves; when a walk would add one more, the
TLB and fast maps are emptied (``on_overflow`` lets the CPU unbind code translated through
them). At most ``MAX_SAVED_SPACES`` address spaces are kept; the least recently saved goes.
Dropping cached translations early is invisible to software that follows SPEC (it runs
``tlbflush`` after changing a map in place); only a stale translation may end sooner.

Decisions SPEC leaves open: a page-map word outside RAM (root or second level) raises BUS_ERROR
for the access being translated (tval = the virtual address); a leaf may point anywhere, and the
access then meets RAM, the device page or BUS_ERROR like an untranslated one.
"""
from __future__ import annotations

from isa.machine import PAGE_SHIFT, PTE_ADDR_MASK, PTE_V
from isa.privileged import EXEC, FAULT_OF_ACCESS, READ, WRITE, WalkFault, leaf_allows, walk

from .memory import PhysicalMemory
from .nested import nested_leaf

__all__ = ["MMU", "TranslationFault", "READ", "WRITE", "EXEC"]
MAX_TLB_ENTRIES = 65_536      # 256 MiB of mapped address space
MAX_SAVED_SPACES = 64


class TranslationFault(Exception):
    """An access the page maps refuse; ``cause`` is the TOY32 cause to raise."""

    def __init__(self, cause: int):
        self.cause = cause


class MMU:
    def __init__(self, mem: PhysicalMemory, on_overflow=lambda: None):
        self.mem = mem
        self.on_overflow = on_overflow
        self.tlb: dict[int, int] = {}                       # vpn -> leaf entry
        self.read_fast: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.write_fast: tuple[dict[int, int], dict[int, int]] = ({}, {})
        self.misses = 0
        self.flushes = 0
        self.walk_refs = 0                       # memory references the walks made (SPEC §5: 2 each)
        self.mmap = 0                            # the machine-map register (nested paging, nested.py)
        self.gpa = self.gpainfo = 0              # where the last MMAP_FAULT happened
        self._saved: dict[int, tuple] = {}       # page-map root -> (tlb, user read/write fast maps)

    def flush(self) -> None:
        self.tlb.clear()
        for fast in self.read_fast + self.write_fast:
            fast.clear()
        self.flushes += 1

    def walk(self, pmar: int, vaddr: int, access: int) -> int:
        """The leaf entry for vaddr, read from the page maps in RAM (no permission check)."""
        try:
            leaf = walk(self.read_word, self.mem.size, pmar, vaddr, access)[1]
            self.walk_refs += 2
            return leaf
        except WalkFault as fault:
            raise TranslationFault(fault.cause) from None

    def read_word(self, paddr: int) -> int:
        return self.mem.u32[paddr >> 2]

    def translate(self, pmar: int, vaddr: int, access: int, user: bool) -> int:
        """The physical address of an allowed access, else TranslationFault."""
        vpn = vaddr >> PAGE_SHIFT
        entry = self.tlb.get(vpn)
        if entry is None:
            self.misses += 1
            entry = nested_leaf(self, pmar, vaddr, access, user) if self.mmap else self.walk(pmar, vaddr, access)
            if entry & PTE_V:
                if len(self.tlb) >= MAX_TLB_ENTRIES:
                    self.flush()
                    self.on_overflow()
                self.tlb[vpn] = entry
        if not leaf_allows(entry, access, user):
            raise TranslationFault(FAULT_OF_ACCESS[access])
        ppn = (entry & PTE_ADDR_MASK) >> PAGE_SHIFT
        delta = (ppn - vpn) << PAGE_SHIFT
        if ppn < self.mem.size >> PAGE_SHIFT:   # RAM: let translated code reach it directly
            if entry & READ:
                self.read_fast[user][vpn] = delta
            if entry & WRITE and self.mem.plain[ppn]:
                self.write_fast[user][vpn] = delta
        return vaddr + delta

    def forget_writable(self, ppn: int) -> None:
        """Drop fast write entries onto physical page ppn (it now holds translated code), in the
        live maps and in every saved address space."""
        maps = list(self.write_fast) + [saved[2] for saved in self._saved.values() if saved[2]]
        for fast in maps:
            for vpn in [v for v, d in fast.items() if v + (d >> PAGE_SHIFT) == ppn]:
                del fast[vpn]

    # --- address spaces ------------------------------------------------------------------------
    def switch_space(self, old_root: int, new_root: int) -> None:
        """Keep the TLB and user-mode fast maps under ``old_root`` and bring back those saved under
        ``new_root`` (empty if none were); the kernel-mode fast maps are emptied. The fast maps are
        bound into translated code, so their dicts stay and their contents move."""
        saved = self._saved
        if len(saved) >= MAX_SAVED_SPACES:
            del saved[next(iter(saved))]
        read, write = self.read_fast[1], self.write_fast[1]
        saved[old_root] = (self.tlb, read.copy() if read else None, write.copy() if write else None)
        read.clear()
        write.clear()
        self.read_fast[0].clear()
        self.write_fast[0].clear()
        back = saved.pop(new_root, None)
        if back is None:
            self.tlb = {}
            return
        self.tlb = back[0]
        if back[1]:
            read.update(back[1])
        if back[2]:
            write.update(back[2])

    def forget_space(self, root: int) -> None:
        self._saved.pop(root, None)
