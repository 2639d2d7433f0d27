"""The LLVM tools as the reference assembler for toyasm's tests.

``llvm_text`` assembles relocation-free code with llvm-mc and returns its .text bytes;
``llvm_linked`` assembles and links with ld.lld using toyasm's default layout (text at the
base, read-only data right after it, data from the next page, then bss) and returns the
loaded bytes of each output section, so code with relocations (la, call, %pcrel_hi, data
addresses) can be compared byte for byte with toyasm's output.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from asm.api import assemble_source
from isa.machine import DEFAULT_TEXT_BASE

LLVM_MC = ["llvm-mc", "-triple=riscv32", "-mattr=+m,-relax", "-filetype=obj"]

LINKER_SCRIPT = """SECTIONS {{
  . = {base:#x};
  .text : {{ *(.text*) }}
  .rodata : {{ *(.rodata*) }}
  . = ALIGN(0x1000);
  .data : {{ *(.data*) }}
  .bss : {{ *(.bss*) }}
}}
"""


def need(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")


def _run(cmd: list, what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"{what} failed:\n{done.stderr[:4000]}")


def llvm_object(source: str, workdir: Path, options=()) -> Path:
    """``options``: more llvm-mc arguments (-I DIR, --defsym NAME=VALUE)."""
    need("llvm-mc")
    src, obj = workdir / "ref.s", workdir / "ref.o"
    src.write_text(source)
    _run(LLVM_MC + [*options, "-o", str(obj), str(src)], "llvm-mc")
    return obj


def llvm_text(source: str) -> bytes:
    """The .text bytes llvm-mc makes of ``source`` (which must need no relocations)."""
    with tempfile.TemporaryDirectory() as d:
        obj = llvm_object(source, Path(d))
        with open(obj, "rb") as f:
            elf = ELFFile(f)
            rel = elf.get_section_by_name(".rela.text")
            assert rel is None or rel.num_relocations() == 0, "source needs relocations"
            return elf.get_section_by_name(".text").data()


def llvm_linked(source: str, base: int = DEFAULT_TEXT_BASE,
                options=()) -> dict[str, tuple[int, bytes]]:
    """{section: (address, bytes)} of ``source`` assembled by llvm-mc and linked by ld.lld."""
    need("llvm-mc", "ld.lld")
    with tempfile.TemporaryDirectory() as d:
        work = Path(d)
        obj = llvm_object(source, work, options)
        script, exe = work / "ref.ld", work / "ref.elf"
        script.write_text(LINKER_SCRIPT.format(base=base))
        _run(["ld.lld", "-T", str(script), "-e", "0", "-o", str(exe), str(obj)], "ld.lld")
        return elf_sections(exe.read_bytes())


def elf_sections(data: bytes) -> dict[str, tuple[int, bytes]]:
    import io
    elf = ELFFile(io.BytesIO(data))
    out = {}
    for sec in elf.iter_sections():
        if sec["sh_flags"] & 2 and sec["sh_size"]:  # SHF_ALLOC
            body = bytes(sec["sh_size"]) if sec["sh_type"] == "SHT_NOBITS" else sec.data()
            out[sec.name] = (sec["sh_addr"], body)
    return out


def toyasm_text(source: str) -> bytes:
    return assemble_source(source).text


def toyasm_linked(source: str, base: int = DEFAULT_TEXT_BASE,
                  **options) -> dict[str, tuple[int, bytes]]:
    """``options``: include_dirs, defsyms (as for asm.api.assemble_source)."""
    return elf_sections(assemble_source(source, text_base=base, **options).to_elf())


GNU_AS = ["riscv64-linux-gnu-as", "-march=rv32im", "-mabi=ilp32", "-mno-relax"]


def gnu_text(source: str) -> bytes:
    """The .text bytes GNU as (Debian's binutils-riscv64-linux-gnu) makes of ``source``, which
    must need no relocations. Skips when GNU as is not installed (.ci/run installs it)."""
    need(GNU_AS[0])
    with tempfile.TemporaryDirectory() as d:
        src, obj = Path(d) / "ref.s", Path(d) / "ref.o"
        src.write_text(source)
        _run(GNU_AS + ["-o", str(obj), str(src)], "GNU as")
        with open(obj, "rb") as f:
            elf = ELFFile(f)
            rel = elf.get_section_by_name(".rela.text")
            assert rel is None or rel.num_relocations() == 0, "source needs relocations"
            return elf.get_section_by_name(".text").data()


def words(data: bytes) -> list[str]:
    """Hex words, for readable assertion diffs."""
    return [data[i:i + 4].hex() for i in range(0, len(data), 4)]
