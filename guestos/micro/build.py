"""How the microkernel is built, for the Python side (bench/, tests/): guestos/micro/build.mk read
(the file the Makefile includes) for its sources, guestos/build.mk for its layout, and the kernel
assembled with toyasm's API as the Makefile's ``toyasm build $(GUESTOS_LAYOUT) $(MICRO_SRCS)``.

    from guestos.micro.build import build_microkernel   # with the repository root on sys.path
    build_microkernel(out / "microkernel.elf")           # = make build/microkernel.elf
    build_microkernel(out / "bug.elf", defsyms={"CONSOLE_BUG": 1})
"""
from __future__ import annotations

from pathlib import Path

from guestos.build import GUESTOS, layout, settings

BUILD_MK = Path(__file__).resolve().parent / "build.mk"


def sources() -> list[Path]:
    """The microkernel's source files (guestos's shared ones and its own), in link order."""
    return [GUESTOS / name for name in settings(BUILD_MK)["MICRO_SOURCES"].split()]


def assemble_microkernel(**options):
    """The microkernel as a toyasm ``Executable``; ``options`` go to ``assemble_files``."""
    from asm.api import assemble_files

    return assemble_files([str(path) for path in sources()], **layout(), **options)


def build_microkernel(path: Path, **options) -> Path:
    """Assemble the microkernel and write it to ``path`` as an ELF file; ``path``."""
    path.write_bytes(assemble_microkernel(**options).to_elf())
    return path
