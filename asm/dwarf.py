"""DWARF debugging information for ``toyasm build -g``: where each instruction came from.

What GNU as and llvm-mc emit for an assembly file with ``-g``, written directly with the final
addresses (toyasm links, so nothing is left to relocate). Per source file given on the command
line (one compile unit, as each would be one object file):

- ``.debug_line`` (version 4): a row where the line changes (as GNU as writes it: a line of
  several instructions, or a macro call, is one row), with its address, file and line. An
  instruction of a macro expansion is at the line that calls the macro (the outermost call in
  a file), as GNU as places it; one of an ``.irp`` body, or of a file ``.include`` brings in, is
  at its own line in the file it is written in (so an included file is a file of the table).
  Data (``.word``...) and alignment padding have no rows. Each input section with code is one
  sequence, ended at the end of the section.
- ``.debug_info``/``.debug_abbrev`` (version 4): the compile unit gdb needs to take the line
  table: its line-table offset, address range, name, directory, producer, language (assembler).
- ``.debug_aranges`` (version 2): the address ranges of each compile unit, as GNU as writes.

A debugger (gdb, or toyvm's own stub, vmm/debug/) then resolves ``break file.s:LINE``,
``info line``, ``list`` and steps by source line.
"""
from __future__ import annotations

import os
import struct

from .objfile import NOALLOC

DW_TAG_compile_unit = 0x11
DW_AT_name, DW_AT_stmt_list, DW_AT_low_pc, DW_AT_high_pc = 0x03, 0x10, 0x11, 0x12
DW_AT_language, DW_AT_comp_dir, DW_AT_producer = 0x13, 0x1B, 0x25
DW_FORM_addr, DW_FORM_data2, DW_FORM_string, DW_FORM_sec_offset = 0x01, 0x05, 0x08, 0x17
DW_LANG_Mips_Assembler = 0x8001
DW_LNS_copy, DW_LNS_advance_pc, DW_LNS_advance_line, DW_LNS_set_file = 1, 2, 3, 4
DW_LNE_end_sequence, DW_LNE_set_address = 1, 2
LINE_BASE, LINE_RANGE, OPCODE_BASE = -5, 14, 13
STANDARD_OPCODE_LENGTHS = bytes([0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1])
PRODUCER = "toyasm"

_ABBREV_CU = 1
ABBREV = bytes([_ABBREV_CU, DW_TAG_compile_unit, 0,       # code, tag, no children
                DW_AT_stmt_list, DW_FORM_sec_offset, DW_AT_low_pc, DW_FORM_addr,
                DW_AT_high_pc, DW_FORM_addr, DW_AT_name, DW_FORM_string,
                DW_AT_comp_dir, DW_FORM_string, DW_AT_producer, DW_FORM_string,
                DW_AT_language, DW_FORM_data2, 0, 0, 0])


def uleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def sleb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def use_site(stmt) -> tuple[str, int]:
    """(file name, line) an instruction of ``stmt`` is reported at: a macro expansion at its
    call, an .irp body at its line (the loop is as long as the nesting of expansions)."""
    source, line = stmt.source, stmt.line
    while source.origin is not None:
        origin = source.origin
        if origin.macro.startswith("."):     # .irp/.irpc: the line of the body it repeats
            source, line = origin.def_source, origin.def_line + line
        else:
            source, line = origin.call.source, origin.call.line
    return source.written_at(line)


def debug_sections(objects, comp_dir: str | None = None) -> dict[str, bytes]:
    """The DWARF sections of linked ``objects`` (each with ``line_rows``: (section, offset,
    statement) per instruction, and its sections' final addresses)."""
    comp_dir = os.getcwd() if comp_dir is None else comp_dir
    line, info, aranges = bytearray(), bytearray(), bytearray()
    for obj in objects:
        sequences = _sequences(obj)
        if not sequences:
            continue
        files: dict[str, int] = {}
        program = bytearray()
        for start, end, rows in sequences:
            program += _sequence(rows, end, files)
        ranges = [(start, end - start) for start, end, _ in sequences]
        low = min(start for start, _, _ in sequences)
        high = max(end for _, end, _ in sequences)
        info_offset = len(info)
        info += _compile_unit(len(line), low, high, obj.name, comp_dir)
        line += _line_unit(files, program)
        aranges += _aranges_unit(info_offset, ranges)
    if not info:
        return {}
    return {".debug_info": bytes(info), ".debug_abbrev": ABBREV, ".debug_line": bytes(line),
            ".debug_aranges": bytes(aranges)}


