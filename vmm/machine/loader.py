"""Putting an executable into RAM: ELF (toyasm's or clang/ld.lld's) or a flat binary.

ELF: every PT_LOAD segment is copied to its physical address ``p_paddr`` (or ``p_vaddr`` with
``use_vaddr``, as a user-mode environment with translation off wants); bytes beyond the file
size stay zero (RAM is zero at reset). The entry point is ``e_entry`` translated to physical
through the segment containing it, so a kernel linked high and loaded low starts at the right
place. A flat binary is copied to ``base`` and starts there.
"""
from __future__ import annotations

from dataclasses import dataclass

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from isa.machine import PAGE_SIZE

from .errors import LoadError

ELF_MAGIC = b"\x7fELF"


@dataclass
class Image:
    entry: int          # the pc to start at
    end: int            # first page-aligned address after everything loaded


def _page_up(addr: int) -> int:
    return (addr + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)


def _place(machine, addr: int, data: bytes, memsz: int, what: str) -> None:
    if not machine.mem.contains(addr, memsz):
        raise LoadError(f"{what} at {addr:#010x}..{addr + memsz:#010x} does not fit in RAM "
                        f"(0..{machine.mem.size:#x}; see --mem)")
    machine.write_bytes(addr, data)


@dataclass
class ElfSegment:
    vaddr: int
    paddr: int
    memsz: int
    flags: int          # ELF p_flags: PF_X 1, PF_W 2, PF_R 4
    data: bytes         # the file's bytes (at most memsz)


def read_elf(path: str) -> tuple[int, list[ElfSegment]]:
    """The entry point and the non-empty PT_LOAD segments of a TOY32 (RV32 LE) ELF executable."""
    try:
        with open(path, "rb") as f:
            elf = ELFFile(f)
            if elf.elfclass != 32 or not elf.little_endian or elf["e_machine"] != "EM_RISCV":
                raise LoadError(f"{path}: not a 32-bit little-endian RISC-V ELF file")
            segments = []
            for seg in elf.iter_segments():
                if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
                    continue
                data = seg.data()
                if len(data) > seg["p_memsz"]:
                    raise LoadError(f"{path}: a segment's file size exceeds its memory size")
                segments.append(ElfSegment(seg["p_vaddr"], seg["p_paddr"], seg["p_memsz"],
                                           seg["p_flags"], data))
            if not segments:
                raise LoadError(f"{path}: no loadable segment")
            return elf["e_entry"], segments
    except OSError as e:
        raise LoadError(f"{path}: {e.strerror or e}") from None
    except (ELFError, ValueError, KeyError, AssertionError) as e:
        raise LoadError(f"{path}: malformed ELF file ({e})") from None


def load_elf(machine, path: str, use_vaddr: bool = False) -> Image:
    entry, segments = read_elf(path)
    start, end = None, 0
    for seg in segments:
        paddr = seg.vaddr if use_vaddr else seg.paddr
        _place(machine, paddr, seg.data, seg.memsz, f"{path}: segment")
        end = max(end, _page_up(paddr + seg.memsz))
        if seg.vaddr <= entry < seg.vaddr + seg.memsz:
            start = entry - seg.vaddr + paddr
    return Image(entry if start is None else start, end)


def load_binary(machine, path: str, base: int) -> Image:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise LoadError(f"{path}: {e.strerror or e}") from None
    _place(machine, base, data, len(data), f"{path}: image")
    return Image(base, _page_up(base + len(data)))


def load_executable(machine, path: str, base: int | None = None, use_vaddr: bool = False) -> Image:
    """ELF files are recognised by their magic; anything else needs ``base`` (a flat binary)."""
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as e:
        raise LoadError(f"{path}: {e.strerror or e}") from None
    if magic == ELF_MAGIC:
        return load_elf(machine, path, use_vaddr)
    if base is None:
        raise LoadError(f"{path}: not an ELF file (load a flat binary with --base ADDR)")
    return load_binary(machine, path, base)
