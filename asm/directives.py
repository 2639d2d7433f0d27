"""Assembler directives (GNU as names). Each handler takes the assembler and the statement."""
from __future__ import annotations

import os
import re

from isa.machine import REGISTERS

from .encoding import encode
from .errors import AsmError, Source
from .expr import Str, TypeName
from .limits import MAX_ALIGNMENT
from .objfile import TEXT
from .options import HANDLERS as OPTIONS
from .positions import operand_texts, position

NOP_BYTES = encode("addi").to_bytes(4, "little")  # addi x0, x0, 0


def _err(message: str, at=None):
    return AsmError(message, at)


def _arity(stmt, lo: int, hi: int, form: str) -> None:
    n = len(stmt.ops)
    if not lo <= n <= hi:
        raise _err(f"'{stmt.name}' takes {form}", hi if n > hi else None)


def _name(op, i: int) -> str:
    if isinstance(op, str):
        return op
    if isinstance(op, Str):
        return op.tok[1:-1]
    raise _err("expected a name", i)


def _symbol_name(op, i: int) -> str:
    if not isinstance(op, str) or op == ".":
        raise _err("expected a symbol name", i)
    if op in REGISTERS:
        raise _err(f"'{op}' is a register, not a symbol", i)
    return op


def _string(op, i: int) -> bytes:
    if not isinstance(op, Str):
        raise _err("expected a string", i)
    from .statements import unescape
    return unescape(op.tok[1:-1])


# --- sections ----------------------------------------------------------------------------------
def _fixed_section(name: str):
    def handler(asm, stmt):
        _arity(stmt, 0, 1, "no operand")
        if stmt.ops and asm.constant(stmt.ops[0], stmt, 0, "the subsection") != 0:
            raise _err("subsections are not supported (only 0)", 0)
        asm._switch(name, None, False)
    return handler


_SECTION_FLAGS = frozenset("aewxMSGTRo?")   # ELF section flags llvm-mc knows
_SECTION_TYPES = frozenset(("progbits", "nobits", "note", "init_array", "fini_array",
                            "preinit_array", "unwind"))


def _section_args(asm, stmt):
    """.section name[, "flags"[, @type[, entsize][, group[, comdat]][, symbol][, unique, N]]]
    (.pushsection may give a subsection instead of the flags: 0 only). Checked as llvm-mc
    checks it; toyasm uses the name, the flags and whether the type is @nobits."""
    if not stmt.ops:
        raise _err(f"'{stmt.name}' takes a section name")
    # The name as written: section names may contain '-' (.note.GNU-stack)
    name = operand_texts(stmt)[0]
    if len(name) >= 2 and name[0] == name[-1] == '"':
        name = name[1:-1]
    elif not re.fullmatch(r"[A-Za-z0-9_.$-]+", name):
        raise _err("expected a section name", 0)
    ops = stmt.ops
    if len(ops) == 1:
        return name, None, False
    if stmt.name == ".pushsection" and not isinstance(ops[1], Str):
        _arity(stmt, 2, 2, "a section name and a subsection")
        if asm.constant(ops[1], stmt, 1, "the subsection") != 0:
            raise _err("subsections are not supported (only 0)", 1)
        return name, None, False
    if not isinstance(ops[1], Str):
        raise _err("expected a string of section flags (\"awx\")", 1)
    flags = ops[1].tok[1:-1]
    unknown = [c for c in flags if c not in _SECTION_FLAGS]
    if unknown:
        raise _err(f"unknown section flag '{unknown[0]}'", 1)
    if len(ops) == 2:
        return name, flags, False
    kind = ops[2]
    if not (isinstance(kind, Str) or isinstance(kind, TypeName) and kind.tok[0] != "%"):
        raise _err("expected '@<type>' or \"<type>\"", 2)
    kind = kind.tok.strip('"').lstrip("@").lower()
    if kind not in _SECTION_TYPES:
        raise _err(f"unknown section type '{kind}'", 2)
    _section_extras(asm, stmt, flags)
    return name, flags, kind == "nobits"


