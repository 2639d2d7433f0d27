"""Putting an executable into RAM: ELF (toyasm's or clang/ld.lld's) or a flat binary.

ELF: every PT_LOAD segment is copied to its physical address ``p_paddr`` (or ``p_vaddr`` with
``use_vaddr``, as a user-mode environment with translation off wants); bytes beyond the file
size stay zero (RAM is zero at reset). The entry point is ``e_entry`` translated to physical
through the segment containing it, so a kernel linked high and loaded low starts at the right
place. A flat binary is copied to ``base`` and starts there.

Nothing in the file is trusted: pyelftools parses the headers, and every field is checked
against the file's size and the RAM it is going into *before* anything is read, so a crafted
file costs at most MAX_PHNUM program headers (128 KiB) and the RAM size in segment bytes, and
every malformed file is a LoadError saying why -- truncated headers, program headers or segments
past the end of the file, a segment whose file size exceeds its memory size or whose addresses
wrap past 4 GiB, loadable segments that overlap in memory, more than MAX_PHNUM program headers,
a 64-bit, big-endian or non-RISC-V file, an object file or a dynamically linked one, or no
loadable segment at all (what pyelftools itself refuses, it says why). Only the ELF header and
the program headers are read (sections are not needed to load a program). A file that is not a
regular file (a pipe, a device) is read whole, up to MAX_STREAM_SIZE bytes (with --base, up to
the RAM above the base).
"""
from __future__ import annotations

import io
import itertools
import os
import stat
from dataclasses import dataclass

from elftools.common.exceptions import ELFError
from elftools.common.utils import struct_parse
from elftools.elf.elffile import ELFFile
from elftools.elf.segments import Segment

from isa.machine import PAGE_SIZE

from .errors import LoadError

ELF_MAGIC = b"\x7fELF"
MAX_PHNUM = 4096                 # program headers in one file (ld.lld writes a handful)
MAX_STREAM_SIZE = 64 << 20       # bytes read from a file that is not a regular file
EHDR_SIZE, PHDR_SIZE = 52, 32    # an ELF32 file header, program header
ADDRESS_SPACE = 1 << 32


@dataclass
class Image:
    entry: int          # the pc to start at
    end: int            # first page-aligned address after everything loaded


@dataclass
class ElfSegment:
    vaddr: int
    paddr: int
    memsz: int
    flags: int          # ELF p_flags: PF_X 1, PF_W 2, PF_R 4
    data: bytes         # the file's bytes (at most memsz)


