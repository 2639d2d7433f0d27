"""Putting an executable into RAM: ELF (toyasm's or clang/ld.lld's) or a flat binary.

ELF: every PT_LOAD segment is copied to its physical address ``p_paddr`` (or ``p_vaddr`` with
``use_vaddr``, as a user-mode environment with translation off wants); bytes beyond the file
size stay zero (RAM is zero at reset). The entry point is ``e_entry`` translated to physical
through the segment containing it, so a kernel linked high and loaded low starts at the right
place. A flat binary is copied to ``base`` and starts there.

Nothing in the file is trusted: every header field is checked against the file's size and the
RAM it is going into *before* anything is read, so a crafted file costs at most MAX_PHNUM
program headers (128 KiB) and the RAM size in segment bytes, and every malformed file is a LoadError
saying why -- truncated headers, program headers or segments past the end of the file, a
segment whose file size exceeds its memory size or whose addresses wrap past 4 GiB, loadable
segments that overlap in memory, more than MAX_PHNUM program headers, a 64-bit, big-endian or
non-RISC-V file, an object file or a dynamically linked one, or no loadable segment at all. Only
the ELF header and the program headers are read (sections are not needed to load a program).
A file that is not a regular file (a pipe, a device) is read whole, up to MAX_STREAM_SIZE bytes
(with --base, up to the RAM above the base).
"""
from __future__ import annotations

import io
import os
import stat
import struct
from dataclasses import dataclass

from isa.machine import PAGE_SIZE

from .errors import LoadError

ELF_MAGIC = b"\x7fELF"
MAX_PHNUM = 4096                 # program headers in one file (ld.lld writes a handful)
MAX_STREAM_SIZE = 64 << 20       # bytes read from a file that is not a regular file

_EHDR = struct.Struct("<16sHHIIIIIHHHHHH")    # Elf32_Ehdr: 52 bytes
_PHDR = struct.Struct("<IIIIIIII")            # Elf32_Phdr: 32 bytes
ELFCLASS32, ELFCLASS64 = 1, 2
ELFDATA2LSB, ELFDATA2MSB = 1, 2
ET_REL, ET_EXEC, ET_DYN = 1, 2, 3
EM_RISCV = 243
PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
PN_XNUM = 0xFFFF
ADDRESS_SPACE = 1 << 32


@dataclass
class Image:
    entry: int          # the pc to start at
    end: int            # first page-aligned address after everything loaded


