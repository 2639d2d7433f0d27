"""The TOY32 disassembler: instruction words back to toyasm text, and ELF files to a listing.

Instructions are decoded with ``isa.decode`` (the table the interpreter uses) and printed with
the GNU/LLVM objdump operand conventions: ABI register names, ``imm(rs1)`` memory operands,
decimal immediates, ``lui``/``auipc`` immediates in hex, fence sets as ``iorw`` letters, special
registers by name. Base instructions are printed, never pseudo-instruction aliases (``addi zero,
zero, 0``, not ``nop``), as ``llvm-objdump -M no-aliases`` does: each line is then exactly one
word's encoding, with no pseudo-instruction whose expansion the assembler could choose
differently (``li``, ``la``, ``call``), so a listing assembles back to the same bytes.

A word prints as an instruction only when that text assembles back to the very same word.
``isa.decode`` also accepts ``fence``/``fence.i`` words with nonzero reserved fields (RISC-V
says to execute them as plain fences); those, and fences with an empty iorw set, which no
assembler syntax can express, are listed as ``.word`` like any other non-instruction.

The listing of an ELF file is itself assembly source: the address and word columns are
``/* */`` comments, labels are the symbol table's, every branch/jump target gets a label
(``.L<address>`` where the symbol table has none; a target outside every section is written
``label+offset``), and a trailing comment shows the target as objdump does (``# 0x10024
<loop+0x20>``). Assembling the listing again (with the build options its header names) gives
identical bytes; llvm-mc assembles listings of RV32IM code too, as long as every branch target
lies inside a section (it rejects label+offset branch targets).
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from elftools.common.exceptions import ELFError
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from isa.disasm import (Symbols, data_word_parts, decode_exact, disassemble_word, instruction_parts,
                        label_plus, text)
from isa.instructions import PCREL
from isa.machine import DEFAULT_TEXT_BASE, PAGE_SIZE

# --- ELF listing ---------------------------------------------------------------------------

__all__ = ["DisasmError", "decode_exact", "disassemble_file", "disassemble_word"]

_PLAIN_SECTIONS = (".text", ".data", ".bss")  # have their own directive
_LISTING_MNEMONIC_WIDTH = 7  # the instruction column lines up operands like objdump


def _column(mnemonic: str, operands: str) -> str:
    return text(mnemonic, operands, _LISTING_MNEMONIC_WIDTH)



@dataclass
class _Section:
    name: str
    addr: int
    data: bytes       # empty for NOBITS
    size: int
    align: int
    executable: bool
    writable: bool
    nobits: bool
    labels: dict[int, list[str]]  # offset -> names (in symbol-table order)

    @property
    def end(self) -> int:
        return self.addr + self.size

    def contains(self, addr: int) -> bool:
        return self.addr <= addr < self.end


@dataclass
class _Program:
    entry: int
    sections: list[_Section]        # the allocated ones, by address
    is_global: dict[str, bool]      # label -> .globl
    build_options: list[str]        # the toyasm build options that reproduce the layout


class DisasmError(Exception):
    """The file cannot be disassembled (message names the file and the reason)."""


def _layout_options(sections: list[_Section], load_offset: int) -> list[str]:
    """The toyasm build options that place the sections where they are (none for the default
    layout: code and read-only data from the default text base, writable data from the next page)."""
    options = []
    code = [s for s in sections if not s.writable]
    data = [s for s in sections if s.writable]
    text_base = code[0].addr if code else DEFAULT_TEXT_BASE
    if text_base != DEFAULT_TEXT_BASE:
        options.append(f"--text-base 0x{text_base:x}")
    code_end = code[-1].end if code else text_base
    if data and data[0].addr != -(-code_end // PAGE_SIZE) * PAGE_SIZE:
        options.append(f"--data-base 0x{data[0].addr:x}")
    if load_offset:
        options.append(f"--phys-base 0x{(text_base + load_offset) & 0xFFFFFFFF:x}")
    return options


def _read_elf(path: str, f) -> _Program:
    size = os.fstat(f.fileno()).st_size
    try:
        elf = ELFFile(f)
        if elf.elfclass != 32 or not elf.little_endian or elf.header["e_machine"] != "EM_RISCV":
            raise DisasmError(f"{path}: not a 32-bit little-endian RISC-V ELF file")
        by_index: dict[int, _Section] = {}
        for index, sec in enumerate(elf.iter_sections()):
            if not sec["sh_flags"] & SH_FLAGS.SHF_ALLOC or sec["sh_size"] == 0:
                continue
            nobits = sec["sh_type"] == "SHT_NOBITS"
            if not nobits and sec["sh_offset"] + sec["sh_size"] > size:
                raise DisasmError(f"{path}: section {sec.name} extends past the end of the file")
            by_index[index] = _Section(
                sec.name, sec["sh_addr"], b"" if nobits else sec.data(), sec["sh_size"],
                sec["sh_addralign"], bool(sec["sh_flags"] & SH_FLAGS.SHF_EXECINSTR),
                bool(sec["sh_flags"] & SH_FLAGS.SHF_WRITE), nobits, {})
        is_global: dict[str, bool] = {}
        symtab = elf.get_section_by_name(".symtab")
        for sym in symtab.iter_symbols() if isinstance(symtab, SymbolTableSection) else ():
            sec = by_index.get(sym["st_shndx"]) if isinstance(sym["st_shndx"], int) else None
            if (sec is None or not sym.name
                    or sym["st_info"]["type"] not in ("STT_NOTYPE", "STT_FUNC", "STT_OBJECT")
                    or not sec.addr <= sym["st_value"] <= sec.end):
                continue
            name = sym.name
            if name in is_global:  # two files' local labels of one name: keep both, distinctly
                name = f"{name}.{sym['st_value']:x}"
            is_global[name] = sym["st_info"]["bind"] != "STB_LOCAL"
            sec.labels.setdefault(sym["st_value"] - sec.addr, []).append(name)
        sections = sorted(by_index.values(), key=lambda s: s.addr)
        loads = [seg for seg in elf.iter_segments() if seg["p_type"] == "PT_LOAD"]
        load_offset = loads[0]["p_paddr"] - loads[0]["p_vaddr"] if loads else 0
        return _Program(elf.header["e_entry"], sections, is_global, _layout_options(sections, load_offset))
    except ELFError as e:
        raise DisasmError(f"{path}: malformed ELF file: {e}") from None


def _read_image(data: bytes, base: int) -> _Program:
    """A flat binary image (``toyasm build --format bin``) as one code section at ``base``."""
    return _Program(base, [_Section(".text", base, data, len(data), 1, True, False, False, {})], {},
                    ["--format bin", f"--base 0x{base:x}"])


def _words(sec: _Section):
    """(offset, word) of each word-aligned instruction slot of an executable section."""
    for off in range(-sec.addr % 4, len(sec.data) - 3, 4):
        yield off, int.from_bytes(sec.data[off:off + 4], "little")


def _label_targets(sections: list[_Section]) -> None:
    """Give every branch/jump target inside a section a label of its own (``.L<address>``
    where the symbol table has none), so the listing names targets as labels. A target outside
    every section is written label+offset, which needs some label to exist."""
    for sec in sections:
        if not sec.executable:
            continue
        for off, word in _words(sec):
            d = decode_exact(word)
            if d is None or not any(op.kind == PCREL for op in d.instr.operands):
                continue
            target = (sec.addr + off + d.imm) & 0xFFFFFFFF
            home = next((s for s in sections if s.contains(target)), None)
            if home is not None:
                home.labels.setdefault(target - home.addr, [f".L{target:x}"])
            elif not any(s.labels for s in sections):
                sec.labels[0] = [f".L{sec.addr:x}"]


def _comment(addr: int, body: str = "") -> str:
    return f"/* {addr:08x}: {body:<8} */"


def _data_lines(sec: _Section, start: int, stop: int) -> list[str]:
    """Raw bytes [start, stop) of a section as .word/.byte/.zero lines."""
    lines = []
    if sec.nobits:
        return [f"{_comment(sec.addr + start)}    {_column('.zero', str(stop - start))}"]
    off = start
    while off < stop:
        addr = sec.addr + off
        aligned = addr % 4 == 0 and off + 4 <= stop
        n = 4 if aligned else min(stop - off, 4 - addr % 4)
        chunk = sec.data[off:off + n]
        if aligned:
            text = _column(*data_word_parts(int.from_bytes(chunk, "little")))
            body = chunk[::-1].hex()
        else:
            text = _column(".byte", ", ".join(f"0x{b:02x}" for b in chunk))
            body = chunk.hex(" ")
        lines.append(f"{_comment(addr, body)}    {text}")
        off += n
    return lines


def _code_lines(sec: _Section, start: int, stop: int, labels: Symbols, symbols: Symbols) -> list[str]:
    """Instructions at word-aligned addresses in [start, stop), other bytes as data. Branch
    targets name their label (``labels``, one per target), and a comment gives the absolute
    address and objdump's ``<symbol+offset>`` (from the ELF's ``symbols``)."""
    lines = []
    off = start
    while off < stop:
        pc = sec.addr + off
        if pc % 4 or off + 4 > stop:  # bytes up to the next word boundary or label
            head = min(stop, off + 4 - pc % 4)
            lines += _data_lines(sec, off, head)
            off = head
            continue
        word = int.from_bytes(sec.data[off:off + 4], "little")
        d = decode_exact(word)
        notes: list[str] = []

        def target(addr: int) -> str:
            near = symbols.at_or_before(addr)
            notes.append(f"    # 0x{addr:x}" + (f" <{label_plus(near[0], addr - near[1])}>" if near else ""))
            name, at = labels.at_or_before(addr) or (labels.names[0], labels.addrs[0])
            return label_plus(name, addr - at)

        text = _column(*(data_word_parts(word) if d is None else instruction_parts(d, pc, target)))
        lines.append(f"{_comment(pc, f'{word:08x}')}    {text}{''.join(notes)}")
        off += 4
    return lines


def disassemble_file(path: str, base: int | None = None) -> str:
    """An objdump-like listing of the ELF executable at ``path`` that is also toyasm source:
    assembling it (``toyasm build``) gives the same section bytes at the same addresses.
    With ``base``, the file is a flat binary image loaded at that address instead.
    Raises DisasmError for an unreadable file or one that is not a RISC-V ELF32 executable."""
    try:
        with open(path, "rb") as f:
            if base is not None:
                program = _read_image(f.read(), base)
            elif f.read(4) != b"\x7fELF":
                raise DisasmError(f"{path}: not an ELF file (for a flat binary image, give its base address)")
            else:
                f.seek(0)
                program = _read_elf(path, f)
    except OSError as e:
        raise DisasmError(f"{path}: {e.strerror}") from None
    sections, is_global = program.sections, program.is_global
    symbols = Symbols({name: sec.addr + off for sec in sections
                        for off, names in sec.labels.items() for name in names})
    _label_targets(sections)
    labels = Symbols({names[0]: sec.addr + off for sec in sections for off, names in sec.labels.items()})
    out = [f"# {path}: TOY32 executable, entry 0x{program.entry:08x}",
           "# Each line: /* address: word */ instruction. Assembling this listing gives the same bytes:",
           f"#   toyasm build {' '.join(program.build_options + ['LISTING.s'])}"]
    for sec in sections:
        kind = "code" if sec.executable else "bss" if sec.nobits else "data"
        out += ["", f"# section {sec.name}: 0x{sec.addr:08x}..0x{sec.end:08x}, {sec.size} bytes, {kind}",
                f"\t{sec.name}" if sec.name in _PLAIN_SECTIONS else f"\t.section {sec.name}"]
        if sec.align > 1:
            out.append(f"\t.p2align {sec.align.bit_length() - 1}")
        cuts = sorted(set(sec.labels) | {0, sec.size})
        for start, stop in zip(cuts, cuts[1:] + [None]):
            for name in sec.labels.get(start, ()):
                if is_global.get(name):
                    out.append(f"\t.globl {name}")
                out.append(f"{_comment(sec.addr + start)} {name}:")
            if stop is None:
                break
            out += (_code_lines(sec, start, stop, labels, symbols) if sec.executable
                    else _data_lines(sec, start, stop))
    return "\n".join(out) + "\n"
