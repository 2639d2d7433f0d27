"""Programs and kernels as values: ``Image`` (an ELF executable's bytes and the name a kernel
knows it by), made by assembling sources with toyasm's library (asm/api.py) or read from a file.

A kernel finds its modules by name -- the file name without directory and extension
(vmm/machine/boot.py's ``module_name``) -- so an Image keeps one, and ``run`` writes in-memory
images to files of that name in a private temporary directory before booting them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AssemblyError, LoadError

MAX_IMAGE_FILE = 64 << 20        # bytes read by Image.from_file (as the loader reads a stream)


@dataclass(frozen=True)
class Image:
    """An executable: ``elf`` (the bytes of an ELF32 file), ``name`` (what a kernel calls it as
    a module), ``entry`` and ``symbols`` (name -> address; empty when read from a file)."""
    name: str
    elf: bytes = field(repr=False)
    entry: int = 0
    symbols: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_file(cls, path) -> "Image":
        """The ELF file at ``path``, named after it (LoadError when it cannot be read)."""
        path = Path(path)
        try:
            with open(path, "rb") as f:
                data = f.read(MAX_IMAGE_FILE + 1)
        except OSError as e:
            raise LoadError(f"{path}: {e.strerror or e}") from None
        if len(data) > MAX_IMAGE_FILE:
            raise LoadError(f"{path}: longer than {MAX_IMAGE_FILE} bytes")
        return cls(path.stem, data)

    def save(self, path) -> Path:
        """Write the ELF file to ``path``; the path."""
        path = Path(path)
        path.write_bytes(self.elf)
        return path


def _image(exe, name: str) -> Image:
    try:
        elf = exe.to_elf()
    except ValueError as e:          # e.g. an image past toyasm's size limit
        raise LoadError(str(e)) from None
    return Image(name, elf, exe.entry, dict(exe.symbols))


def assemble(paths, *, defsyms: dict | None = None, text_base: int | None = None, data_base: int | None = None,
             phys_base: int | None = None, include_dirs=(), defines=()) -> Image:
    """Assemble and link the source files ``paths`` (in order), as ``toyasm build`` does (a .S
    file through the C preprocessor first, with ``defines`` as -D); named after the first file.
    AssemblyError with every diagnostic when they do not assemble."""
    from asm.api import AsmErrors, assemble_files

    paths = [os.fspath(p) for p in ([paths] if isinstance(paths, (str, os.PathLike)) else paths)]
    if not paths:
        raise AssemblyError([])
    try:
        exe = assemble_files(paths, defsyms=defsyms, text_base=text_base, data_base=data_base,
                             phys_base=phys_base, include_dirs=include_dirs, defines=defines)
    except AsmErrors as e:
        raise AssemblyError(e.diagnostics) from None
    return _image(exe, Path(paths[0]).stem)


def assemble_source(text: str, name: str = "program", **layout) -> Image:
    """Assemble one source text (diagnostics name it ``name.s``); the Image is called ``name``."""
    from asm.api import AsmErrors, assemble_sources

    try:
        exe = assemble_sources([(f"{name}.s", text)], **layout)
    except AsmErrors as e:
        raise AssemblyError(e.diagnostics) from None
    return _image(exe, name)