def _section_extras(asm, stmt, flags: str) -> None:
    """What follows the type: the entry size for "M", the group (and comdat) for "G", the
    linked symbol for "o", then ``unique, N``."""
    ops, i = stmt.ops, 3
    if "M" in flags:
        if i >= len(ops):
            raise _err("expected the entry size", len(ops))
        asm.constant(ops[i], stmt, i, "the entry size")
        i += 1
    if "G" in flags:
        if i >= len(ops):
            raise _err("expected a group name", len(ops))
        _symbol_name(ops[i], i)
        i += 1 + (i + 1 < len(ops) and ops[i + 1] == "comdat")
    if "o" in flags:
        if i >= len(ops):
            raise _err("expected a symbol", len(ops))
        _symbol_name(ops[i], i)
        i += 1
    if i < len(ops):
        if ops[i] != "unique" or i + 2 != len(ops):
            raise _err("expected 'unique' or end of statement", i)
        asm.constant(ops[i + 1], stmt, i + 1, "the unique id")


def _section(asm, stmt):
    asm._switch(*_section_args(asm, stmt))


def _pushsection(asm, stmt):
    asm.section_stack.append(asm.section)
    asm._switch(*_section_args(asm, stmt))


def _popsection(asm, stmt):
    if not asm.section_stack:
        raise _err("'.popsection' without '.pushsection'")
    sec = asm.section_stack.pop()
    asm.previous, asm.section = asm.section, sec


def _previous(asm, stmt):
    _arity(stmt, 0, 0, "no operands")
    if asm.previous is None:
        raise _err(".previous without corresponding .section")
    asm.previous, asm.section = asm.section, asm.previous


# --- symbols -----------------------------------------------------------------------------------
def _binding(is_global: bool):
    def handler(asm, stmt):
        if not stmt.ops:
            raise _err(f"'{stmt.name}' takes symbol names")
        for i, op in enumerate(stmt.ops):
            asm.obj.symbol(_symbol_name(op, i)).is_global = is_global
    return handler


def _equ(redefine: bool):
    def handler(asm, stmt):
        _arity(stmt, 2, 2, "a symbol and a value: .equ name, expression")
        asm._assign(_symbol_name(stmt.ops[0], 0), stmt.ops[1], stmt, redefine)
    return handler


# .type names llvm-mc knows -> what the symbol table records (functions and objects only)
_SYMBOL_TYPES = {"function": "function", "stt_func": "function", "object": "object",
                 "stt_object": "object", "notype": "", "stt_notype": "", "tls_object": "",
                 "stt_tls": "", "common": "", "stt_common": "", "gnu_indirect_function": "",
                 "stt_gnu_ifunc": "", "gnu_unique_object": "", "stt_gnu_unique_object": ""}


def _type(asm, stmt):
    _arity(stmt, 2, 2, "a symbol and a type: .type name, @function")
    kind = stmt.ops[1]
    if isinstance(kind, (TypeName, Str)):
        text = kind.tok.strip('"').lstrip("@%")
    elif isinstance(kind, str):
        text = kind
    else:
        raise _err("expected a type: @function, @object, ...", 1)
    sym = asm.obj.symbol(_symbol_name(stmt.ops[0], 0))
    if text.lower() not in _SYMBOL_TYPES or (text[:4].lower() == "stt_" and not text.isupper()):
        raise _err("unsupported attribute in '.type' directive", 1)
    sym.type = _SYMBOL_TYPES[text.lower()]


def _size(asm, stmt):
    _arity(stmt, 2, 2, "a symbol and a size: .size name, expression")
    sym = asm.obj.symbol(_symbol_name(stmt.ops[0], 0))
    value, expr = asm.directive_value(stmt.ops[1], stmt, 1)
    sym.size = (value if value is not None else expr, asm.section.offset, asm.section)