def _page_up(addr: int) -> int:
    return (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def _open(path: str, limit: int = MAX_STREAM_SIZE):
    """The file, seekable: a regular file as it is; anything else (a pipe, a device) has no size
    to trust, so it is read whole, up to ``limit`` bytes."""
    try:
        f = open(path, "rb")
        if stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return f
        with f:
            data = f.read(limit + 1)
    except OSError as e:
        raise LoadError(f"{path}: {e.strerror or e}") from None
    except ValueError as e:     # e.g. an embedded NUL byte in a path from vms.toml
        raise LoadError(f"{path!r}: {e}") from None
    if len(data) > limit:
        raise LoadError(f"{path}: not a regular file, and longer than {limit} bytes")
    return io.BytesIO(data)


def read_elf(path: str, mem_size: int | None = None) -> tuple[int, list[ElfSegment]]:
    """The entry point and the non-empty PT_LOAD segments of a TOY32 (RV32 LE) ELF executable.

    ``mem_size``: the RAM the segments must fit in; segments whose memory sizes add up to more
    are refused before their bytes are read."""
    with _open(path) as f:
        return _read_elf(path, f, mem_size)


def _read_elf(path: str, f, mem_size: int | None) -> tuple[int, list[ElfSegment]]:
    def bad(why: str) -> LoadError:
        return LoadError(f"{path}: {why}")

    size = f.seek(0, io.SEEK_END)
    if size < EHDR_SIZE:
        raise bad(f"truncated ELF file ({size} bytes; the ELF header is {EHDR_SIZE})")
    try:
        elf = ELFFile(f)
        h = elf.header
        if elf.elfclass != 32:
            raise bad("a 64-bit ELF file; TOY32 runs 32-bit RISC-V (RV32) executables")
        if not elf.little_endian:
            raise bad("a big-endian ELF file; TOY32 is little-endian")
        if h.e_machine != "EM_RISCV":
            raise bad(f"not a RISC-V ELF file (e_machine {h.e_machine})")
        if h.e_type == "ET_REL":
            raise bad("a relocatable object file, not an executable (link it first)")
        if h.e_type not in ("ET_EXEC", "ET_DYN"):
            raise bad(f"not an executable (ELF type {h.e_type})")
        if h.e_phnum == 0:
            raise bad("no program headers (no loadable segment)")
        if h.e_phnum > MAX_PHNUM:       # PN_XNUM (0xffff) too: its count would be in section 0
            raise bad(f"{h.e_phnum} program headers (at most {MAX_PHNUM})")
        if h.e_phentsize != PHDR_SIZE:
            raise bad(f"program header size {h.e_phentsize} (an ELF32 program header is {PHDR_SIZE} bytes)")
        if h.e_phoff < EHDR_SIZE or h.e_phoff + h.e_phnum * PHDR_SIZE > size:
            raise bad(f"program headers at {h.e_phoff:#x} ({h.e_phnum} of {PHDR_SIZE} bytes) are not "
                      f"within the file ({size:#x} bytes)")
        loads, total = [], 0
        for i in range(h.e_phnum):
            # The header only: get_segment would make a PT_DYNAMIC a DynamicSegment, which walks
            # (and names) every section the file claims before we could refuse it.
            p = struct_parse(elf.structs.Elf_Phdr, f, h.e_phoff + i * PHDR_SIZE)
            where = f"segment {i}"
            if p.p_type in ("PT_INTERP", "PT_DYNAMIC"):
                raise bad("a dynamically linked executable (link it statically)")
            if p.p_type != "PT_LOAD" or p.p_memsz == 0 and p.p_filesz == 0:
                continue
            if p.p_filesz > p.p_memsz:
                raise bad(f"{where}: file size {p.p_filesz:#x} exceeds its memory size {p.p_memsz:#x}")
            if p.p_offset + p.p_filesz > size:
                raise bad(f"{where}: bytes {p.p_offset:#x}..{p.p_offset + p.p_filesz:#x} are past the "
                          f"end of the file ({size:#x} bytes)")
            for name, addr in (("virtual", p.p_vaddr), ("physical", p.p_paddr)):
                if addr + p.p_memsz > ADDRESS_SPACE:
                    raise bad(f"{where}: {name} addresses {addr:#010x}+{p.p_memsz:#x} wrap past 4 GiB")
            total += p.p_memsz
            if mem_size is not None and total > mem_size:
                raise bad(f"loadable segments of {total:#x} bytes or more do not fit in the "
                          f"{mem_size:#x} bytes of RAM left for them (see --mem)")
            loads.append(p)
        if not loads:
            raise bad("no loadable segment")
        _no_overlap(path, "virtual", [(p.p_vaddr, p.p_memsz) for p in loads])
        segments = []
        for p in loads:
            data = Segment(p, f).data()
            if len(data) != p.p_filesz:     # the file shrank under us
                raise bad("file truncated while reading it")
            segments.append(ElfSegment(p.p_vaddr, p.p_paddr, p.p_memsz, p.p_flags, data))
        return h.e_entry, segments
    except ELFError as e:               # ELFParseError too; construct's errors arrive as that
        raise bad(f"malformed ELF file: {e}") from None
    except OSError as e:
        raise bad(e.strerror or str(e)) from None


def _no_overlap(path: str, kind: str, ranges: list[tuple[int, int]]) -> None:
    ranges = sorted(ranges)
    for (a, n), (b, _) in itertools.pairwise(ranges):
        if a + n > b:
            raise LoadError(f"{path}: loadable segments overlap at {kind} address {b:#010x}")


def _check_fits(machine, addr: int, memsz: int, what: str) -> None:
    if not machine.mem.contains(addr, memsz):
        raise LoadError(f"{what} at {addr:#010x}..{addr + memsz:#010x} does not fit in RAM "
                        f"(0..{machine.mem.size:#x}; see --mem)")


def _load_elf(machine, path: str, f, use_vaddr: bool) -> Image:
    entry, segments = _read_elf(path, f, machine.mem.size)
    dest = [(seg.vaddr if use_vaddr else seg.paddr, seg) for seg in segments]
    _no_overlap(path, "physical", [(paddr, seg.memsz) for paddr, seg in dest])
    for paddr, seg in dest:      # every segment checked before any is written
        _check_fits(machine, paddr, seg.memsz, f"{path}: segment")
    start, end = None, 0
    for paddr, seg in dest:
        machine.write_bytes(paddr, seg.data)
        end = max(end, _page_up(paddr + seg.memsz))
        if start is None and seg.vaddr <= entry < seg.vaddr + seg.memsz:
            start = entry - seg.vaddr + paddr
    return Image(entry if start is None else start, end)


def _load_binary(machine, path: str, f, base: int) -> Image:
    size = f.seek(0, io.SEEK_END)
    _check_fits(machine, base, size, f"{path}: image")
    f.seek(0)
    try:
        data = f.read(size)
    except OSError as e:
        raise LoadError(f"{path}: {e.strerror or e}") from None
    machine.write_bytes(base, data)
    return Image(base, _page_up(base + len(data)))


def load_executable(machine, path: str, base: int | None = None, use_vaddr: bool = False) -> Image:
    """ELF files are recognised by their magic; anything else needs ``base`` (a flat binary)."""
    with _open(path, MAX_STREAM_SIZE if base is None else max(machine.mem.size - base, 0)) as f:
        try:
            magic = f.read(4)
        except OSError as e:
            raise LoadError(f"{path}: {e.strerror or e}") from None
        if magic == ELF_MAGIC:
            return _load_elf(machine, path, f, use_vaddr)
        if base is None:
            raise LoadError(f"{path}: not an ELF file (load a flat binary with --base ADDR)")
        return _load_binary(machine, path, f, base)
