"""Shadow page maps: guest-virtual -> host-physical, the maps the real MMU walks for a guest.

The guest kernel runs in real user mode with translation on, always through a shadow map. A
shadow is a real two-level page map (SPEC §5) in monitor frames; its leaves point only at host
pages of the guest's own machine map and always carry ``PTE_U`` (the guest kernel, too, runs in
real user mode). Which shadow is installed follows the guest's virtual state:

* guest translation off: the *physical* shadow, guest-physical -> host-physical, one per guest,
  valid in both virtual modes (a bare machine's user mode sees all RAM when translation is off);
* guest translation on: per guest root, one shadow for virtual kernel mode (every leaf the
  guest's page map allows, with its R/W/X) and one for virtual user mode (only ``PTE_U`` leaves),
  so a guest user program never reaches its kernel's pages.

Shadows start empty and are filled lazily: a real page fault the guest's own maps allow is a
*hidden* fault, fixed by writing one leaf; one they refuse is a *true* fault for the guest
(``Guest.translate``, the walk of isa/privileged.py over the guest's memory, raises the cause
the bare machine would raise, BUS_ERROR for page maps beyond the guest's memory).

Cached per root: ``stpmar`` and ``tlbflush`` discard the guest's cached translations (SPEC §3).
With the cache on, a flush only marks every shadow of the guest stale; a stale shadow is
*resynced* when next installed: each filled leaf is checked against the guest entries it was
built from and dropped if they changed. So a switch back to a process keeps what is still
valid instead of refaulting it page by page, yet never uses a translation the guest's maps no
longer give. With the cache off every flush drops all shadows (for the overhead measurement).
"""
from __future__ import annotations

from collections import OrderedDict

from isa.machine import (DEVICE_BASE, PAGE_SHIFT, PAGE_SIZE, PMAR_ON, PMAR_ROOT_MASK, PTE_ADDR_MASK, PTE_R,
                         PTE_U, PTE_V, PTE_W, PTE_X)

from .allocator import HostAllocator
from .machine_map import MachineMap
from .stats import GuestStats

DEVICE_PAGE = DEVICE_BASE >> PAGE_SHIFT
RWX = PTE_R | PTE_W | PTE_X
PHYSICAL = "physical"          # the key of the translation-off shadow
MAX_CACHED = 64                # translated shadows kept per guest (plus the frame budget)
ZERO_PAGE = bytes(PAGE_SIZE)


class ShadowMap:
    """One real page map in monitor frames."""

    def __init__(self, key, root: int, epoch: int):
        self.key = key                          # PHYSICAL or (guest root address, user?)
        self.root = root                        # host page of the root map
        self.tables: dict[int, int] = {}        # root index -> host page of its second-level map
        self.sources: dict[int, tuple[int, int]] = {}   # vpn -> (guest root entry, guest leaf)
        self.epoch = epoch                      # the guest's flush epoch it is in sync with

    @property
    def pmar(self) -> int:
        return (self.root << PAGE_SHIFT) | PMAR_ON