def _sequences(obj) -> list[tuple[int, int, list]]:
    """(start, end, [(address, file, line)...]) per section with instructions, by address."""
    by_section: dict[int, tuple] = {}
    for sec, offset, stmt in obj.line_rows or ():
        if sec.kind == NOALLOC:
            continue
        entry = by_section.get(id(sec))
        if entry is None:
            entry = by_section[id(sec)] = (sec, [])
        entry[1].append((sec.address + offset, *use_site(stmt)))
    out = []
    for sec, rows in by_section.values():
        rows.sort(key=lambda row: row[0])
        out.append((sec.address, sec.address + len(sec.data), rows))
    out.sort(key=lambda seq: seq[0])
    return out


def _sequence(rows: list, end: int, files: dict[str, int]) -> bytes:
    """The line-number program of one sequence (the state machine starts at file 1, line 1)."""
    out = bytearray([0, 5, DW_LNE_set_address]) + struct.pack("<I", rows[0][0])
    address, file, line = rows[0][0], 1, 1
    first = True
    for row_address, name, row_line in rows:
        index = files.setdefault(name, len(files) + 1)
        if not first and index == file and row_line == line:
            continue      # the same line goes on
        first = False
        if index != file:
            out += bytes([DW_LNS_set_file]) + uleb(index)
            file = index
        if row_line != line:
            out += bytes([DW_LNS_advance_line]) + sleb(row_line - line)
            line = row_line
        if row_address != address:
            out += bytes([DW_LNS_advance_pc]) + uleb(row_address - address)
            address = row_address
        out.append(DW_LNS_copy)
    if end != address:
        out += bytes([DW_LNS_advance_pc]) + uleb(end - address)
    out += bytes([0, 1, DW_LNE_end_sequence])
    return bytes(out)


def _line_unit(files: dict[str, int], program: bytes) -> bytes:
    """A version 4 line table: the header (no include directories: names are as given,
    relative to the compile unit's directory), then the program."""
    names = b"".join(name.encode() + b"\0" + uleb(0) + uleb(0) + uleb(0)
                     for name, _ in sorted(files.items(), key=lambda item: item[1]))
    header = bytes([1, 1, 1, LINE_BASE & 0xFF, LINE_RANGE, OPCODE_BASE]) + \
        STANDARD_OPCODE_LENGTHS + b"\0" + names + b"\0"
    body = struct.pack("<HI", 4, len(header)) + header + program
    return struct.pack("<I", len(body)) + body


def _compile_unit(stmt_list: int, low: int, high: int, name: str, comp_dir: str) -> bytes:
    die = uleb(_ABBREV_CU) + struct.pack("<III", stmt_list, low, high) + \
        name.encode() + b"\0" + comp_dir.encode() + b"\0" + PRODUCER.encode() + b"\0" + \
        struct.pack("<H", DW_LANG_Mips_Assembler)
    body = struct.pack("<HIB", 4, 0, 4) + die      # version, abbreviations at 0, address size
    return struct.pack("<I", len(body)) + body


def _aranges_unit(info_offset: int, ranges: list[tuple[int, int]]) -> bytes:
    # the tuples start at a multiple of twice the address size: 12 bytes of header, 4 of padding
    body = struct.pack("<HIBB", 2, info_offset, 4, 0) + bytes(4)
    body += b"".join(struct.pack("<II", start, length) for start, length in ranges)
    body += struct.pack("<II", 0, 0)
    return struct.pack("<I", len(body)) + body
