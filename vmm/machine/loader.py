"""Putting an executable into RAM: ELF (toyasm's or clang/ld.lld's) or a flat binary.

ELF: every PT_LOAD segment is copied to its physical address ``p_paddr`` (or ``p_vaddr`` with
``use_vaddr``, as a user-mode environment with translation off wants); bytes beyond the file
size stay zero (RAM is zero at reset). The entry point is ``e_entry`` translated to physical
through the segment containing it, so a kernel linked high and loaded low starts at the right
place. A flat binary is copied to ``base`` and starts there.

Nothing in the file is trusted: every field of the headers is checked against the file's size
and the RAM it is going into *before* anything is read, so a crafted
file costs at most MAX_PHNUM program headers (128 KiB) and the RAM size in segment bytes, and
every malformed file is a LoadError saying why -- truncated headers, program headers or segments
past the end of the file, a segment whose file size exceeds its memory size or whose addresses
wrap past 4 GiB, loadable segments that overlap in memory, more than MAX_PHNUM program headers,
a 64-bit, big-endian or non-RISC-V file, an object file or a dynamically linked one, or no
loadable segment at all. Only the ELF header and the program headers are read (sections are not
needed to load a program), with ``struct``: they are two fixed little-endian layouts, and
pyelftools' parser would cost every run ~60 ms of imports (its DWARF and construct modules) for
52 bytes; pyelftools' tables still name the values a refusal reports (EM_X86_64, ET_CORE). A
file that is not a regular file (a pipe, a device) is read whole, up to MAX_STREAM_SIZE bytes
(with --base, up to the RAM above the base).
"""
from __future__ import annotations

import io
import itertools
import os
import stat
import struct
from dataclasses import dataclass

from isa.machine import PAGE_SIZE

from .errors import LoadError

ELF_MAGIC = b"\x7fELF"
MAX_PHNUM = 4096                 # program headers in one file (ld.lld writes a handful)
MAX_STREAM_SIZE = 64 << 20       # bytes read from a file that is not a regular file
EHDR = struct.Struct("<16sHHIIIIIHHHHHH")     # ELF32 file header (e_ident .. e_shstrndx)
PHDR = struct.Struct("<IIIIIIII")              # ELF32 program header (p_type .. p_align)
EHDR_SIZE, PHDR_SIZE = EHDR.size, PHDR.size
ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB = 1, 2, 1, 2
ET_REL, ET_EXEC, ET_DYN = 1, 2, 3
EM_RISCV = 243
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
PF_X, PF_W, PF_R = 1, 2, 4                    # a program header's p_flags
ADDRESS_SPACE = 1 << 32


def _elf_name(table: str, value: int) -> str:
    """The ELF name of a value (``EM_X86_64``), from pyelftools' tables: only a refusal needs it,
    so only a refusal imports them."""
    from elftools.elf import enums
    names = {v: k for k, v in getattr(enums, table).items() if isinstance(v, int)}
    return names.get(value, str(value))


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
    try:
        return _parse_elf(path, f, mem_size)
    except OSError as e:
        raise LoadError(f"{path}: {e.strerror or e}") from None


def _parse_elf(path: str, f, mem_size: int | None) -> tuple[int, list[ElfSegment]]:
    def bad(why: str) -> LoadError:
        return LoadError(f"{path}: {why}")

    size = f.seek(0, io.SEEK_END)
    if size < EHDR_SIZE:
        raise bad(f"truncated ELF file ({size} bytes; the ELF header is {EHDR_SIZE})")
    f.seek(0)
    (ident, e_type, e_machine, _version, e_entry, e_phoff, _shoff, _flags, _ehsize, e_phentsize,
     e_phnum, *_sections) = EHDR.unpack(f.read(EHDR_SIZE))
    if ident[:4] != ELF_MAGIC:
        raise bad("not an ELF file")
    if ident[4] == ELFCLASS64:
        raise bad("a 64-bit ELF file; TOY32 runs 32-bit RISC-V (RV32) executables")
    if ident[4] != ELFCLASS32:
        raise bad(f"malformed ELF file: invalid EI_CLASS {ident[4]} (1 is 32-bit)")
    if ident[5] == ELFDATA2MSB:
        raise bad("a big-endian ELF file; TOY32 is little-endian")
    if ident[5] != ELFDATA2LSB:
        raise bad(f"malformed ELF file: invalid EI_DATA {ident[5]} (1 is little-endian)")
    if e_machine != EM_RISCV:
        raise bad(f"not a RISC-V ELF file (e_machine {_elf_name('ENUM_E_MACHINE', e_machine)})")
    if e_type == ET_REL:
        raise bad("a relocatable object file, not an executable (link it first)")
    if e_type not in (ET_EXEC, ET_DYN):
        raise bad(f"not an executable (ELF type {_elf_name('ENUM_E_TYPE', e_type)})")
    if e_phnum == 0:
        raise bad("no program headers (no loadable segment)")
    if e_phnum > MAX_PHNUM:       # PN_XNUM (0xffff) too: its count would be in section 0
        raise bad(f"{e_phnum} program headers (at most {MAX_PHNUM})")
    if e_phentsize != PHDR_SIZE:
        raise bad(f"program header size {e_phentsize} (an ELF32 program header is {PHDR_SIZE} bytes)")
    if e_phoff < EHDR_SIZE or e_phoff + e_phnum * PHDR_SIZE > size:
        raise bad(f"program headers at {e_phoff:#x} ({e_phnum} of {PHDR_SIZE} bytes) are not "
                  f"within the file ({size:#x} bytes)")
    f.seek(e_phoff)
    table = f.read(e_phnum * PHDR_SIZE)
    if len(table) != e_phnum * PHDR_SIZE:      # the file shrank under us
        raise bad("file truncated while reading it")
    loads, total = [], 0
    for i, (p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, _align) in \
            enumerate(PHDR.iter_unpack(table)):
        where = f"segment {i}"
        if p_type in (PT_INTERP, PT_DYNAMIC):
            raise bad("a dynamically linked executable (link it statically)")
        if p_type != PT_LOAD or p_memsz == 0 and p_filesz == 0:
            continue
        if p_filesz > p_memsz:
            raise bad(f"{where}: file size {p_filesz:#x} exceeds its memory size {p_memsz:#x}")
        if p_offset + p_filesz > size:
            raise bad(f"{where}: bytes {p_offset:#x}..{p_offset + p_filesz:#x} are past the "
                      f"end of the file ({size:#x} bytes)")
        for name, addr in (("virtual", p_vaddr), ("physical", p_paddr)):
            if addr + p_memsz > ADDRESS_SPACE:
                raise bad(f"{where}: {name} addresses {addr:#010x}+{p_memsz:#x} wrap past 4 GiB")
        total += p_memsz
        if mem_size is not None and total > mem_size:
            raise bad(f"loadable segments of {total:#x} bytes or more do not fit in the "
                      f"{mem_size:#x} bytes of RAM left for them (see --mem)")
        loads.append((p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags))
    if not loads:
        raise bad("no loadable segment")
    _no_overlap(path, "virtual", [(vaddr, memsz) for _, vaddr, _, _, memsz, _ in loads])
    segments = []
    for offset, vaddr, paddr, filesz, memsz, flags in loads:
        f.seek(offset)
        data = f.read(filesz)
        if len(data) != filesz:     # the file shrank under us
            raise bad("file truncated while reading it")
        segments.append(ElfSegment(vaddr, paddr, memsz, flags, data))
    return e_entry, segments


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
