"""A linked TOY32 program: loadable segments, output sections, symbols and the entry point,
written out as an ELF32 executable or a flat binary image."""
from __future__ import annotations

from dataclasses import dataclass, field

from .elf import write_elf
from .limits import MAX_IMAGE_SIZE

# Segment permission bits, as in ELF's p_flags.
PF_X, PF_W, PF_R = 1, 2, 4


@dataclass
class Segment:
    vaddr: int
    paddr: int
    data: bytes          # the file-backed bytes
    memsz: int           # >= len(data); the rest is zero (bss)
    flags: int           # PF_R | PF_W | PF_X

    @property
    def filesz(self) -> int:
        return len(self.data)


@dataclass
class OutputSection:
    name: str            # .text .rodata .data .bss
    kind: str
    address: int
    data: bytes          # empty for .bss
    size: int
    align: int

    @property
    def nobits(self) -> bool:
        return self.kind == "bss"


@dataclass
class ElfSymbol:
    name: str
    value: int
    size: int
    is_global: bool
    type: str            # "function", "object" or ""
    section: str | None  # output section name; None for an absolute symbol
    file: str


@dataclass
class Executable:
    entry: int
    segments: list[Segment]
    sections: list[OutputSection]
    symbols: dict[str, int]          # every named symbol -> address (or value)
    elf_symbols: list[ElfSymbol]
    text_base: int
    phys_base: int
    warnings: list = field(default_factory=list)
    listing: str = ""                # filled when a listing was asked for
    debug_sections: dict = field(default_factory=dict)   # name -> bytes (-g: DWARF)

    def section(self, name: str) -> OutputSection | None:
        for sec in self.sections:
            if sec.name == name:
                return sec
        return None

    @property
    def text(self) -> bytes:
        sec = self.section(".text")
        return sec.data if sec else b""

    @property
    def text_address(self) -> int:
        sec = self.section(".text")
        return sec.address if sec else self.text_base

    def to_elf(self) -> bytes:
        return write_elf(self)

    def to_bin(self, base: int | None = None) -> bytes:
        """Every loaded byte, from physical address ``base`` (default: the lowest segment) to
        the end of the last file-backed byte; gaps are zero, bss is left out (RAM is zero).
        ValueError when that is more than MAX_IMAGE_SIZE bytes (segments far apart)."""
        segs = [s for s in self.segments if s.data]
        if not segs:
            return b""
        if base is None:
            base = min(s.paddr for s in segs)
        end = max(s.paddr + len(s.data) for s in segs)
        if any(s.paddr < base for s in segs):
            raise ValueError(f"a segment starts at {min(s.paddr for s in segs):#x}, "
                             f"below the image base {base:#x}")
        if end - base > MAX_IMAGE_SIZE:
            raise ValueError(f"a flat image from {base:#x} to {end:#x} would be {end - base} "
                             f"bytes, more than {MAX_IMAGE_SIZE >> 20} MiB (the segments are "
                             f"far apart: use --format elf, or move --data-base)")
        image = bytearray(end - base)
        for s in segs:
            image[s.paddr - base:s.paddr - base + len(s.data)] = s.data
        return bytes(image)