class Shadows:
    """A guest's shadow maps: selection and installation, fills, resyncs, the per-root cache."""
    events = None       # who hears the guest's monitor events (events.py), or None

    def __init__(self, machine, allocator: HostAllocator, mmap: MachineMap, guest_index: int,
                 stats: GuestStats, cache: bool, leaf_flags, read_word):
        self.machine = machine
        self.allocator = allocator
        self.mmap = mmap
        self.guest_index = guest_index
        self.stats = stats
        self.cache = cache
        self.leaf_flags = leaf_flags       # the strategy's say over each leaf's R/W/X (strategies/)
        self.read_word = read_word         # guest RAM as the guest wrote it (page-map entries)
        self.maps: OrderedDict = OrderedDict()    # key -> ShadowMap, least recently used first
        self.epoch = 0
        self.installed: ShadowMap | None = None

    # --- which shadow runs ---------------------------------------------------------------------
    def activate(self, vpmar: int, user: bool) -> ShadowMap:
        """Install the shadow for the guest's page maps and mode in the real pmar."""
        key = (vpmar & PMAR_ROOT_MASK, user) if vpmar & PMAR_ON else PHYSICAL
        shadow = self.maps.get(key)
        if shadow is None:
            shadow = self._build(key)
        else:
            self.maps.move_to_end(key)
            if shadow.epoch != self.epoch and key != PHYSICAL:   # the physical one never goes stale
                self._resync(shadow)
            if shadow is not self.installed:
                self.stats.shadow_reuses += 1
                if self.events is not None:
                    self.events.emit("reuse", shadow=shadow)
        if shadow is not self.installed:
            self.installed = shadow
            self.machine.switch_space(shadow.pmar)
        return shadow

    def flush(self) -> None:
        """The guest ran stpmar or tlbflush: no cached translation may outlive it."""
        # LAB-HOLE begin flush
        # LAB: with the cache, mark every cached shadow stale (a new epoch: each is resynced when
        # LAB: next installed); without it, drop every shadow but the physical one
        # LAB-STUB pass
        if self.cache:
            self.epoch += 1
            return
        for key in [k for k in self.maps if k != PHYSICAL]:
            self._drop(self.maps[key])
        # LAB-HOLE end

    def reload(self) -> None:
        """Put the installed shadow back in the real pmar (a world switch back to this guest)."""
        self.machine.switch_space(self.installed.pmar)

    # --- filling ---------------------------------------------------------------------------------
    def fill(self, shadow: ShadowMap, va: int, gpa: int, root: int, leaf: int) -> None:
        """Map va's page in ``shadow`` to the host page behind gpa (a hidden fault's fix)."""
        # LAB-HOLE begin fill
        # LAB: write the leaf for va: the host page behind gpa (hppn), the R/W/X the guest's leaf
        # LAB: and the strategy allow (flags), PTE_U and PTE_V; remember the guest entries it came
        # LAB: from
        # LAB-STUB hppn, flags = 0, 0
        flags = RWX if shadow.key == PHYSICAL else leaf & RWX
        flags = self.leaf_flags(gpa >> PAGE_SHIFT, flags, shadow.key == PHYSICAL or not shadow.key[1])
        hppn = self.mmap.host_page(gpa >> PAGE_SHIFT)
        vpn = va >> PAGE_SHIFT
        index = vpn >> 10
        table = shadow.tables.get(index)
        if table is None:
            table = shadow.tables[index] = self._frame(shadow)
            self._write(shadow.root, index, (table << PAGE_SHIFT) | PTE_V)
        old = self._read(table, vpn & 0x3FF)
        self._write(table, vpn & 0x3FF, (hppn << PAGE_SHIFT) | flags | PTE_U | PTE_V)
        if old:                                 # a leaf the TLB may hold changed
            self._changed(shadow)
        if shadow.key != PHYSICAL:
            shadow.sources[vpn] = (root, leaf)
        # LAB-HOLE end
        self.stats.shadow_fills += 1
        if self.events is not None:
            self.events.emit("fill", shadow=shadow, va=va, gpa=gpa, root=root, leaf=leaf,
                             host=hppn << PAGE_SHIFT, entry=(hppn << PAGE_SHIFT) | flags | PTE_U | PTE_V)

    def forget_page(self, gppn: int) -> None:
        """Remove every leaf, in every shadow, that maps guest-physical page gppn: the strategy
        changed the flags such leaves may carry (``leaf_flags``), and the next access refills.
        The guest entries each leaf was filled from stay: they are the translation the processor
        holds for the guest (as a TLB entry would be) until the guest flushes, and the refill
        uses them (``Guest.translate``), so a stale translation stays as usable as on bare."""
        for shadow in self.maps.values():
            if shadow.key == PHYSICAL:          # guest-physical = guest-virtual there
                vpns = [gppn]
            else:                               # a leaf maps the page its guest leaf names
                vpns = [vpn for vpn, (_, leaf) in shadow.sources.items()
                        if (leaf & PTE_ADDR_MASK) >> PAGE_SHIFT == gppn]
            dropped = False
            for vpn in vpns:
                table = shadow.tables.get(vpn >> 10)
                if table is not None and self._read(table, vpn & 0x3FF):
                    self._write(table, vpn & 0x3FF, 0)
                    dropped = True
            if dropped:
                self._changed(shadow)

    # --- the cache -------------------------------------------------------------------------------
    def _build(self, key) -> ShadowMap:
        shadow = ShadowMap(key, 0, self.epoch)
        shadow.root = self._frame(shadow)
        while len(self.maps) >= MAX_CACHED:
            victim = next(iter(self.maps.values()))
            self._drop(victim)
            self.stats.shadow_evictions += 1
            if self.events is not None:
                self.events.emit("evict", shadow=victim)
        self.maps[key] = shadow
        self.stats.shadow_builds += 1
        if self.events is not None:
            self.events.emit("build", shadow=shadow)
        return shadow

    def _resync(self, shadow: ShadowMap) -> None:
        """Keep the leaves whose guest entries are unchanged since they were filled."""
        self.stats.shadow_resyncs += 1
        shadow.epoch = self.epoch
        read_word, vroot = self.read_word, shadow.key[0]
        roots: dict[int, int] = {}              # root index -> the guest's root entry now
        stale = []
        # LAB-HOLE begin resync
        # LAB: list in stale every vpn whose guest root entry or leaf (read now from the guest's
        # LAB: maps) differs from the pair it was filled from
        # LAB-STUB pass
        for vpn, (root, leaf) in shadow.sources.items():
            index = vpn >> 10
            now = roots.get(index)
            if now is None:                     # (its address was inside memory at the fill)
                now = roots[index] = read_word(vroot + (index << 2))
            if now != root or read_word((root & PTE_ADDR_MASK) + ((vpn & 0x3FF) << 2)) != leaf:
                stale.append(vpn)
        # LAB-HOLE end
        for vpn in stale:
            del shadow.sources[vpn]
            self._write(shadow.tables[vpn >> 10], vpn & 0x3FF, 0)
        self.stats.shadow_dropped += len(stale)
        if self.events is not None:
            self.events.emit("resync", shadow=shadow, dropped=len(stale))
        if stale:
            self._changed(shadow)

    def _frame(self, keep: ShadowMap) -> int:
        """A zero monitor frame for ``keep``. When the guest's budget is spent, its least recently
        used other shadow goes; when there is none, ``keep`` is emptied and refills as it runs."""
        frame = self.allocator.shadow_frame(self.guest_index)
        while frame is None:
            victims = [s for s in self.maps.values() if s is not keep]
            if victims:
                self._drop(victims[0])
            else:
                self._clear(keep)
            self.stats.shadow_evictions += 1
            if self.events is not None:
                self.events.emit("evict", shadow=victims[0] if victims else keep)
            frame = self.allocator.shadow_frame(self.guest_index)
        return frame

    def _clear(self, shadow: ShadowMap) -> None:
        """Empty a shadow, keeping its root frame."""
        for index, table in shadow.tables.items():
            self._write(shadow.root, index, 0)
            self._release(table)
        shadow.tables.clear()
        shadow.sources.clear()
        self._changed(shadow)

    def _drop(self, shadow: ShadowMap) -> None:
        """Forget a shadow and return its frames (zeroed) to the guest's budget."""
        del self.maps[shadow.key]
        for table in shadow.tables.values():
            self._release(table)
        self._release(shadow.root)
        self._changed(shadow)
        if shadow is self.installed:
            self.installed = None

    def _changed(self, shadow: ShadowMap) -> None:
        """Leaves of ``shadow`` changed or went: no cached translation of it may survive."""
        if shadow is self.installed:
            self.machine.tlb_flush()
        else:
            self.machine.forget_space(shadow.pmar)

    def _release(self, frame: int) -> None:
        self.machine.write_bytes(frame << PAGE_SHIFT, ZERO_PAGE)
        self.allocator.release_shadow_frame(self.guest_index, frame)

    def _read(self, frame: int, index: int) -> int:
        return self.machine.mem.u32[(frame << (PAGE_SHIFT - 2)) + index]

    def _write(self, frame: int, index: int, entry: int) -> None:
        self.machine.write_word((frame << PAGE_SHIFT) + (index << 2), entry)
