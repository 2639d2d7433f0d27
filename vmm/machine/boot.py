"""The host side of the boot contract (isa/boot.py, docs/boot.md): a kernel, its modules and the
boot-info table.

``boot`` is the one way every tool starts a kernel -- ``toyvm run``, the monitor for each guest,
``toyvm compare``, the benchmarks and the tests: the image, then (only when there are modules)
the modules and the table with its address in a0, and pc at the entry point.

``load_modules`` runs after the kernel is loaded and before reset completes: it copies each
module's loadable segments into physical RAM from ``kernel_end`` up, each segment on fresh pages
at the same offset within the page as its virtual address (so the kernel maps the bytes in place;
bytes beyond the file size stay zero because RAM is zero at reset), then writes the table on the
next page; ``boot`` puts the returned address in a0.

Every module is checked as the kernel is (loader.py: a malformed ELF is a LoadError saying why),
and each may claim at most the RAM still free after the kernel and the modules before it, so
the modules together cost at most the RAM size however large they say they are.
"""
from __future__ import annotations

import os
import struct

from isa import boot as contract
from isa.machine import PAGE_SIZE, REGISTERS

from .errors import LoadError
from .loader import PF_R, PF_W, PF_X, Image, load_executable, read_elf

A0 = REGISTERS["a0"]

_HEADER = contract.offsets(contract.HEADER)
_MODULE = contract.offsets(contract.MODULE)
_SEGMENT = contract.offsets(contract.SEGMENT)
_PERMISSIONS = ((PF_R, contract.SEG_R), (PF_W, contract.SEG_W), (PF_X, contract.SEG_X))


def boot(memory, image: str, modules=(), *, cpu=None, base: int | None = None) -> Image:
    """Boot the kernel ``image`` with ``modules`` (paths, in --module order): load the image into
    ``memory``; with modules, place them and the boot-info table after it and put the table's
    address in a0 (with none, a0 is left as reset made it, 0, and nothing but the image is in
    memory); set pc to the entry point. LoadError when something does not load or fit.

    ``memory`` is what the loaders write to (``mem.size``, ``write_bytes``): the bare machine, or
    a guest's physical memory (vmm/monitor/machine_map.py). ``cpu`` holds pc and the registers:
    the machine itself (the default), or a guest's virtual CPU. ``base``: load a flat binary
    there (as ``toyvm run --base``)."""
    cpu = memory if cpu is None else cpu
    loaded = load_executable(memory, image, base)
    if modules:
        cpu.regs[A0] = load_modules(memory, list(modules), loaded.end)
    cpu.pc = loaded.entry
    return loaded


def _page_up(addr: int) -> int:
    return (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def _word(table: bytearray, offset: int, value: int) -> None:
    struct.pack_into("<I", table, offset, value & 0xFFFFFFFF)


def module_name(path: str) -> bytes:
    """What the kernel calls the module: the file name without directory and extension."""
    name = os.path.splitext(os.path.basename(path))[0].encode("utf-8", "replace")
    return name[: contract.MODULE_NAME_SIZE - 1]


def load_modules(machine, module_paths: list[str], kernel_end: int) -> int:
    """Place the modules and the boot-info table in RAM from ``kernel_end`` (the page-aligned end
    of the kernel image) up; return the table's physical address."""
    table = bytearray(contract.HEADER_SIZE + contract.MODULE_SIZE * len(module_paths))
    placed: list[tuple[int, bytes]] = []
    cursor = _page_up(kernel_end)
    for i, path in enumerate(module_paths):
        # what is left of RAM bounds what a module may claim, before any of its bytes are read
        entry, segments = read_elf(path, max(machine.mem.size - cursor, 0))
        if len(segments) > contract.MAX_SEGMENTS:
            raise LoadError(f"{path}: {len(segments)} loadable segments; a module may have at most "
                            f"{contract.MAX_SEGMENTS}")
        record = contract.HEADER_SIZE + i * contract.MODULE_SIZE
        _word(table, record + _MODULE["BI_MOD_ENTRY"], entry)
        _word(table, record + _MODULE["BI_MOD_NSEGS"], len(segments))
        name = module_name(path)
        table[record + _MODULE["BI_MOD_NAME"]: record + _MODULE["BI_MOD_NAME"] + len(name)] = name
        for j, seg in enumerate(segments):
            paddr = cursor + seg.vaddr % PAGE_SIZE
            cursor = _page_up(paddr + seg.memsz)
            placed.append((paddr, seg.data))
            flags = sum(bit for pf, bit in _PERMISSIONS if seg.flags & pf)
            at = record + _MODULE["BI_MOD_SEGS"] + j * contract.SEGMENT_SIZE
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
    for field, value in (("BI_MAGIC", contract.BOOTINFO_MAGIC), ("BI_RAM_SIZE", machine.mem.size),
                         ("BI_FREE", free), ("BI_NMODULES", len(module_paths))):
        _word(table, _HEADER[field], value)
    for paddr, data in placed:
        machine.write_bytes(paddr, data)
    machine.write_bytes(table_addr, bytes(table))
    return table_addr
