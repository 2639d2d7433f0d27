"""The real machine as the monitor drives it: translation caches tagged by page-map root.

A guest changes the installed shadow map at every change of its virtual mode (two per system call
or timer tick), at every process switch and at every world switch. ``Machine.set_pmar`` must flush
the TLB and the translated-code tables at each of them (SPEC: stpmar discards cached
translations), so the guest kernel's trap path would be looked up and walked again after every
mode change. Real hardware has the same problem and the same cure: tag the TLB with an
address-space id. ``switch_space`` installs a root and keeps, per root, the TLB, the fast maps
and the tables of translated regions of the context guests run in (translation on, user mode),
restoring them when the root comes back.

The contract: the monitor changes a shadow map's existing leaves only through ``tlb_flush`` (the
installed one) or after ``forget_space`` (any other); adding leaves needs neither, as the TLB only
ever holds valid entries. Translated code dropped because its page was written, and pages that
stop being plainly writable because they now hold code, are dropped from the saved caches too.

This subclass reaches into the machine's private caches (``_regions``, ``_steps``,
``_invalidate_page``, the MMU's TLB and fast maps); it belongs in the machine as an API.
"""
from __future__ import annotations

from dataclasses import dataclass

from isa.machine import PAGE_SHIFT

from ..machine import Machine

GUEST_CONTEXT = 3          # translation on (2) + user mode (1): every guest instruction runs here
USER = 1


@dataclass
class _Space:
    tlb: dict
    read_fast: dict
    write_fast: dict
    regions: dict
    steps: dict


class HostMachine(Machine):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._spaces: dict[int, _Space] = {}           # pmar -> its saved caches
        forget_writable = self.mmu.forget_writable

        def forget_writable_everywhere(ppn: int) -> None:
            forget_writable(ppn)
            for space in self._spaces.values():
                for vpn in [v for v, d in space.write_fast.items() if v + (d >> PAGE_SHIFT) == ppn]:
                    del space.write_fast[vpn]

        self.mmu.forget_writable = forget_writable_everywhere

    def switch_space(self, pmar: int) -> None:
        """Install ``pmar`` (a shadow root, translation on), keeping each root's caches."""
        if pmar == self.pmar:
            return
        mmu, ctx = self.mmu, GUEST_CONTEXT
        self._spaces[self.pmar] = _Space(mmu.tlb, dict(mmu.read_fast[USER]), dict(mmu.write_fast[USER]),
                                         self._regions[ctx], self._steps[ctx])
        space = self._spaces.pop(pmar, None) or _Space({}, {}, {}, {}, {})
        self.pmar = pmar
        mmu.tlb = space.tlb
        for fast, saved in ((mmu.read_fast, space.read_fast), (mmu.write_fast, space.write_fast)):
            fast[1 - USER].clear()
            fast[USER].clear()
            fast[USER].update(saved)
        self._regions[ctx] = space.regions
        self._steps[ctx] = space.steps
        self._regions[2].clear()
        self._steps[2].clear()

    def forget_space(self, pmar: int) -> None:
        """The page map at ``pmar`` changed (or its frame was freed): drop its saved caches."""
        self._spaces.pop(pmar, None)

    def _invalidate_page(self, ppn: int) -> None:
        dropped = [(key, self._compiled[key]) for key in self._page_code.get(ppn, ())]
        super()._invalidate_page(ppn)
        for space in self._spaces.values():
            for (ctx, vpc, _, single), fn in dropped:
                table = space.steps if single else space.regions
                if ctx == GUEST_CONTEXT and table.get(vpc) is fn:
                    del table[vpc]
