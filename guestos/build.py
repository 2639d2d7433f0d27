"""How guestos is built, for the Python side (bench/, tests/): guestos/build.mk read -- the file
the Makefile includes, so there is one place that says it -- and the kernel assembled with
toyasm's API as the Makefile's ``toyasm build $(GUESTOS_LAYOUT) $(GUESTOS_SRCS)`` does.

    from guestos.build import build_kernel        # with the repository root on sys.path
    build_kernel(out / "guestos.elf")              # = make build/guestos.elf
    build_kernel(out / "para.elf", defsyms={"PARAVIRT": 1})
"""
from __future__ import annotations

from pathlib import Path

GUESTOS = Path(__file__).resolve().parent
BUILD_MK = GUESTOS / "build.mk"


def settings(build_mk: Path = BUILD_MK) -> dict[str, str]:
    """build.mk's (or another such file's) ``NAME := value`` lines (comments and blank lines
    skipped; a value may go on after a line ending in a backslash)."""
    values = {}
    for line in build_mk.read_text().replace("\\\n", " ").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, value = line.partition(":=")
            if not sep:
                raise ValueError(f"{build_mk}: not a 'NAME := value' line: {line!r}")
            values[name.strip()] = value.strip()
    return values


def sources() -> list[Path]:
    """The kernel's source files, in link order."""
    return [GUESTOS / name for name in settings()["GUESTOS_SOURCES"].split()]


def layout() -> dict[str, int]:
    """The link layout as toyasm API keywords: ``--text-base 0x80010000`` -> text_base=0x80010000."""
    words = settings()["GUESTOS_LAYOUT"].split()
    if len(words) % 2 or not all(w.startswith("--") for w in words[::2]):
        raise ValueError(f"{BUILD_MK}: GUESTOS_LAYOUT is not '--option value' pairs: {words}")
    return {option[2:].replace("-", "_"): int(value, 0) for option, value in zip(words[::2], words[1::2])}


def assemble_kernel(**options):
    """The kernel as a toyasm ``Executable``; ``options`` go to ``assemble_files`` (e.g. defsyms)."""
    from asm.api import assemble_files

    return assemble_files([str(path) for path in sources()], **layout(), **options)


def build_kernel(path: Path, **options) -> Path:
    """Assemble the kernel and write it to ``path`` as an ELF file; ``path``."""
    path.write_bytes(assemble_kernel(**options).to_elf())
    return path
