"""The boot contract: how a loader (``toyvm run --module``, the VMM per guest) hands programs to a
guest kernel. docs/boot.md explains it; this module fixes the numbers, once.

Before reset the loader copies each module's loadable segments into guest-physical RAM after the
kernel image (every segment on fresh pages, its bytes at the same offset within the page as its
virtual address, so a kernel can map them in place) and writes a *boot-info table* after the last
module. At reset a0 holds the table's physical address (0 when no module was given).

Table = header, then ``nmodules`` module records; each module record holds up to ``MAX_SEGMENTS``
segment records. Every field is one little-endian 32-bit word except the module name.
The offsets are predefined assembler symbols (isa/symbols.py), so a kernel never retypes them.
"""
from __future__ import annotations

from typing import NamedTuple

from . import machine as m

BOOTINFO_MAGIC = int.from_bytes(b"TOYB", "little")


class Field(NamedTuple):
    symbol: str      # the predefined assembler symbol holding the offset
    offset: int      # bytes from the start of the record
    size: int
    description: str


HEADER: tuple[Field, ...] = (
    Field("BI_MAGIC", 0, 4, "boot info: BOOTINFO_MAGIC"),
    Field("BI_RAM_SIZE", 4, 4, "boot info: bytes of RAM (physical 0 .. RAM size)"),
    Field("BI_FREE", 8, 4, "boot info: first free physical page: everything from here to the end "
                           "of RAM is unused (the kernel, modules and this table lie below)"),
    Field("BI_NMODULES", 12, 4, "boot info: number of module records that follow the header"),
)
HEADER_SIZE = 16             # the first module record is at this offset

MODULE_NAME_SIZE = 16        # the file name without directory and .elf, NUL-padded, <= 15 chars
MAX_SEGMENTS = 8
MODULE: tuple[Field, ...] = (
    Field("BI_MOD_ENTRY", 0, 4, "module: entry point (virtual address)"),
    Field("BI_MOD_NSEGS", 4, 4, "module: number of segment records in use"),
    Field("BI_MOD_NAME", 8, MODULE_NAME_SIZE, "module: its name, a NUL-terminated string"),
    Field("BI_MOD_SEGS", 8 + MODULE_NAME_SIZE, 0, "module: the first segment record"),
)

SEGMENT: tuple[Field, ...] = (
    Field("BI_SEG_VADDR", 0, 4, "segment: virtual address of its first byte"),
    Field("BI_SEG_MEMSZ", 4, 4, "segment: size in memory (bytes)"),
    Field("BI_SEG_FILESZ", 8, 4, "segment: size in the file; bytes beyond it up to MEMSZ are zero"),
    Field("BI_SEG_FLAGS", 12, 4, "segment: permissions, BI_SEG_R | BI_SEG_W | BI_SEG_X"),
    Field("BI_SEG_PADDR", 16, 4, "segment: physical address of its first byte "
                                 "(same offset within the page as its VADDR)"),
)
SEGMENT_SIZE = 20
MODULE_SIZE = 8 + MODULE_NAME_SIZE + MAX_SEGMENTS * SEGMENT_SIZE

# Segment permissions use the page-map bits, so a kernel maps a segment with flags | PTE_V | PTE_U.
SEGMENT_FLAGS: dict[str, tuple[int, str]] = {
    "BI_SEG_R": (m.PTE_R, "segment flag: readable (the same bit as PTE_R)"),
    "BI_SEG_W": (m.PTE_W, "segment flag: writable (the same bit as PTE_W)"),
    "BI_SEG_X": (m.PTE_X, "segment flag: executable (the same bit as PTE_X)"),
}
SEG_R = SEGMENT_FLAGS["BI_SEG_R"][0]
SEG_W = SEGMENT_FLAGS["BI_SEG_W"][0]
SEG_X = SEGMENT_FLAGS["BI_SEG_X"][0]


def offsets(fields: tuple[Field, ...]) -> dict[str, int]:
    return {f.symbol: f.offset for f in fields}


def symbols() -> dict[str, tuple[int, str]]:
    """Every number of the contract, as predefined assembler symbols."""
    table: dict[str, tuple[int, str]] = {
        "BOOTINFO_MAGIC": (BOOTINFO_MAGIC, "boot info: the magic word (\"TOYB\") at BI_MAGIC"),
    }
    for f in HEADER + MODULE + SEGMENT:
        table[f.symbol] = (f.offset, f.description)
    table["BI_HEADER_SIZE"] = (HEADER_SIZE, "boot info: bytes in the header (offset of module 0)")
    table["BI_MOD_SIZE"] = (MODULE_SIZE, "boot info: bytes in a module record")
    table["BI_MOD_NAME_SIZE"] = (MODULE_NAME_SIZE, "boot info: bytes of a module's name field")
    table["BI_MAX_SEGS"] = (MAX_SEGMENTS, "boot info: segment records in a module record")
    table["BI_SEG_SIZE"] = (SEGMENT_SIZE, "boot info: bytes in a segment record")
    table.update(SEGMENT_FLAGS)
    return table
