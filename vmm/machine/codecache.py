"""The translated-code cache: which Python function runs the code at a pc, and which physical
pages each function was translated from, so that a store to one of them drops it.

Contexts: code is translated per *context* = 2 * (translation on) + (user mode), because a
region's memory accesses are compiled for one mode and one kind of addressing. ``regions[ctx]``
and ``steps[ctx]`` map an entry pc to its multi-instruction region and its one-instruction
function; they are the dispatcher's lookup tables. Behind them, ``_compiled`` keeps every
function by (ctx, virtual pc, physical page, single), so that after a TLB flush empties the
tables of the translated contexts, code whose page is mapped again at the same address is
re-bound, not re-translated.

Address spaces: ``switch_space`` keeps the tables of the user-mode translated context per page-map
root, so a monitor switching among shadow maps (at every guest mode change; its guests always
run in user mode) finds each space's code bound again, as a TLB tagged with an address-space id
would.

Bounds (a guest controls how much code it makes us translate):
  * ``MAX_TRANSLATIONS`` functions. When a new one would exceed it, the whole cache is dropped
    and translation starts over, as QEMU flushes its whole code buffer when it fills. One region
    costs about 6 KB (measured), so the cache stays near 50 MB; a program's working set is far smaller.
  * ``MAX_SAVED_SPACES`` saved address spaces: the least recently saved one is forgotten.
"""
from __future__ import annotations

from isa.machine import PAGE_SHIFT, PAGE_SIZE

MAX_TRANSLATIONS = 8_192
MAX_SAVED_SPACES = 64
TRANSLATED_CONTEXTS = (2, 3)
KERNEL_TRANSLATED, USER_TRANSLATED = TRANSLATED_CONTEXTS
WORDS_PER_PAGE = PAGE_SIZE >> 2


class CodeCache:
    def __init__(self, plain: bytearray, on_code_page):
        self.regions: list[dict] = [{} for _ in range(4)]
        self.steps: list[dict] = [{} for _ in range(4)]
        self._compiled: dict[tuple, object] = {}
        self._page_code: dict[int, set] = {}          # physical page -> keys of its translations
        self._code_words: dict[int, bytearray] = {}   # physical page -> 1 per word translated
        self._saved: dict[int, tuple] = {}            # page-map root -> (regions, steps) of ctx 3
        self._plain = plain                           # PhysicalMemory.plain (0 on code pages)
        self._on_code_page = on_code_page             # called with a page that starts holding code
        self.translations = 0                         # functions made since reset
        self.overflows = 0                            # times the whole cache was dropped (bound)
        self.invalidations = 0                        # pages whose translations were dropped

    def get(self, key: tuple):
        return self._compiled.get(key)

    def add(self, key: tuple, fn, pcs) -> None:
        """Keep fn, translated from the instructions at (virtual) pcs in physical page key[2]."""
        if len(self._compiled) >= MAX_TRANSLATIONS:
            self.clear()
            self.overflows += 1
        ppn = key[2]
        self._compiled[key] = fn
        self.translations += 1
        self._page_code.setdefault(ppn, set()).add(key)
        words = self._code_words.get(ppn)
        if words is None:
            words = self._code_words[ppn] = bytearray(WORDS_PER_PAGE)
        for pc in pcs:
            words[(pc & 0xFFF) >> 2] = 1
        if self._plain[ppn]:
            self._plain[ppn] = 0
            self._on_code_page(ppn)

    def bind(self, key: tuple, fn) -> None:
        ctx, vpc, _, single = key
        (self.steps if single else self.regions)[ctx][vpc] = fn

    def writes_code(self, p: int) -> bool:
        """Does a store at physical p overwrite a translated instruction?"""
        words = self._code_words.get(p >> PAGE_SHIFT)
        return words is not None and words[(p & 0xFFF) >> 2] == 1

    def holds_code(self, ppn: int) -> bool:
        return ppn in self._page_code

    def invalidate_page(self, ppn: int) -> None:
        """Drop every translation of physical page ppn, from every table and saved space."""
        self._code_words.pop(ppn, None)
        keys = self._page_code.pop(ppn, ())
        self.invalidations += 1
        for key in keys:
            fn = self._compiled.pop(key)
            ctx, vpc, _, single = key
            tables = [self.steps[ctx] if single else self.regions[ctx]]
            if ctx == USER_TRANSLATED:
                tables += [saved[single] for saved in self._saved.values()]
            for table in tables:
                if table.get(vpc) is fn:
                    del table[vpc]
        if ppn < len(self._plain):
            self._plain[ppn] = 1

    def unbind_translated(self) -> None:
        """The translation changed (stpmar, tlbflush): unbind the translated contexts' code."""
        for ctx in TRANSLATED_CONTEXTS:
            self.regions[ctx].clear()
            self.steps[ctx].clear()

    def clear(self) -> None:
        """Drop every translation (the bound was reached)."""
        for ppn in list(self._page_code):
            self.invalidate_page(ppn)
        for tables in (self.regions, self.steps):
            for table in tables:
                table.clear()
        self._saved.clear()

    # --- address spaces --------------------------------------------------------------------------
    def switch_space(self, old_root: int, new_root: int) -> None:
        """Keep the user-mode translated context's tables under ``old_root``, bring back those of
        ``new_root`` (empty if none were); the kernel-mode translated context's are emptied."""
        saved = self._saved
        if len(saved) >= MAX_SAVED_SPACES:
            del saved[next(iter(saved))]
        saved[old_root] = (self.regions[USER_TRANSLATED], self.steps[USER_TRANSLATED])
        self.regions[USER_TRANSLATED], self.steps[USER_TRANSLATED] = saved.pop(new_root, None) or ({}, {})
        self.regions[KERNEL_TRANSLATED].clear()
        self.steps[KERNEL_TRANSLATED].clear()

    def forget_space(self, root: int) -> None:
        self._saved.pop(root, None)