def _common(is_global: bool):
    """.comm / .lcomm name, size[, align]: space for ``name`` in .bss."""
    def handler(asm, stmt):
        _arity(stmt, 2, 3, "a symbol, a size and an optional alignment")
        name = _symbol_name(stmt.ops[0], 0)
        size = asm.constant(stmt.ops[1], stmt, 1, "the size")
        if size < 0:
            raise _err("size must be non-negative", 1)
        align = asm.constant(stmt.ops[2], stmt, 2, "the alignment") if len(stmt.ops) > 2 else 1
        saved = asm.section, asm.previous
        asm._switch(".bss", None, True)
        try:
            _align_to(asm, align, None, None, 2)
            asm.reserve(size, 1)
            asm._define_label(name, stmt)
            asm.section.size += size
        finally:
            asm.section, asm.previous = saved
        asm.obj.symbols[name].is_global = is_global
    return handler


# --- data --------------------------------------------------------------------------------------
def _data(size: int):
    def handler(asm, stmt):
        for i, op in enumerate(stmt.ops):
            asm.emit_value(op, size, stmt, i)
    return handler


def _ascii(terminate: bool):
    def handler(asm, stmt):
        if not stmt.ops:
            raise _err(f"'{stmt.name}' takes one or more strings")
        for i, op in enumerate(stmt.ops):
            asm.emit_bytes(_string(op, i) + (b"\0" if terminate else b""), stmt)
    return handler


def _space(asm, stmt):
    _arity(stmt, 1, 2, "a size and an optional fill byte")
    size = asm.constant(stmt.ops[0], stmt, 0, "the size")
    fill = asm.constant(stmt.ops[1], stmt, 1, "the fill value") if len(stmt.ops) > 1 else 0
    asm.emit_fill(fill, size, 0)


def _fill(asm, stmt):
    _arity(stmt, 1, 3, "a repeat count, an optional size and an optional value")
    ops = stmt.ops
    repeat = asm.constant(ops[0], stmt, 0, "the repeat count")
    size = asm.constant(ops[1], stmt, 1, "the size") if len(ops) > 1 and ops[1] is not None else 1
    value = asm.constant(ops[2], stmt, 2, "the value") if len(ops) > 2 else 0
    if not 0 <= size <= 8:
        raise _err("the size must be between 0 and 8", 1)
    asm.reserve(repeat * size, 0)
    # As GNU as: the value is at most 4 bytes wide; a bigger size is padded with zeros.
    item = (value & ((1 << 8 * min(size, 4)) - 1)).to_bytes(size, "little")
    asm.emit_bytes(item * repeat, stmt)


def _incbin(asm, stmt):
    """.incbin "file"[, skip[, count]]: only the bytes used are read (after checking that
    they fit), however big the file."""
    _arity(stmt, 1, 3, "a file name, an optional skip and an optional count")
    path = _find_file(asm, stmt, _string(stmt.ops[0], 0).decode())
    ops = stmt.ops
    skip = asm.constant(ops[1], stmt, 1, "the skip") if len(ops) > 1 and ops[1] is not None else 0
    if skip < 0:
        raise _err("skip is negative", 1)
    count = asm.constant(ops[2], stmt, 2, "the count") if len(ops) > 2 else None
    if count is not None and count < 0:
        asm.warning("negative count has no effect", position(stmt, 2))
        count = None
    try:
        with open(path, "rb") as f:
            available = max(0, os.fstat(f.fileno()).st_size - skip)
            size = available if count is None else min(count, available)
            asm.reserve(size, 0)
            f.seek(skip)
            data = f.read(size)
    except OSError as e:
        raise _err(f"cannot read '{path}': {e.strerror}", 0) from None
    asm.emit_bytes(data, stmt)


# --- alignment ---------------------------------------------------------------------------------
MAX_ALIGNMENT_EXPONENT = MAX_ALIGNMENT.bit_length() - 1


