"""The page maps at a moment (``--dump-maps``, ``--dump-maps-at COUNT``): for a guest, its own
page map (guest-virtual -> guest-physical, walked in its memory from its virtual pmar), the
machine map (guest-physical -> host-physical) and the shadow maps the processor really walks
(guest-virtual -> host-physical, read back from host RAM); for the bare machine, its page map.

One function gathers each as plain data (``guest_maps``, ``bare_maps``); the text (``*_text``,
the worked example of docs/vmm.md is printed by it) and the Graphviz drawing (``maps_dot``) are
both rendered from that data, so the two cannot disagree. The gdb stub's ``monitor`` command may
call the same functions at a breakpoint.

Bounds: a page map has at most 1024 root entries of 1024 leaves each, so a walk reads at most
1024 + 1024 * 1024 words; runs of consecutive pages are printed as one line.
"""
from __future__ import annotations

import json

from isa.machine import PAGE_SHIFT, PMAR_ON, PMAR_ROOT_MASK, PTE_ADDR_MASK, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X
from isa.privileged import POINTER_FLAGS

from .nested import NestedMaps
from .shadow import PHYSICAL

ENTRIES = 1024                  # entries of one map page (SPEC §5)


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


def page_map_leaves(read_word, size: int, pmar: int) -> list[tuple[int, int, int]]:
    """Every valid leaf of the two-level page map at ``pmar``'s root, as (virtual page number,
    root entry, leaf entry), reading map words with ``read_word`` in a memory of ``size`` bytes
    (words beyond it are skipped, as the walk would fault there)."""
    leaves = []
    base = pmar & PMAR_ROOT_MASK
    for index in range(ENTRIES):
        address = base + (index << 2)
        if address + 4 > size:
            break
        root = read_word(address)
        if not root & PTE_V or root & POINTER_FLAGS:     # not a pointer: the walk faults there
            continue
        table = root & PTE_ADDR_MASK
        for i in range(ENTRIES):
            address = table + (i << 2)
            if address + 4 > size:
                break
            leaf = read_word(address)
            if leaf & PTE_V:
                leaves.append(((index << 10) | i, root, leaf))
    return leaves


# --- the data ------------------------------------------------------------------------------------
def guest_maps(guest) -> dict:
    """A guest's three kinds of map as runs of pages:

    ``guest_map``: [(first va page, first guest-physical page, pages, flags)] or None when the
    guest's translation is off; ``machine_map``: [(first guest-physical page, first host page,
    pages)]; ``shadows``: [{"what", "root" (host page), "installed", "tables": [(index, host
    page)], "leaves": [(first va page, first guest-physical page, first host page, pages, flags)]}];
    ``machine_map_root``: with nested paging, the host page of the machine map's root (else None).
    """
    vcpu, mmap, mem = guest.vcpu, guest.mmap, guest.machine.mem
    data = {"name": guest.name, "count": vcpu.count, "pmar": vcpu.pmar, "user": vcpu.user,
            "size_pages": mmap.size >> PAGE_SHIFT}
    if vcpu.pmar & PMAR_ON:
        leaves = [((vpn, (leaf & PTE_ADDR_MASK) >> PAGE_SHIFT), _flags(leaf))
                  for vpn, _, leaf in page_map_leaves(guest.read_word, mmap.size, vcpu.pmar)]
        data["guest_map"] = [(v, g, n, flags) for (v, g), n, flags in _runs(leaves)]
    else:
        data["guest_map"] = None
    data["machine_map"] = [(g, h, n) for (g, h), n, _ in _runs([((g, h), "") for g, h in mmap.pages.items()])]
    guest_of = {h: g for g, h in mmap.pages.items()}
    shadows = []
    for shadow in guest.shadows.maps.values():
        if shadow.key == PHYSICAL:
            what = "guest translation off (both modes)"
        else:
            what = f"guest root {shadow.key[0]:08x}, virtual {'user' if shadow.key[1] else 'kernel'} mode"
        leaves = []
        for index, table in sorted(shadow.tables.items()):
            base = table << (PAGE_SHIFT - 2)
            for i in range(ENTRIES):
                entry = mem.u32[base + i]
                if entry & PTE_V:
                    host = (entry & PTE_ADDR_MASK) >> PAGE_SHIFT
                    leaves.append((((index << 10) | i, guest_of.get(host, -1), host), _flags(entry)))
        shadows.append({"what": what, "root": shadow.root, "installed": shadow is guest.shadows.installed,
                        "tables": sorted(shadow.tables.items()),
                        "leaves": [(v, g, h, n, flags) for (v, g, h), n, flags in _runs(leaves)]})
    data["shadows"] = shadows
    # nested paging (nested.py): no shadows; the machine map is a real map the processor walks
    data["machine_map_root"] = guest.shadows.root if isinstance(guest.shadows, NestedMaps) else None
    return data


