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


# --- build --defsym NAME=VALUE (GNU as, llvm-mc) ---------------------------------------------------
DEFSYM_MAIN = """\
    .globl _start
_start:
.ifdef PARAVIRT
    addi    a0, zero, PARAVIRT
.else
    addi    a0, zero, 99
.endif
.ifndef NOT_GIVEN
    addi    a1, zero, HEX + OCT + BIN
.endif
.if NEG < 0
    addi    a2, zero, NEG
.endif
    call    helper
.set PARAVIRT, 7                        # a --defsym symbol may be redefined, as with .set
    addi    a3, zero, PARAVIRT
"""
DEFSYM_OTHER = """\
    .globl helper
helper:
.if PARAVIRT
    addi    a4, zero, PARAVIRT          # the other file sees the command line's value
.endif
    ret
    .data
    .word   HEX, NEG
"""
DEFSYMS = ("PARAVIRT=1", "HEX=0x10", "OCT=010", "BIN=0b11", "NEG=-5")


def _defsym_sources(tmp_path):
    main_s, other_s = tmp_path / "main.s", tmp_path / "other.s"
    main_s.write_text(DEFSYM_MAIN)
    other_s.write_text(DEFSYM_OTHER)
    return main_s, other_s


def test_defsym_is_seen_by_every_source_of_the_build(tmp_path):
    from asm.api import assemble_files, assemble_sources
    from asm_oracle import elf_sections
    sources = _defsym_sources(tmp_path)
    out = tmp_path / "defsym.elf"
    options = [a for d in DEFSYMS for a in ("--defsym", d)]
    result = CliRunner().invoke(main, ["build", *options, *map(str, sources), "-o", str(out)])
    assert result.exit_code == 0, result.output
    exe = assemble_files(list(map(str, sources)), defsyms={"PARAVIRT": 1, "HEX": 16, "OCT": 8,
                                                          "BIN": 3, "NEG": -5})
    assert elf_sections(out.read_bytes()) == elf_sections(exe.to_elf())
    text = exe.text
    # addi rd, zero, imm: the immediates in order (main: 1, 16+8+3, -5, call = 2 words, 7; other: 1)
    imms = [int.from_bytes(text[i:i + 4], "little", signed=True) >> 20 for i in range(0, len(text), 4)]
    assert imms[:3] == [1, 27, -5] and imms[5] == 7 and imms[6] == 1
    # the equal form (--defsym=NAME=VALUE) and "the last of one name wins"
    again = tmp_path / "again.elf"
    result = CliRunner().invoke(main, ["build", "--defsym=PARAVIRT=3", *options, *map(str, sources),
                                       "-o", str(again)])
    assert result.exit_code == 0 and again.read_bytes() == out.read_bytes()
    # without it, .ifdef takes the other branch
    plain = assemble_sources([("main.s", DEFSYM_MAIN), ("helper.s", ".globl helper\nhelper: ret\n")],
                             defsyms={"HEX": 0, "OCT": 0, "BIN": 0, "NEG": -1, "NOT_GIVEN": 0})
    assert int.from_bytes(plain.text[:4], "little") >> 20 == 99 and len(plain.text) == 4 * 6


def test_defsym_gives_the_bytes_llvm_mc_gives(tmp_path):
    """llvm-mc --defsym per file, ld.lld as toyasm's default layout: the same loaded bytes."""
    import subprocess as sp
    from asm_oracle import LINKER_SCRIPT, LLVM_MC, elf_sections, need
    need("llvm-mc", "ld.lld")
    sources = _defsym_sources(tmp_path)
    objects = []
    for src in sources:
        obj = src.with_suffix(".o")
        done = sp.run(LLVM_MC + [f"--defsym={d}" for d in DEFSYMS] + ["-o", str(obj), str(src)],
                      capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        objects.append(str(obj))
    script, ref = tmp_path / "ref.ld", tmp_path / "ref.elf"
    script.write_text(LINKER_SCRIPT.format(base=0x10000))
    done = sp.run(["ld.lld", "-T", str(script), "-e", "0", "-o", str(ref), *objects],
                  capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    ours = tmp_path / "ours.elf"
    options = [a for d in DEFSYMS for a in ("--defsym", d)]
    result = CliRunner().invoke(main, ["build", *options, *map(str, sources), "-o", str(ours)])
    assert result.exit_code == 0, result.output
    assert elf_sections(ours.read_bytes()) == elf_sections(ref.read_bytes())


def test_defsym_conflicts_point_at_the_command_line(tmp_path):
    for source in ("_start:\nPARAVIRT:\n nop\n", "_start:\n.equiv PARAVIRT, 2\n nop\n"):
        src = tmp_path / "conflict.s"
        src.write_text(source)
        result = CliRunner().invoke(main, ["build", "--defsym", "PARAVIRT=1", str(src),
                                           "-o", str(tmp_path / "c.elf")])
        assert result.exit_code == 1
        assert f"{src}:2:1: error: symbol 'PARAVIRT' is already defined" in result.output
        assert "<command line>:1:10: note: previous definition is here\n--defsym PARAVIRT=1\n" \
            in result.output


def test_defsym_bad_forms_are_usage_errors(tmp_path):
    src = tmp_path / "ok.s"
    src.write_text("_start: nop\n")
    bad = {"PARAVIRT": "is not of the form NAME=VALUE", "PARAVIRT=": "is not of the form NAME=VALUE",
           "=1": "is not of the form NAME=VALUE", "P=x": "'x' is not an integer",
           "P=08": "'08' is not an integer", "P=1 2": "'1 2' is not an integer",
           "P=1.5": "'1.5' is not an integer", "1P=1": "'1P' is not a symbol name",
           "a0=1": "'a0' is a register", "P=0x10000000000000000": "does not fit in 64 bits"}
    for arg, message in bad.items():
        done = subprocess.run([sys.executable, "-m", "asm.cli", "build", "--defsym", arg, str(src),
                               "-o", str(tmp_path / "ok.elf")], capture_output=True, text=True)
        assert done.returncode == 2, (arg, done.stderr)
        assert "Error: Invalid value for '--defsym'" in done.stderr and message in done.stderr, arg
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "ok.elf").exists()


def test_defsym_through_the_api_checks_names_and_values():
    import pytest
    from asm.api import AsmErrors, assemble_source, parse_defsym
    assert parse_defsym("X=-0x10") == ("X", -16)
    assert parse_defsym("X=0o17") == ("X", 15) and parse_defsym("X=0") == ("X", 0)
    for defsyms in ({"1X": 1}, {"t0": 1}, {"X": "1"}):
        with pytest.raises(AsmErrors) as e:
            assemble_source("_start: nop\n", defsyms=defsyms)
        assert "--defsym" in str(e.value)
