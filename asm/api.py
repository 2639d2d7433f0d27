"""The assembler as a library: source text or files in, a linked Executable out.

    exe = assemble_source("_start: li a0, 1\\n halt\\n")
    exe = assemble_files(["boot.s", "kernel.s"], text_base=0x80010000, phys_base=0x10000)
    exe = assemble_files(["k.s"], defsyms={"PARAVIRT": 1})     # as toyasm build --defsym PARAVIRT=1
    exe.entry, exe.symbols["_start"], exe.segments, exe.to_elf(), exe.to_bin()

Failures raise ``AsmErrors`` carrying every diagnostic of the run.
"""
from __future__ import annotations

import os
import re

from isa.machine import REGISTERS

from .assembler import Assembler
from .cpp import PreprocessError, preprocess, wants_preprocessing
from .dwarf import debug_sections
from .errors import AsmErrors, Diagnostic, Diagnostics, Source, StopRun
from .executable import Executable
from .limits import Budget
from .linker import Linker
from .listing import render_listing

__all__ = ["assemble_files", "assemble_source", "assemble_sources", "parse_defsym", "AsmErrors",
           "Executable"]

_SYMBOL = re.compile(r"[A-Za-z_.$][A-Za-z0-9_.$]*")
# --defsym values: integers as GNU as (strtoul base 0: 0x hex, leading 0 octal) and llvm-mc
# (also 0b binary, 0o octal) read them, with an optional sign; at most 64 bits, as theirs.
_INTEGER = re.compile(r"([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|[1-9][0-9]*|0)")
_BASES = {"x": 16, "b": 2, "o": 8}


def parse_defsym(text: str) -> tuple[str, int]:
    """``NAME=VALUE`` (the argument of ``--defsym``) -> (name, value); ValueError says why not."""
    name, eq, value = text.partition("=")
    if not eq or not name or not value:
        raise ValueError(f"'{text}' is not of the form NAME=VALUE")
    check_defsym_name(name)
    m = _INTEGER.fullmatch(value)
    if m is None:
        raise ValueError(f"'{value}' is not an integer (e.g. 1, -4, 0x10, 010)")
    sign, digits = m.groups()
    if len(digits) > 1 and digits[0] == "0":
        base = _BASES.get(digits[1].lower(), 8)
        digits = digits[2:] if base != 8 or digits[1] in "oO" else digits[1:]
    else:
        base = 10
    if len(digits.lstrip("0")) > 64:   # more digits than any 64-bit value (and int() is slow)
        raise ValueError(f"'{value}' does not fit in 64 bits")
    number = int(digits, base) * (-1 if sign == "-" else 1)
    if not -(1 << 63) <= number < (1 << 64):
        raise ValueError(f"'{value}' does not fit in 64 bits")
    return name, number


def check_defsym_name(name: str) -> None:
    if _SYMBOL.fullmatch(name) is None:
        raise ValueError(f"'{name}' is not a symbol name")
    if name in REGISTERS:
        raise ValueError(f"'{name}' is a register, not a symbol")


def assemble_sources(sources: list[tuple], *, text_base: int | None = None,
                     data_base: int | None = None, phys_base: int | None = None,
                     listing: bool = False, include_dirs=(), defsyms=None,
                     debug: bool = False) -> Executable:
    """Assemble each (name, text) as one object file and link them, in order; ``debug``:
    with DWARF line information (asm/dwarf.py, ``toyasm build -g``). A third item, a line map,
    says where each line of a preprocessed text was written (asm/cpp.py).

    ``defsyms`` ({name: int}, as ``--defsym name=value``): absolute symbols every file sees as
    defined before its first line (``.ifdef name`` holds; ``.set name, ...`` may redefine it)."""
    defsyms = dict(defsyms or {})
    problems = []
    for sym_name, value in defsyms.items():
        try:
            check_defsym_name(sym_name)
            if not isinstance(value, int):
                raise ValueError(f"the value of '{sym_name}' must be an integer, not {value!r}")
            defsyms[sym_name] = int(value)
        except ValueError as e:
            problems.append(Diagnostic("error", f"--defsym: {e}"))
    if problems:
        raise AsmErrors(problems)
    # One report and one budget for the whole run (docs/asm.md, "Limits").
    diagnostics, budget = Diagnostics(), Budget()
    objects, first_code = [], []
    try:
        for name, text, *line_map in sources:
            asm = Assembler(name, listing=listing, include_dirs=include_dirs, defsyms=defsyms,
                            diagnostics=diagnostics, budget=budget, debug=debug)
            objects.append(asm.assemble(Source(name, text, line_map=line_map[0] if line_map else None)))
            first_code.append(asm.first_code)
        # Link even after errors in the first pass: undefined symbols and out-of-range
        # branches are found here, and every error of the run is reported at once.
        linker = Linker(objects, first_code, text_base=text_base, data_base=data_base,
                        phys_base=phys_base, diagnostics=diagnostics)
        exe = linker.link()
    except StopRun:
        exe = None
    if exe is None or diagnostics.errors:
        raise AsmErrors(diagnostics.report())
    exe.warnings = diagnostics.report()
    if listing:
        exe.listing = render_listing(objects)
    if debug:
        exe.debug_sections = debug_sections(objects)
    return exe


def assemble_files(paths, *, defines=(), **layout) -> Executable:
    """Assemble and link the files ``paths``; a ``.S`` file is run through the C preprocessor
    first (asm/cpp.py) with the include directories and ``defines`` ("NAME" or "NAME=VALUE",
    as ``-D``)."""
    sources = []
    problems = []
    for path in paths:
        if wants_preprocessing(path) and os.path.isfile(path):     # (else: "cannot read" below)
            try:
                text, line_map = preprocess(path, layout.get("include_dirs", ()), defines)
            except PreprocessError as e:    # its own messages as they are, a note each
                problems.append(Diagnostic("error", str(e), notes=[Diagnostic("note", line) for line in e.said]))
            else:
                sources.append((str(path), text, line_map))
            continue
        try:
            # newline="": only LF and CRLF end a line (as for llvm-mc and editors), a lone
            # CR is kept for the lexer
            with open(path, encoding="utf-8", errors="replace", newline="") as f:
                sources.append((str(path), f.read()))
        except OSError as e:
            problems.append(Diagnostic("error", f"cannot read '{path}': {e.strerror or e}"))
    if problems:
        raise AsmErrors(problems)
    return assemble_sources(sources, **layout)


def assemble_source(text: str, name: str = "<input>", **layout) -> Executable:
    return assemble_sources([(name, text)], **layout)