def bare_maps(machine) -> dict:
    """The bare machine's page map as runs: [(first va page, first physical page, pages, flags)],
    or None when translation is off."""
    data = {"count": machine.count, "pmar": machine.pmar, "user": bool(machine.psw & 1)}
    if machine.pmar & PMAR_ON:
        read_word, size = machine.page_map_reader()
        leaves = [((vpn, (leaf & PTE_ADDR_MASK) >> PAGE_SHIFT), _flags(leaf))
                  for vpn, _, leaf in page_map_leaves(read_word, size, machine.pmar)]
        data["page_map"] = [(v, p, n, flags) for (v, p), n, flags in _runs(leaves)]
    else:
        data["page_map"] = None
    return data


# --- as text -------------------------------------------------------------------------------------
def guest_map_text(data: dict) -> list[str]:
    name = data["name"]
    if data["guest_map"] is None:
        return [f"=== {name}: guest page map: none, the guest's translation is off "
                f"(pmar {data['pmar']:08x}): guest-virtual = guest-physical"]
    lines = [f"=== {name}: guest page map, guest-virtual -> guest-physical (pmar {data['pmar']:08x}, "
             f"virtual {'user' if data['user'] else 'kernel'} mode)"]
    for v, g, n, flags in data["guest_map"]:
        lines.append(f"  va {_span(v, n)} -> guest-physical {_span(g, n)} {flags}")
    return lines


def machine_map_text(data: dict) -> list[str]:
    backed = sum(n for _, _, n in data["machine_map"])
    lines = [f"=== {data['name']}: machine map, guest-physical -> host-physical "
             f"({backed} of {data['size_pages']} pages backed)"]
    for g, h, n in data["machine_map"]:
        lines.append(f"  guest {_span(g, n)} -> host {_span(h, n)}  ({n} page{'s' * (n != 1)})")
    return lines


def shadow_maps_text(data: dict) -> list[str]:
    if data["machine_map_root"] is not None:
        return [f"=== {data['name']}: no shadow maps: nested paging, the processor walks the guest's map and "
                f"the machine map (its root at host {data['machine_map_root'] << PAGE_SHIFT:08x}, in the mmap register)"]
    lines = [f"=== {data['name']}: shadow maps, guest-virtual -> host-physical (in monitor frames)"]
    for shadow in data["shadows"]:
        installed = ", installed in the real pmar" if shadow["installed"] else ""
        lines.append(f"  shadow for {shadow['what']}: root map at host {shadow['root'] << PAGE_SHIFT:08x}{installed}")
        for index, table in shadow["tables"]:
            lines.append(f"    root[{index:3}] -> second-level map at host {table << PAGE_SHIFT:08x}")
        for v, g, h, n, flags in shadow["leaves"]:
            lines.append(f"      va {_span(v, n)} -> guest-physical {_span(g, n)} -> host {_span(h, n)} {flags}")
    return lines


def dump_guest(guest, moment: str = "") -> str:
    """A guest's maps as text (``moment``: a heading line, e.g. when they were taken)."""
    data = guest_maps(guest)
    lines = [moment] if moment else []
    lines += guest_map_text(data) + machine_map_text(data) + shadow_maps_text(data)
    return "\n".join(lines) + "\n"


