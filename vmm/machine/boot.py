"""The host side of the boot contract (isa/boot.py, docs/boot.md): modules and the boot-info table.

``load_modules`` runs after the kernel is loaded and before reset completes: it copies each
module's loadable segments into physical RAM from ``kernel_end`` up, each segment on fresh pages
at the same offset within the page as its virtual address (so the kernel maps the bytes in place;
bytes beyond the file size stay zero because RAM is zero at reset), then writes the table on the
next page. The caller puts the returned address in a0.

Every module is checked as the kernel is (loader.py: a malformed ELF is a LoadError saying why),
and each may claim at most the RAM still free after the kernel and the modules before it, so
the modules together cost at most the RAM size however large they say they are.
"""
from __future__ import annotations

import os
import struct

from elftools.elf.constants import P_FLAGS

from isa import boot
from isa.machine import PAGE_SIZE

from .errors import LoadError
from .loader import read_elf

_HEADER = boot.offsets(boot.HEADER)
_MODULE = boot.offsets(boot.MODULE)
_SEGMENT = boot.offsets(boot.SEGMENT)
_PERMISSIONS = ((P_FLAGS.PF_R, boot.SEG_R), (P_FLAGS.PF_W, boot.SEG_W), (P_FLAGS.PF_X, boot.SEG_X))


def _page_up(addr: int) -> int:
    return (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def _word(table: bytearray, offset: int, value: int) -> None:
    struct.pack_into("<I", table, offset, value & 0xFFFFFFFF)


def module_name(path: str) -> bytes:
    """What the kernel calls the module: the file name without directory and extension."""
    name = os.path.splitext(os.path.basename(path))[0].encode("utf-8", "replace")
    return name[: boot.MODULE_NAME_SIZE - 1]


def load_modules(machine, module_paths: list[str], kernel_end: int) -> int:
    """Place the modules and the boot-info table in RAM from ``kernel_end`` (the page-aligned end
    of the kernel image) up; return the table's physical address."""
    table = bytearray(boot.HEADER_SIZE + boot.MODULE_SIZE * len(module_paths))
    placed: list[tuple[int, bytes]] = []
    cursor = _page_up(kernel_end)
    for i, path in enumerate(module_paths):
        # what is left of RAM bounds what a module may claim, before any of its bytes are read
        entry, segments = read_elf(path, max(machine.mem.size - cursor, 0))
        if len(segments) > boot.MAX_SEGMENTS:
            raise LoadError(f"{path}: {len(segments)} loadable segments; a module may have at most "
                            f"{boot.MAX_SEGMENTS}")
        record = boot.HEADER_SIZE + i * boot.MODULE_SIZE
        _word(table, record + _MODULE["BI_MOD_ENTRY"], entry)
        _word(table, record + _MODULE["BI_MOD_NSEGS"], len(segments))
        name = module_name(path)
        table[record + _MODULE["BI_MOD_NAME"]: record + _MODULE["BI_MOD_NAME"] + len(name)] = name
        for j, seg in enumerate(segments):
            paddr = cursor + seg.vaddr % PAGE_SIZE
            cursor = _page_up(paddr + seg.memsz)
            placed.append((paddr, seg.data))
            flags = sum(bit for pf, bit in _PERMISSIONS if seg.flags & pf)
            at = record + _MODULE["BI_MOD_SEGS"] + j * boot.SEGMENT_SIZE
            for field, value in (("BI_SEG_VADDR", seg.vaddr), ("BI_SEG_MEMSZ", seg.memsz),
                                 ("BI_SEG_FILESZ", len(seg.data)), ("BI_SEG_FLAGS", flags),
                                 ("BI_SEG_PADDR", paddr)):
                _word(table, at + _SEGMENT[field], value)
        if cursor > machine.mem.size:
            raise LoadError(f"{path}: the modules need RAM up to {cursor:#x} (kernel image ends at "
                            f"{kernel_end:#x}), but RAM is {machine.mem.size:#x} bytes; see --mem")
    table_addr = cursor
    free = _page_up(table_addr + len(table))
    if free > machine.mem.size:
        raise LoadError(f"the modules need RAM up to {free:#x} (kernel image ends at "
                        f"{kernel_end:#x}), but RAM is {machine.mem.size:#x} bytes; see --mem")
    for field, value in (("BI_MAGIC", boot.BOOTINFO_MAGIC), ("BI_RAM_SIZE", machine.mem.size),
                         ("BI_FREE", free), ("BI_NMODULES", len(module_paths))):
        _word(table, _HEADER[field], value)
    for paddr, data in placed:
        machine.write_bytes(paddr, data)
    machine.write_bytes(table_addr, bytes(table))
    return table_addr
