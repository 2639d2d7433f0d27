"""Address translation of SPEC §5: the two-level page-map walk and the TLB.

The TLB caches leaf entries by virtual page number; it is emptied only by ``flush`` (the CPU
calls it for ``stpmar`` and ``tlbflush``), so an entry edited in RAM keeps its old meaning until
then, as on hardware. Derived from it are the *fast maps* the translated code consults: per
mode (kernel 0, user 1) and access (read, write), virtual page number -> (physical - virtual)
address delta, holding only RAM pages the access is allowed on (and, for writes, only pages
without translated code), so that everything else takes the slow path through ``translate``.

Address spaces: ``save_space``/``restore_space`` keep the TLB and fast maps per page-map root
(as an address-space id would), for a monitor that switches among shadow maps.

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
        self._saved: dict[int, tuple] = {}       # page-map root -> (tlb, fast map contents)

    def flush(self) -> None:
        self.tlb.clear()
        for fast in self.read_fast + self.write_fast:
            fast.clear()
        self.flushes += 1

    def walk(self, pmar: int, vaddr: int, access: int) -> int:
        """The leaf entry for vaddr, read from the page maps in RAM (no permission check)."""
        try:
            return walk(self.read_word, self.mem.size, pmar, vaddr, access)[1]
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
            entry = self.walk(pmar, vaddr, access)
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
        maps = list(self.write_fast) + [saved[1][2 + user] for saved in self._saved.values() for user in (0, 1)]
        for fast in maps:
            for vpn in [v for v, d in fast.items() if v + (d >> PAGE_SHIFT) == ppn]:
                del fast[vpn]

    # --- address spaces (the fast maps are bound into translated code: keep the dicts, swap contents)
    def save_space(self, root: int) -> None:
        """Keep the TLB and the fast maps under ``root``, and start empty."""
        self._saved.pop(root, None)
        if len(self._saved) >= MAX_SAVED_SPACES:
            del self._saved[next(iter(self._saved))]
        fast = self.read_fast + self.write_fast
        self._saved[root] = (self.tlb, tuple(dict(f) for f in fast))
        self.tlb = {}
        for f in fast:
            f.clear()

    def restore_space(self, root: int) -> None:
        """Bring back what was saved under ``root`` (nothing if nothing was)."""
        saved = self._saved.pop(root, None)
        if saved is not None:
            self.tlb = saved[0]
            for live, contents in zip(self.read_fast + self.write_fast, saved[1]):
                live.update(contents)

    def forget_space(self, root: int) -> None:
        self._saved.pop(root, None)