def maps_report(monitor) -> str:
    return "".join(dump_guest(guest) for guest in monitor.guests)


def bare_maps_text(data: dict) -> list[str]:
    if data["page_map"] is None:
        return [f"=== page map: none: translation is off (pmar {data['pmar']:08x}), every address is "
                f"physical (at instruction {data['count']:,})"]
    lines = [f"=== page map, virtual -> physical (pmar {data['pmar']:08x}, at instruction {data['count']:,}, "
             f"{'user' if data['user'] else 'kernel'} mode)"]
    for v, p, n, flags in data["page_map"]:
        lines.append(f"  va {_span(v, n)} -> physical {_span(p, n)} {flags}")
    return lines


def bare_maps_report(machine, fmt: str = "text") -> str:
    """The bare machine's page map now, as text, a Graphviz digraph or a line of JSON."""
    data = bare_maps(machine)
    if fmt == "json":
        return maps_json(data)
    if fmt == "dot":
        return bare_maps_dot(data)
    return "\n".join(bare_maps_text(data)) + "\n"


# --- as JSON -------------------------------------------------------------------------------------
def maps_json(data: dict) -> str:
    """``guest_maps`` or ``bare_maps`` as one line of JSON (runs as arrays, in the order their
    docstrings give), so a dump at each of several counts is a JSON Lines stream."""
    return json.dumps(data, separators=(",", ":")) + "\n"


# --- drawn (Graphviz) ------------------------------------------------------------------------------
def _q(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"'


def maps_dot(data: dict) -> str:
    """A guest's maps (``guest_maps``) as a Graphviz digraph: three columns of page runs --
    guest-virtual, guest-physical, host-physical -- with the guest's map (solid), the machine map
    (solid) and the installed shadow (dashed, straight from virtual to host) as edges. Render
    with ``dot -Tsvg``."""
    name = data["name"]
    nodes: dict[str, set[str]] = {"virtual": set(), "guest": set(), "host": set()}
    edges: list[str] = []

    def node(column: str, page: int, n: int) -> str:
        label = f"{column[0]}:{_span(page, n)}"
        nodes[column].add(label)
        return _q(label)

    for v, g, n, flags in data["guest_map"] or []:
        edges.append(f"  {node('virtual', v, n)} -> {node('guest', g, n)} [label={_q(flags)}];")
    for g, h, n in data["machine_map"]:
        edges.append(f"  {node('guest', g, n)} -> {node('host', h, n)};")
    for shadow in data["shadows"]:
        if not shadow["installed"]:
            continue
        for v, g, h, n, flags in shadow["leaves"]:
            edges.append(f"  {node('virtual', v, n)} -> {node('host', h, n)} "
                         f"[style=dashed, color=blue, label={_q('shadow ' + flags)}];")
    lines = [f"digraph {_q(name + ' maps')} {{", "  rankdir=LR;", "  node [shape=box, fontname=monospace];"]
    for column, title in (("virtual", "guest-virtual"), ("guest", "guest-physical"), ("host", "host-physical")):
        lines.append(f"  subgraph {_q('cluster_' + column)} {{ label={_q(title)};")
        lines += [f"    {_q(label)};" for label in sorted(nodes[column])]
        lines.append("  }")
    lines += edges
    lines.append("}")
    return "\n".join(lines) + "\n"


def bare_maps_dot(data: dict) -> str:
    """The bare machine's page map (``bare_maps``) as a Graphviz digraph: runs of virtual pages
    to runs of physical pages, labelled with their flags (empty when translation is off)."""
    lines = ['digraph "page map" {', "  rankdir=LR;", "  node [shape=box, fontname=monospace];"]
    for v, p, n, flags in data["page_map"] or []:
        lines.append(f"  {_q('v:' + _span(v, n))} -> {_q('p:' + _span(p, n))} [label={_q(flags)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"
