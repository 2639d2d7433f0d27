"""The assembler as a library: source text or files in, a linked Executable out.

    exe = assemble_source("_start: li a0, 1\\n halt\\n")
    exe = assemble_files(["boot.s", "kernel.s"], text_base=0x80010000, phys_base=0x10000)
    exe.entry, exe.symbols["_start"], exe.segments, exe.to_elf(), exe.to_bin()

Failures raise ``AsmErrors`` carrying every diagnostic of the run.
"""
from __future__ import annotations

from .assembler import Assembler
from .errors import AsmErrors, Diagnostic, Source
from .executable import Executable
from .linker import Linker
from .listing import render_listing

__all__ = ["assemble_files", "assemble_source", "assemble_sources", "AsmErrors", "Executable"]


def assemble_sources(sources: list[tuple[str, str]], *, text_base: int | None = None,
                     data_base: int | None = None, phys_base: int | None = None,
                     listing: bool = False, include_dirs=()) -> Executable:
    """Assemble each (name, text) as one object file and link them, in order."""
    diagnostics: list[Diagnostic] = []
    objects, first_code = [], []
    for name, text in sources:
        asm = Assembler(name, listing=listing, include_dirs=include_dirs)
        objects.append(asm.assemble(Source(name, text)))
        first_code.append(asm.first_code)
        diagnostics += asm.diagnostics
    # Link even after errors in the first pass: undefined symbols and out-of-range branches
    # are found here, and every error of the run is reported at once.
    linker = Linker(objects, first_code, text_base=text_base, data_base=data_base,
                    phys_base=phys_base)
    exe = linker.link()
    diagnostics += linker.diagnostics
    if exe is None or any(d.severity == "error" for d in diagnostics):
        raise AsmErrors(diagnostics)
    exe.warnings = [d for d in diagnostics if d.severity == "warning"]
    if listing:
        exe.listing = render_listing(objects)
    return exe


def assemble_files(paths, **layout) -> Executable:
    sources = []
    problems = []
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                sources.append((str(path), f.read()))
        except OSError as e:
            problems.append(Diagnostic("error", f"cannot read '{path}': {e.strerror or e}"))
    if problems:
        raise AsmErrors(problems)
    return assemble_sources(sources, **layout)


def assemble_source(text: str, name: str = "<input>", **layout) -> Executable:
    return assemble_sources([(name, text)], **layout)
