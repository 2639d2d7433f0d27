"""``--dump-maps``: a guest's machine map and shadow maps as they stand, read back from host RAM
(the worked example of docs/vmm.md is printed by this)."""
from __future__ import annotations

from isa.machine import PAGE_SHIFT, PTE_ADDR_MASK, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X

from .guest import Guest
from .shadow import PHYSICAL


def _runs(items: list[tuple[tuple[int, ...], str]]) -> list[tuple[tuple[int, ...], int, str]]:
    """(page numbers, note) -> runs (first page numbers, length, note) along which every page
    number goes up by one and the note stays the same."""
    runs: list[list] = []
    for pages, note in sorted(items):
        last = runs[-1] if runs else None
        if last and note == last[2] and all(p == q + last[1] for p, q in zip(pages, last[0])):
            last[1] += 1
        else:
            runs.append([pages, 1, note])
    return [tuple(r) for r in runs]


def _span(page: int, length: int) -> str:
    return f"{page << PAGE_SHIFT:08x}-{((page + length) << PAGE_SHIFT) - 1:08x}"


def _flags(entry: int) -> str:
    return "".join(c if entry & bit else "-" for c, bit in (("R", PTE_R), ("W", PTE_W), ("X", PTE_X), ("U", PTE_U)))


def dump_guest(guest: Guest) -> str:
    mmap, shadows, mem = guest.mmap, guest.shadows, guest.machine.mem
    lines = [f"=== {guest.name}: machine map, guest-physical -> host-physical "
             f"({len(mmap.pages)} of {mmap.size >> PAGE_SHIFT} pages backed)"]
    for (g, h), n, _ in _runs([((g, h), "") for g, h in mmap.pages.items()]):
        lines.append(f"  guest {_span(g, n)} -> host {_span(h, n)}  ({n} page{'s' * (n != 1)})")
    guest_of = {h: g for g, h in mmap.pages.items()}
    lines.append(f"=== {guest.name}: shadow maps, guest-virtual -> host-physical (in monitor frames)")
    for shadow in shadows.maps.values():
        if shadow.key == PHYSICAL:
            what = "guest translation off (both modes)"
        else:
            what = f"guest root {shadow.key[0]:08x}, virtual {'user' if shadow.key[1] else 'kernel'} mode"
        installed = ", installed in the real pmar" if shadow is shadows.installed else ""
        lines.append(f"  shadow for {what}: root map at host {shadow.root << PAGE_SHIFT:08x}{installed}")
        leaves = []
        for index, table in sorted(shadow.tables.items()):
            base = table << (PAGE_SHIFT - 2)
            lines.append(f"    root[{index:3}] -> second-level map at host {table << PAGE_SHIFT:08x}")
            for i in range(1024):
                entry = mem.u32[base + i]
                if entry & PTE_V:
                    host = (entry & PTE_ADDR_MASK) >> PAGE_SHIFT
                    leaves.append((((index << 10) | i, guest_of[host], host), _flags(entry)))
        for (v, g, h), n, flags in _runs(leaves):
            lines.append(f"      va {_span(v, n)} -> guest-physical {_span(g, n)} -> host {_span(h, n)} {flags}")
    return "\n".join(lines) + "\n"


def maps_report(monitor) -> str:
    return "".join(dump_guest(guest) for guest in monitor.guests)
