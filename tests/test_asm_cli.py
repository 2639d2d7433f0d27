"""The toyasm command line: build, disasm (round trip through the assembler) and isa."""
from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner
from hypothesis import given, settings

from asm.cli import main
from test_asm_llvm import MIXED, PCREL, PSEUDO
from test_asm_random import program


def _build(tmp_path, name: str, source: str, *options) -> tuple:
    src = tmp_path / f"{name}.s"
    src.write_text(source)
    out = tmp_path / f"{name}.elf"
    result = CliRunner().invoke(main, ["build", *options, str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


def _loaded(path) -> list[tuple[int, int, bytes, int, int]]:
    from elftools.elf.elffile import ELFFile
    with open(path, "rb") as f:
        return [(s["p_vaddr"], s["p_paddr"], s.data(), s["p_memsz"], s["p_flags"])
                for s in ELFFile(f).iter_segments() if s["p_type"] == "PT_LOAD"]


def _round_trip(tmp_path, source: str, *options) -> None:
    first = _build(tmp_path, "first", source, *options)
    listing = CliRunner().invoke(main, ["disasm", str(first)])
    assert listing.exit_code == 0, listing.output
    second = _build(tmp_path, "second", listing.stdout, *options)
    assert _loaded(second) == _loaded(first)


def test_disasm_listing_assembles_to_the_same_bytes(tmp_path):
    for source in (PCREL, MIXED, PSEUDO):
        _round_trip(tmp_path, source)
    _round_trip(tmp_path, "_start: mfsr t0, psw\n rti\n tlbflush\n hypercall\n j _start\n",
                "--text-base", "0x80010000", "--phys-base", "0x10000")


@settings(max_examples=15, deadline=None)
@given(program())
def test_disasm_round_trip_of_random_programs(tmp_path_factory, source):
    _round_trip(tmp_path_factory.mktemp("rt"), source)


def test_isa_reference(tmp_path):
    from asm.isadoc import render
    result = CliRunner().invoke(main, ["isa"])
    assert result.exit_code == 0 and result.stdout == render(False)
    result = CliRunner().invoke(main, ["isa", "--markdown"])
    assert result.exit_code == 0 and result.stdout == render(True)


def test_console_script_runs_without_traceback(tmp_path):
    bad = tmp_path / "bad.s"
    bad.write_text("  frobnicate a0\n")
    done = subprocess.run([sys.executable, "-m", "asm.cli", "build", str(bad), "-o",
                           str(tmp_path / "bad.elf")], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith(f"{bad}:1:3: error: unknown instruction 'frobnicate'")
    assert "Traceback" not in done.stderr


def test_default_output_name(tmp_path):
    src = tmp_path / "hello.s"
    src.write_text("_start: nop\n")
    result = CliRunner().invoke(main, ["build", str(src)])
    assert result.exit_code == 0 and (tmp_path / "hello.elf").exists()
