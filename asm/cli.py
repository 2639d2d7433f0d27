"""``toyasm``: build (assemble + link), disasm, isa."""
from __future__ import annotations

import os
import sys

import click

from isa.machine import DEFAULT_TEXT_BASE


class _Address(click.ParamType):
    name = "ADDR"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            number = int(str(value).replace("_", ""), 0)
        except ValueError:
            self.fail(f"'{value}' is not an address (e.g. 0x10000)", param, ctx)
        if not 0 <= number <= 0xFFFFFFFF:
            self.fail(f"{value} is not a 32-bit address", param, ctx)
        return number


ADDRESS = _Address()


class _Defsym(click.ParamType):
    name = "NAME=VALUE"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        from .api import parse_defsym
        try:
            return parse_defsym(str(value))
        except ValueError as e:
            self.fail(str(e), param, ctx)


DEFSYM = _Defsym()


def _print_diagnostics(diagnostics) -> None:
    for d in diagnostics:
        click.echo(d.format(), err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """The TOY32 assembler, linker and disassembler (GNU as syntax for RISC-V)."""


@main.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Output file (default: the first source with .elf or .bin).")
@click.option("--format", "fmt", type=click.Choice(["elf", "bin"]), default="elf",
              show_default=True, help="ELF executable, or a flat binary image.")
@click.option("--base", type=ADDRESS,
              help="Flat image (--format bin): the address of its first byte; the code is "
                   "linked there unless --text-base says otherwise.")
@click.option("--text-base", type=ADDRESS,
              help=f"Address of the code [default: {DEFAULT_TEXT_BASE:#x}].")
@click.option("--data-base", type=ADDRESS,
              help="Address of the data [default: the page after the code].")
@click.option("--phys-base", type=ADDRESS,
              help="Load (physical) address of the code; every segment keeps its offset from "
                   "it. Symbols keep their (virtual) addresses. Default: the text base.")
@click.option("-l", "--listing", type=click.Path(dir_okay=False),
              help="Write a listing: line, address, bytes, source.")
@click.option("--map", "map_file", type=click.Path(dir_okay=False),
              help="Write a symbol map: address, section, symbol, file.")
@click.option("-I", "--include-dir", "include_dirs", multiple=True,
              type=click.Path(file_okay=False),
              help="Also look here for .include files (and #include files of a .S file).")
@click.option("-D", "--define", "defines", multiple=True, metavar="NAME[=VALUE]",
              help="Define a C preprocessor macro for .S files, which are run through the C "
                   "preprocessor first (clang, or cpp), as compiler drivers do. Repeatable.")
@click.option("-g", "--debug", "debug", is_flag=True,
              help="Emit DWARF line information (.debug_line, .debug_info, .debug_abbrev, "
                   ".debug_aranges): each instruction's file and line, a macro's at its call, "
                   "so that gdb can `break file.s:LINE`.")
@click.option("--defsym", "defsyms", multiple=True, type=DEFSYM,
              help="Define the absolute symbol NAME = VALUE (an integer: 12, -4, 0x10, 010 "
                   "octal, 0b101) in every source, before its first line, as GNU as does: "
                   "`.ifdef NAME` and `.if NAME` see it, `.set NAME, ...` may redefine it. "
                   "Repeatable; the last of one name wins.")
def build(sources, output, fmt, base, text_base, data_base, phys_base, listing, map_file,
          include_dirs, defines, defsyms, debug):
    """Assemble and link SOURCES (.s files; .S files are preprocessed first) into one executable."""
    from .api import assemble_files
    from .errors import AsmErrors
    from .listing import render_map

    if base is not None and fmt != "bin":
        raise click.UsageError("--base is the address of a flat image: use it with --format bin")
    if text_base is None and base is not None:
        text_base = base
    if output is None:
        output = os.path.splitext(sources[0])[0] + (".bin" if fmt == "bin" else ".elf")
    try:
        exe = assemble_files(sources, text_base=text_base, data_base=data_base,
                             phys_base=phys_base, listing=listing is not None,
                             include_dirs=include_dirs, defines=defines, defsyms=dict(defsyms), debug=debug)
    except AsmErrors as e:
        _print_diagnostics(e.diagnostics)
        n = len(e.errors)
        click.echo(f"toyasm: {n} error{'s' * (n != 1)}, no output written", err=True)
        sys.exit(1)
    except Exception as e:  # a bug in toyasm: still a message, not a traceback
        click.echo(f"toyasm: internal error: {type(e).__name__}: {e}", err=True)
        sys.exit(1)
    _print_diagnostics(exe.warnings)
    try:
        data = exe.to_elf() if fmt == "elf" else exe.to_bin(base)
    except ValueError as e:
        click.echo(f"toyasm: error: {e}", err=True)
        sys.exit(1)
    _write(output, data, executable=fmt == "elf")
    if listing is not None:
        _write(listing, exe.listing.encode())
    if map_file is not None:
        _write(map_file, render_map(exe).encode())


def _write(path: str, data: bytes, executable: bool = False) -> None:
    """Write ``data`` to ``path``; an executable as ld.lld writes one: a new file created with
    mode 0777 less the umask (755 as a rule) that replaces the old one, so its mode is that
    even where the old file's was not; a path that is not a regular file (/dev/null, a pipe)
    is written in place."""
    try:
        if executable and (not os.path.exists(path) or os.path.isfile(path)):
            directory = os.path.dirname(os.path.abspath(path))
            temporary = os.path.join(directory, f".{os.path.basename(path)}.toyasm-{os.getpid()}")
            fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_TRUNC, 0o777)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(temporary, path)
            except BaseException:
                if os.path.exists(temporary):
                    os.unlink(temporary)
                raise
            return
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        click.echo(f"toyasm: error: cannot write '{path}': {e.strerror}", err=True)
        sys.exit(1)


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--base", type=ADDRESS, help="FILE is a flat binary image loaded at this address.")
def disasm(file, base):
    """Disassemble an executable (the listing assembles back to the same bytes)."""
    from .disasm import DisasmError, disassemble_file
    try:
        click.echo(disassemble_file(file, base), nl=False)
    except DisasmError as e:
        click.echo(f"toyasm: error: {e}", err=True)
        sys.exit(1)


@main.command()
@click.option("--markdown", is_flag=True, help="Markdown (as in docs/isa.md).")
def isa(markdown):
    """The TOY32 instruction set reference, generated from isa/."""
    from .isadoc import render
    click.echo(render(markdown), nl=False)


if __name__ == "__main__":
    main()
