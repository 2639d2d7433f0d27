"""Nested paging in the MMU (SPEC §9): on a TLB miss with the mmap register on, the walk of
isa/privileged.py's ``nested_translate`` -- the guest's own page map, every guest-physical address
on the way translated through the machine map the monitor installed -- and its faults.

The TLB then holds the *combined* translation, guest-virtual page -> host page with the guest
leaf's flags, so a hit costs what it costs on the bare machine; the fast maps derived from it are
filled as usual. Only a miss pays: up to 8 memory references instead of 2 (``MMU.walk_refs``).
A MachineMapFault sets the gpa and gpainfo registers and becomes MMAP_FAULT.
"""
from __future__ import annotations

from isa.machine import CAUSE_BY_NAME
from isa.privileged import MachineMapFault, WalkFault, nested_translate

MMAP_FAULT = CAUSE_BY_NAME["MMAP_FAULT"]


def nested_leaf(mmu, pmar: int, vaddr: int, access: int, user: bool) -> int:
    """The combined leaf for an allowed access (counting the walk's memory references), else
    the TranslationFault the MMU raises: the guest's page fault or MMAP_FAULT."""
    from .mmu import TranslationFault
    try:
        _, leaf, refs = nested_translate(mmu.read_word, mmu.mem.size, mmu.mmap, pmar, vaddr, access, user)
    except WalkFault as fault:
        mmu.walk_refs += 6 if pmar & 1 else 0      # (at most: the guest's walk ran to its leaf)
        raise TranslationFault(fault.cause) from None
    except MachineMapFault as fault:
        mmu.gpa, mmu.gpainfo = fault.gpa, fault.info
        raise TranslationFault(MMAP_FAULT) from None
    mmu.walk_refs += refs
    return leaf