def _align_to(asm, align: int, fill: int | None, max_skip: int | None, at=0) -> None:
    """Pad to a multiple of ``align``; ``at``: the operand that gave the alignment."""
    if align <= 0 or align & (align - 1):
        raise _err(f"alignment must be a power of 2, not {align}", at)
    if align > MAX_ALIGNMENT:
        raise _err(f"alignment must be at most {MAX_ALIGNMENT}, not {align}", at)
    sec = asm.section
    sec.align = max(sec.align, align)
    pad = -sec.offset % align
    if pad == 0 or (max_skip is not None and pad > max_skip):
        return
    if fill is None and sec.kind == TEXT:
        # Code is padded with nops (and zero bytes up to the first 4-byte boundary).
        zeros = -sec.offset % 4
        asm.emit_bytes(bytes(zeros) + NOP_BYTES * ((pad - zeros) // 4), None)
    else:
        asm.emit_fill(fill or 0, pad, at)


def _align(power_of_two: bool):
    def handler(asm, stmt):
        _arity(stmt, 1, 3, "an alignment, an optional fill and an optional maximum skip")
        ops = stmt.ops
        n = asm.constant(ops[0], stmt, 0, "the alignment")
        if power_of_two:
            if not 0 <= n <= MAX_ALIGNMENT_EXPONENT:
                raise _err(f"alignment exponent must be in [0, {MAX_ALIGNMENT_EXPONENT}], "
                           f"not {n}", 0)
            n = 1 << n
        fill = asm.constant(ops[1], stmt, 1, "the fill") if len(ops) > 1 and ops[1] is not None \
            else None
        max_skip = asm.constant(ops[2], stmt, 2, "the maximum") if len(ops) > 2 else None
        _align_to(asm, n, fill, max_skip)
    return handler


def _org(asm, stmt):
    _arity(stmt, 1, 2, "an offset and an optional fill byte")
    asm.ctx.pc, asm.ctx.section = asm.section.offset, asm.section
    value, expr = asm.directive_value(stmt.ops[0], stmt, 0)
    if value is None:
        from .expr import NotYet, evaluate
        try:
            value, section = evaluate(expr, asm.ctx)
        except NotYet:
            section = "?"
        if section is not asm.section:
            raise _err("'.org' needs an offset in the current section known at this point", 0)
    fill = asm.constant(stmt.ops[1], stmt, 1, "the fill") if len(stmt.ops) > 1 else 0
    if value < asm.section.offset:
        raise _err("'.org' cannot move the location counter backwards", 0)
    asm.emit_fill(fill, value - asm.section.offset, 0)


# --- files and blocks --------------------------------------------------------------------------
def _find_file(asm, stmt, name: str) -> str:
    source = stmt.source
    while source.origin is not None:
        source = source.origin.def_source
    candidates = [os.path.join(os.path.dirname(source.name), name)]
    candidates += [os.path.join(d, name) for d in asm.include_dirs]
    for path in candidates:
        if os.path.isfile(path):
            return path
    raise _err(f"cannot find file '{name}'", 0)


def _include(asm, stmt):
    """.include "file". Its first inclusion is input, like a file of the command line; each
    later one is charged to the budget like a macro expansion (and read only as far as the
    budget goes, so a huge file costs no more than that)."""
    _arity(stmt, 1, 1, "a file name in quotes")
    path = os.path.normpath(_find_file(asm, stmt, _string(stmt.ops[0], 0).decode()))
    again = path in asm.included
    asm.included.add(path)
    try:
        # newline="": only LF and CRLF end a line (see api.assemble_files)
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            text = f.read(asm.budget.text_left() + 1) if again else f.read()
    except OSError as e:
        raise _err(f"cannot read '{path}': {e.strerror}", 0) from None
    if again:
        asm.budget.spend_text(len(text), 0)
    source = Source(path, text)
    asm.obj.sources.append(source)
    with asm.nested(f"'.include' of '{path}'"):
        asm._run_source(source, again=again)


def _unmatched(opener: str):
    def handler(asm, stmt):
        raise _err(f"'{stmt.name}' without a matching '{opener}'")
    return handler


# --- directives for other tools: checked as llvm-mc checks them, then ignored ------------------
def _one_string(asm, stmt):
    """.ident "text" / .file "name" (the DWARF 5 form of .file is not supported)."""
    _arity(stmt, 1, 1, "one string")
    _string(stmt.ops[0], 0)


def _symbols(asm, stmt):
    """.hidden, .protected, .internal, .addrsig_sym: symbol names (visibility, which a
    static executable does not need)."""
    if stmt.name == ".addrsig_sym":
        _arity(stmt, 1, 1, "a symbol name")
    for i, op in enumerate(stmt.ops):
        _symbol_name(op, i)


def _no_operands(asm, stmt):
    _arity(stmt, 0, 0, "no operands")


def _loc(asm, stmt):
    # .loc refers to a '.file N "name"' (DWARF 5), which toyasm does not take
    raise _err("unassigned file number in '.loc' directive", 0 if stmt.ops else None)


# --- call-frame information --------------------------------------------------------------------
# Only debuggers read it, so nothing is assembled; the operands and the pairing of
# .cfi_startproc/.cfi_endproc are checked as llvm-mc checks them.
_CFI_OPERANDS = {   # directive -> its operands: a register, an absolute expression
    ".cfi_def_cfa": ("reg", "expr"),
    ".cfi_def_cfa_offset": ("expr",),
    ".cfi_adjust_cfa_offset": ("expr",),
    ".cfi_def_cfa_register": ("reg",),
    ".cfi_offset": ("reg", "expr"),
    ".cfi_rel_offset": ("reg", "expr"),
    ".cfi_restore": ("reg",),
    ".cfi_undefined": ("reg",),
    ".cfi_same_value": ("reg",),
    ".cfi_return_column": ("reg",),
    ".cfi_register": ("reg", "reg"),
    ".cfi_remember_state": (),
    ".cfi_restore_state": (),
    ".cfi_signal_frame": (),
    ".cfi_window_save": (),
}
_CFI_FORMS = {(): "no operands", ("reg",): "a register", ("expr",): "an expression",
              ("reg", "expr"): "a register and an expression", ("reg", "reg"): "two registers"}
_DW_EH_PE_OMIT = 0xFF
_DW_EH_PE_FORMATS = frozenset((0x0, 0x2, 0x3, 0x4, 0x8, 0xA, 0xB, 0xC))
_DW_EH_PE_APPLICATIONS = frozenset((0x00, 0x10))   # absolute, pc-relative


def _cfi_register(op, i: int) -> None:
    """A register operand: a name, or a DWARF register number."""
    if type(op) is int and op >= 0 or isinstance(op, str) and op in REGISTERS:
        return
    raise _err("invalid register name", i)


def _cfi_in_frame(asm, stmt) -> None:
    if asm.cfi_frame is None:
        raise _err("this directive must appear between .cfi_startproc and .cfi_endproc "
                   "directives")


def _cfi(asm, stmt):
    """.cfi_offset ra, -4 and the others of _CFI_OPERANDS."""
    kinds = _CFI_OPERANDS[stmt.name]
    _arity(stmt, len(kinds), len(kinds), _CFI_FORMS[kinds])
    for i, (kind, op) in enumerate(zip(kinds, stmt.ops)):
        if kind == "reg":
            _cfi_register(op, i)
        else:
            asm.constant(op, stmt, i, "the operand")
    _cfi_in_frame(asm, stmt)


def _cfi_escape(asm, stmt):
    if not stmt.ops:
        raise _err("'.cfi_escape' takes one or more byte values")
    for i, op in enumerate(stmt.ops):
        asm.constant(op, stmt, i, "the byte value")
    _cfi_in_frame(asm, stmt)


def _cfi_encoded_symbol(asm, stmt):
    """.cfi_personality / .cfi_lsda encoding[, symbol] (no symbol when encoding is 0xff)."""
    if not stmt.ops:
        raise _err(f"'{stmt.name}' takes an encoding and a symbol")
    encoding = asm.constant(stmt.ops[0], stmt, 0, "the encoding")
    if encoding == _DW_EH_PE_OMIT:
        _arity(stmt, 1, 1, "only the encoding 0xff (omitted)")
    else:
        if encoding & ~0xFF or encoding & 0x0F not in _DW_EH_PE_FORMATS or \
                encoding & 0x70 not in _DW_EH_PE_APPLICATIONS:
            raise _err("unsupported encoding", 0)
        _arity(stmt, 2, 2, "an encoding and a symbol")
        _symbol_name(stmt.ops[1], 1)
    _cfi_in_frame(asm, stmt)


def _cfi_startproc(asm, stmt):
    if stmt.ops and (len(stmt.ops) > 1 or stmt.ops[0] != "simple"):
        raise _err("expected 'simple' or end of statement", 1 if len(stmt.ops) > 1 else 0)
    if asm.cfi_frame is not None:
        raise _err("starting new .cfi frame before finishing the previous one")
    asm.cfi_frame = stmt


def _cfi_endproc(asm, stmt):
    _arity(stmt, 0, 0, "no operands")
    _cfi_in_frame(asm, stmt)
    asm.cfi_frame = None


def _cfi_sections(asm, stmt):
    for i, op in enumerate(stmt.ops):
        if not isinstance(op, str):
            raise _err("expected .eh_frame or .debug_frame", i)


def _end(asm, stmt):
    _arity(stmt, 0, 0, "no operands")
    asm.ended = True


def _message(severity: str):
    def handler(asm, stmt):
        text = _string(stmt.ops[0], 0).decode(errors="replace") if stmt.ops else \
            f"{stmt.name} directive"
        if severity == "error":
            raise _err(text)
        asm.warning(text, stmt.pos)
    return handler


HANDLERS = {
    ".text": _fixed_section(".text"),
    ".data": _fixed_section(".data"),
    ".bss": _fixed_section(".bss"),
    ".rodata": _fixed_section(".rodata"),
    ".section": _section,
    ".pushsection": _pushsection,
    ".popsection": _popsection,
    ".previous": _previous,
    ".globl": _binding(True),
    ".global": _binding(True),
    ".weak": _binding(True),
    ".local": _binding(False),
    ".equ": _equ(True),
    ".set": _equ(True),
    ".equiv": _equ(False),
    ".type": _type,
    ".size": _size,
    ".comm": _common(True),
    ".lcomm": _common(False),
    ".byte": _data(1),
    ".half": _data(2),
    ".short": _data(2),
    ".2byte": _data(2),
    ".word": _data(4),
    ".long": _data(4),
    ".int": _data(4),
    ".4byte": _data(4),
    ".quad": _data(8),
    ".dword": _data(8),
    ".8byte": _data(8),
    ".ascii": _ascii(False),
    ".asciz": _ascii(True),
    ".string": _ascii(True),
    ".space": _space,
    ".skip": _space,
    ".zero": _space,
    ".fill": _fill,
    ".incbin": _incbin,
    ".align": _align(True),
    ".p2align": _align(True),
    ".balign": _align(False),
    ".org": _org,
    ".include": _include,
    ".endr": _unmatched(".rept"),
    ".endm": _unmatched(".macro"),
    ".end": _end,
    ".error": _message("error"),
    ".warning": _message("warning"),
}
HANDLERS.update(OPTIONS)
HANDLERS.update({name: _cfi for name in _CFI_OPERANDS})
HANDLERS.update({".cfi_escape": _cfi_escape, ".cfi_personality": _cfi_encoded_symbol,
                 ".cfi_lsda": _cfi_encoded_symbol, ".cfi_startproc": _cfi_startproc,
                 ".cfi_endproc": _cfi_endproc, ".cfi_sections": _cfi_sections})
HANDLERS.update({".file": _one_string, ".ident": _one_string,
                 ".loc": _loc, ".addrsig": _no_operands, ".addrsig_sym": _symbols,
                 ".hidden": _symbols, ".protected": _symbols, ".internal": _symbols})
