"""ELF32 little-endian RISC-V executables: header, PT_LOAD program headers, section headers,
a symbol table (.symtab/.strtab) and, with -g, the DWARF sections: enough for llvm-readelf,
llvm-objdump, llvm-dwarfdump and gdb."""
from __future__ import annotations

import os
import struct
from typing import TYPE_CHECKING

from isa.machine import PAGE_SIZE

if TYPE_CHECKING:   # the writer reads an Executable, which offers to_elf() through it
    from .executable import Executable

EM_RISCV = 243
ET_EXEC = 2
PT_LOAD = 1
SHT_PROGBITS, SHT_SYMTAB, SHT_STRTAB, SHT_NOBITS = 1, 2, 3, 8
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
SHN_ABS = 0xFFF1
STB_LOCAL, STB_GLOBAL = 0, 1
STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_FILE = 0, 1, 2, 4

EHDR = struct.Struct("<16sHHIIIIIHHHHHH")
PHDR = struct.Struct("<IIIIIIII")
SHDR = struct.Struct("<IIIIIIIIII")
SYM = struct.Struct("<IIIBBH")

_SECTION_FLAGS = {"text": SHF_ALLOC | SHF_EXECINSTR, "rodata": SHF_ALLOC,
                  "data": SHF_ALLOC | SHF_WRITE, "bss": SHF_ALLOC | SHF_WRITE}
_SYMBOL_TYPES = {"function": STT_FUNC, "object": STT_OBJECT, "": STT_NOTYPE}


class _Strings:
    def __init__(self):
        self.data = bytearray(b"\0")
        self.index: dict[str, int] = {"": 0}

    def add(self, s: str) -> int:
        if s not in self.index:
            self.index[s] = len(self.data)
            self.data += s.encode() + b"\0"
        return self.index[s]


def write_elf(exe: Executable) -> bytes:
    out = bytearray()
    segments = exe.segments
    header_end = EHDR.size + PHDR.size * len(segments)
    out += bytes(header_end)

    # Segment contents, each at a file offset congruent to its address modulo the page size.
    seg_offsets = []
    for seg in segments:
        offset = len(out) + (seg.vaddr - len(out)) % PAGE_SIZE
        out += bytes(offset - len(out))
        out += seg.data
        seg_offsets.append(offset)

    def file_offset(address: int) -> int:
        for seg, offset in zip(segments, seg_offsets):
            if seg.vaddr <= address <= seg.vaddr + seg.memsz:
                return offset + address - seg.vaddr
        return len(out)

    shstr = _Strings()
    headers = [SHDR.pack(*[0] * 10)]
    index: dict[str, int] = {}
    for sec in exe.sections:
        index[sec.name] = len(headers)
        headers.append(SHDR.pack(shstr.add(sec.name), SHT_NOBITS if sec.nobits else SHT_PROGBITS,
                                 _SECTION_FLAGS[sec.kind], sec.address, file_offset(sec.address),
                                 sec.size, 0, 0, sec.align, 0))

    # Symbols: per file an STT_FILE entry and its local symbols, then every global.
    strtab = _Strings()
    symtab = bytearray(SYM.size)
    by_file: dict[str, list] = {}
    for sym in exe.elf_symbols:
        if not sym.is_global:
            by_file.setdefault(sym.file, []).append(sym)

    def entry(sym, bind: int) -> bytes:
        shndx = index.get(sym.section, SHN_ABS) if sym.section else SHN_ABS
        return SYM.pack(strtab.add(sym.name), sym.value, sym.size,
                        bind << 4 | _SYMBOL_TYPES.get(sym.type, STT_NOTYPE), 0, shndx)

    for file, syms in by_file.items():
        symtab += SYM.pack(strtab.add(os.path.basename(file)), 0, 0, STB_LOCAL << 4 | STT_FILE,
                           0, SHN_ABS)
        for sym in syms:
            symtab += entry(sym, STB_LOCAL)
    first_global = len(symtab) // SYM.size
    for sym in exe.elf_symbols:
        if sym.is_global:
            symtab += entry(sym, STB_GLOBAL)

    # Sections that are not loaded (-g: DWARF), after the loaded ones
    for name, data in exe.debug_sections.items():
        headers.append(SHDR.pack(shstr.add(name), SHT_PROGBITS, 0, 0, len(out), len(data), 0, 0,
                                 1, 0))
        out += data

    symtab_index = len(headers)
    shstr.add(".symtab"), shstr.add(".strtab"), shstr.add(".shstrtab")
    tables = [(".symtab", SHT_SYMTAB, bytes(symtab), symtab_index + 1, first_global, 4, SYM.size),
              (".strtab", SHT_STRTAB, bytes(strtab.data), 0, 0, 1, 0),
              (".shstrtab", SHT_STRTAB, bytes(shstr.data), 0, 0, 1, 0)]
    for name, sh_type, data, link, info, align, entsize in tables:
        out += bytes(-len(out) % align)
        headers.append(SHDR.pack(shstr.index[name], sh_type, 0, 0, len(out), len(data), link,
                                 info, align, entsize))
        out += data

    out += bytes(-len(out) % 4)
    shoff = len(out)
    for h in headers:
        out += h

    ident = b"\x7fELF" + bytes([1, 1, 1, 0]) + bytes(8)  # 32-bit, little-endian, version 1
    out[0:EHDR.size] = EHDR.pack(ident, ET_EXEC, EM_RISCV, 1, exe.entry, EHDR.size if segments
                                 else 0, shoff, 0, EHDR.size, PHDR.size, len(segments),
                                 SHDR.size, len(headers), len(headers) - 1)
    for i, (seg, offset) in enumerate(zip(segments, seg_offsets)):
        out[EHDR.size + i * PHDR.size:EHDR.size + (i + 1) * PHDR.size] = PHDR.pack(
            PT_LOAD, offset, seg.vaddr, seg.paddr, len(seg.data), seg.memsz, seg.flags, PAGE_SIZE)
    return bytes(out)