def _page_up(addr: int) -> int:
    return (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


@dataclass
class ElfSegment:
    vaddr: int
    paddr: int
    memsz: int
    flags: int          # ELF p_flags: PF_X 1, PF_W 2, PF_R 4
    data: bytes         # the file's bytes (at most memsz)


class _Source:
    """Random access to the bytes of an open file, with its size known before any read."""

    def __init__(self, path: str, f, limit: int = MAX_STREAM_SIZE):
        self.path = path
        self.f = f
        try:
            st = os.fstat(f.fileno())
        except (OSError, AttributeError, ValueError):   # io.UnsupportedOperation is both
            st = None
        if st is not None and stat.S_ISREG(st.st_mode):
            self.size = st.st_size
            return
        chunks, size = [], 0    # a pipe or a device: no size to trust, read it (bounded) whole
        try:
            while size <= limit:
                chunk = f.read(min(1 << 16, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError as e:
            raise LoadError(f"{path}: {e.strerror or e}") from None
        if size > limit:
            raise LoadError(f"{path}: not a regular file, and longer than {limit} bytes")
        self.f, self.size = io.BytesIO(b"".join(chunks)), size

    def read(self, offset: int, n: int) -> bytes:
        """Exactly n bytes at offset (the caller has checked that they are in the file)."""
        try:
            self.f.seek(offset)
            data = self.f.read(n)
        except OSError as e:
            raise LoadError(f"{self.path}: {e.strerror or e}") from None
        if len(data) != n:      # the file shrank under us
            raise LoadError(f"{self.path}: file truncated while reading it")
        return data


def _open(path: str):
    try:
        return open(path, "rb")
    except OSError as e:
        raise LoadError(f"{path}: {e.strerror or e}") from None
    except ValueError as e:     # e.g. an embedded NUL byte in a path from vms.toml
        raise LoadError(f"{path!r}: {e}") from None


def read_elf(path: str, mem_size: int | None = None) -> tuple[int, list[ElfSegment]]:
    """The entry point and the non-empty PT_LOAD segments of a TOY32 (RV32 LE) ELF executable.

    ``mem_size``: the RAM the segments must fit in; segments whose memory sizes add up to more
    are refused before their bytes are read."""
    with _open(path) as f:
        return _read_elf(_Source(path, f), mem_size)


def _read_elf(src: _Source, mem_size: int | None) -> tuple[int, list[ElfSegment]]:
    path = src.path

    def bad(why: str) -> LoadError:
        return LoadError(f"{path}: {why}")

    if src.size < 16:
        raise bad(f"truncated ELF file ({src.size} bytes; the ELF header is {_EHDR.size})")
    ident = src.read(0, 16)
    if ident[:4] != ELF_MAGIC:
        raise bad("not an ELF file")
    if ident[4] != ELFCLASS32:
        raise bad("a 64-bit ELF file; TOY32 runs 32-bit RISC-V (RV32) executables" if ident[4] == ELFCLASS64
                  else f"bad ELF class {ident[4]} (not 32-bit)")
    if ident[5] != ELFDATA2LSB:
        raise bad("a big-endian ELF file; TOY32 is little-endian" if ident[5] == ELFDATA2MSB
                  else f"bad ELF data encoding {ident[5]} (not little-endian)")
    if src.size < _EHDR.size:
        raise bad(f"truncated ELF file ({src.size} bytes; the ELF header is {_EHDR.size})")
    (_, e_type, e_machine, _, e_entry, e_phoff, _, _, _, e_phentsize, e_phnum, _, _, _) = \
        _EHDR.unpack(src.read(0, _EHDR.size))
    if e_machine != EM_RISCV:
        raise bad(f"not a RISC-V ELF file (e_machine {e_machine}; RISC-V is {EM_RISCV})")
    if e_type == ET_REL:
        raise bad("a relocatable object file, not an executable (link it first)")
    if e_type not in (ET_EXEC, ET_DYN):
        raise bad(f"not an executable (ELF type {e_type})")
    if e_phnum == 0:
        raise bad("no program headers (no loadable segment)")
    if e_phnum == PN_XNUM or e_phnum > MAX_PHNUM:
        raise bad(f"{e_phnum} program headers (at most {MAX_PHNUM})")
    if e_phentsize != _PHDR.size:
        raise bad(f"program header size {e_phentsize} (an ELF32 program header is {_PHDR.size} bytes)")
    if e_phoff < _EHDR.size or e_phoff + e_phnum * _PHDR.size > src.size:
        raise bad(f"program headers at {e_phoff:#x} ({e_phnum} of {_PHDR.size} bytes) are not within "
                  f"the file ({src.size:#x} bytes)")
    table = src.read(e_phoff, e_phnum * _PHDR.size)
    loads = []
    total = 0
    for i in range(e_phnum):
        p_type, offset, vaddr, paddr, filesz, memsz, flags, _ = _PHDR.unpack_from(table, i * _PHDR.size)
        where = f"segment {i}"
        if p_type in (PT_INTERP, PT_DYNAMIC):
            raise bad("a dynamically linked executable (link it statically)")
        if p_type != PT_LOAD or memsz == 0 and filesz == 0:
            continue
        if filesz > memsz:
            raise bad(f"{where}: file size {filesz:#x} exceeds its memory size {memsz:#x}")
        if offset + filesz > src.size:
            raise bad(f"{where}: bytes {offset:#x}..{offset + filesz:#x} are past the end of the file "
                      f"({src.size:#x} bytes)")
        for name, addr in (("virtual", vaddr), ("physical", paddr)):
            if addr + memsz > ADDRESS_SPACE:
                raise bad(f"{where}: {name} addresses {addr:#010x}+{memsz:#x} wrap past 4 GiB")
        total += memsz
        if mem_size is not None and total > mem_size:
            raise bad(f"loadable segments of {total:#x} bytes or more do not fit in the {mem_size:#x} "
                      f"bytes of RAM left for them (see --mem)")
        loads.append((offset, vaddr, paddr, filesz, memsz, flags))
    if not loads:
        raise bad("no loadable segment")
    _no_overlap(path, "virtual", [(vaddr, memsz) for _, vaddr, _, _, memsz, _ in loads])
    segments = [ElfSegment(vaddr, paddr, memsz, flags, src.read(offset, filesz))
                for offset, vaddr, paddr, filesz, memsz, flags in loads]
    return e_entry, segments


def _no_overlap(path: str, kind: str, ranges: list[tuple[int, int]]) -> None:
    ranges = sorted(ranges)
    for (a, n), (b, _) in zip(ranges, ranges[1:]):
        if a + n > b:
            raise LoadError(f"{path}: loadable segments overlap at {kind} address {b:#010x}")


def _check_fits(machine, addr: int, memsz: int, what: str) -> None:
    if not machine.mem.contains(addr, memsz):
        raise LoadError(f"{what} at {addr:#010x}..{addr + memsz:#010x} does not fit in RAM "
                        f"(0..{machine.mem.size:#x}; see --mem)")


def load_elf(machine, path: str, use_vaddr: bool = False, src: _Source | None = None) -> Image:
    if src is None:
        entry, segments = read_elf(path, machine.mem.size)
    else:
        entry, segments = _read_elf(src, machine.mem.size)
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


def _room(machine, base: int) -> int:
    """Bytes of RAM from base to its end."""
    return max(machine.mem.size - base, 0)


def load_binary(machine, path: str, base: int, src: _Source | None = None) -> Image:
    if src is None:
        with _open(path) as f:
            return load_binary(machine, path, base, _Source(path, f, _room(machine, base)))
    _check_fits(machine, base, src.size, f"{path}: image")
    data = src.read(0, src.size)
    machine.write_bytes(base, data)
    return Image(base, _page_up(base + len(data)))


def load_executable(machine, path: str, base: int | None = None, use_vaddr: bool = False) -> Image:
    """ELF files are recognised by their magic; anything else needs ``base`` (a flat binary)."""
    with _open(path) as f:
        src = _Source(path, f, MAX_STREAM_SIZE if base is None else _room(machine, base))
        magic = src.read(0, 4) if src.size >= 4 else b""
        if magic == ELF_MAGIC:
            return load_elf(machine, path, use_vaddr, src)
        if base is None:
            raise LoadError(f"{path}: not an ELF file (load a flat binary with --base ADDR)")
        return load_binary(machine, path, base, src)
