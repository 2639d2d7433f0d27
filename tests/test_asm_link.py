"""Linking several files, layout options, entry point, flat images, listing and map; the
assembler's library interface (asm.api) as the machine's tests use it."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from asm.api import AsmErrors, assemble_files, assemble_source, assemble_sources
from asm.cli import main
from isa import PREDEFINED_VALUES
from isa.machine import DEFAULT_TEXT_BASE, PAGE_SIZE
from asm_oracle import llvm_linked, need, toyasm_linked


def _word(exe, address: int) -> int:
    for seg in exe.segments:
        if seg.vaddr <= address < seg.vaddr + len(seg.data):
            off = address - seg.vaddr
            return int.from_bytes(seg.data[off:off + 4], "little")
    raise AssertionError(f"{address:#x} not loaded")


MAIN = """
    .globl _start
    .text
_start:
    call helper
    la a0, shared
    lw a1, 0(a0)
    j _start
local: .word 1
"""
OTHER = """
    .globl helper, shared
helper:
    la t0, shared
    ret
local: .word 2          # same name as in main.s: each file's own
    .data
shared: .word helper, local
"""


def test_globals_resolve_across_files_like_ld_lld():
    exe = assemble_sources([("main.s", MAIN), ("other.s", OTHER)])
    syms = exe.symbols
    assert syms["_start"] == DEFAULT_TEXT_BASE and exe.entry == DEFAULT_TEXT_BASE
    assert syms["helper"] == DEFAULT_TEXT_BASE + 0x1C   # after main.s's 7 words
    assert syms["shared"] == DEFAULT_TEXT_BASE + PAGE_SIZE
    assert _word(exe, syms["shared"]) == syms["helper"]
    assert _word(exe, syms["shared"] + 4) == DEFAULT_TEXT_BASE + 0x28  # other.s's 'local'
    # the same two files linked by ld.lld: identical text and data
    need("llvm-mc", "ld.lld")
    both = MAIN + "\n.text\n" + OTHER.replace("local:", "local2:").replace(", local", ", local2")
    assert toyasm_linked(both) == llvm_linked(both)
    ours = exe.to_elf()
    from asm_oracle import elf_sections
    assert elf_sections(ours) == llvm_linked(both)


def test_duplicate_global_names_both_files():
    with pytest.raises(AsmErrors) as e:
        assemble_sources([("a.s", ".globl f\nf: ret\n"), ("b.s", "nop\n.globl f\nf: ret\n")])
    text = str(e.value)
    assert "b.s:3:1: error: duplicate symbol 'f'" in text
    assert "a.s:2:1: note: previous definition is here" in text


def test_undefined_symbol_across_files():
    with pytest.raises(AsmErrors) as e:
        assemble_sources([("a.s", "_start: call missing\n"), ("b.s", "other: j _start\n")])
    assert [str(d.message) for d in e.value.errors] == ["undefined symbol 'missing'",
                                                        "undefined symbol '_start'"]
    assert "a.s:1:14: error" in str(e.value) and "b.s:1:10: error" in str(e.value)


def test_entry_is_start_or_the_first_instruction():
    assert assemble_source(".data\n.word 1\n.text\nnop\nnop\n").entry == DEFAULT_TEXT_BASE
    assert assemble_source("nop\n_start: nop\n").entry == DEFAULT_TEXT_BASE + 4
    exe = assemble_sources([("a.s", "nop\nnop\n"), ("b.s", ".globl _start\n_start: nop\n")])
    assert exe.entry == DEFAULT_TEXT_BASE + 8


def test_default_layout_text_rodata_data_bss():
    exe = assemble_source("nop\n.section .rodata\nr: .byte 1\n.data\nd: .byte 2\n"
                          ".bss\n.p2align 3\nb: .space 16\n")
    assert [(s.name, s.address, s.size) for s in exe.sections] == [
        (".text", 0x10000, 4), (".rodata", 0x10004, 1), (".data", 0x11000, 1),
        (".bss", 0x11008, 16)]
    code, data = exe.segments
    assert (code.vaddr, code.memsz, code.flags) == (0x10000, 5, 5)        # R+X
    assert (data.vaddr, data.data, data.memsz, data.flags) == (0x11000, b"\2", 0x18, 6)  # R+W


def test_text_data_and_phys_base():
    exe = assemble_source("_start: la a0, v\n.data\nv: .word v\n", text_base=0x80010000,
                          data_base=0x80100000, phys_base=0x10000)
    assert exe.symbols["v"] == 0x80100000 and exe.entry == 0x80010000
    assert [(s.vaddr, s.paddr) for s in exe.segments] == [(0x80010000, 0x10000),
                                                          (0x80100000, 0x100000)]
    assert exe.segments[1].data == (0x80100000).to_bytes(4, "little")
    image = exe.to_bin()
    assert len(image) == 0x100004 - 0x10000 and image[-4:] == exe.segments[1].data


def test_flat_binary_from_the_cli(tmp_path):
    src = tmp_path / "boot.s"
    src.write_text("_start: j next\nnext: la a0, msg\n.data\nmsg: .asciz \"hi\"\n")
    out = tmp_path / "boot.bin"
    result = CliRunner().invoke(main, ["build", "--format", "bin", "--base", "0x1000", str(src),
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    image = out.read_bytes()
    assert len(image) == PAGE_SIZE + 3 and image[PAGE_SIZE:] == b"hi\0"
    exe = assemble_files([str(src)], text_base=0x1000)
    assert image == exe.to_bin(0x1000) and image[:12] == exe.text


def test_listing_and_map(tmp_path):
    src = tmp_path / "prog.s"
    src.write_text("# demo\n_start: li a0, 0x12345678\n  .data\nmsg: .ascii \"0123456789\"\n")
    lst, mp, out = tmp_path / "prog.lst", tmp_path / "prog.map", tmp_path / "prog.elf"
    result = CliRunner().invoke(main, ["build", "-l", str(lst), "--map", str(mp), str(src),
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    listing = lst.read_text().splitlines()
    assert listing[0] == f"# {src}"
    assert re.match(r"\s+1\s+# demo$", listing[1])
    assert re.match(r"\s+2 00010000 37553412 13058567\s+_start: li a0, 0x12345678$", listing[2])
    assert re.match(r"\s+4 00011000 30313233 34353637\s+msg: .ascii", listing[4])
    assert re.match(r"\s+00011008 3839$", listing[5])
    table = mp.read_text()
    assert re.search(r"0x00010000\s+\.text\s+_start\s+.*prog\.s", table)
    assert re.search(r"0x00011000\s+\.data\s+msg\s+.*prog\.s", table)


def test_include_is_relative_to_the_including_file(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "defs.inc").write_text(".equ COUNT, 3\n.macro twice x\n \\x\n \\x\n.endm\n")
    (tmp_path / "main.s").write_text('.include "inc/defs.inc"\n_start: li a0, COUNT\n twice nop\n')
    exe = assemble_files([str(tmp_path / "main.s")])
    assert exe.text == bytes.fromhex("13053000" + "13000000" * 2)


def test_predefined_symbols_and_shadowing():
    exe = assemble_source("li t0, CONSOLE_TX\nli t1, CAUSE_SVC\nandi t2, t2, PSW_U\n")
    want = assemble_source(f"li t0, {PREDEFINED_VALUES['CONSOLE_TX']}\n"
                           f"li t1, {PREDEFINED_VALUES['CAUSE_SVC']}\n"
                           f"andi t2, t2, {PREDEFINED_VALUES['PSW_U']}\n")
    assert exe.text == want.text
    assert assemble_source(".equ PSW_U, 64\nli a0, PSW_U\n").text == bytes.fromhex("13050004")
    # a definition shadows the predefined name even before it (li of a value not known
    # yet takes the two-instruction form)
    shadowed = assemble_source("j PAGE_SIZE\nli a0, PSW_U\nPAGE_SIZE: nop\n.equ PSW_U, 77\n")
    assert shadowed.text == assemble_source("j 12\nlui a0, 0\naddi a0, a0, 77\nnop\n").text


def test_conditionals_and_set():
    source = """
    .set n, 0
    .rept 4
    .set n, n + 1
    .if n % 2
    addi a0, a0, n
    .else
    addi a1, a1, n
    .endif
    .endr
    .ifdef CONSOLE_TX
    nop
    .endif
    .ifndef nothing
    nop
    .endif
    """
    plain = "addi a0,a0,1\naddi a1,a1,2\naddi a0,a0,3\naddi a1,a1,4\nnop\nnop\n"
    assert assemble_source(source).text == assemble_source(plain).text


def test_macro_arguments_are_text_separated_by_commas_or_blanks():
    source = """
    .macro pair a b
    add \\a, \\a, \\b
    .endm
    .macro weird x, y=7
    li a0, \\x * \\y
    .endm
    pair a0 a1
    pair a2, a3
    weird 1+2
    weird y=2, x=5
    .if 0
    this is ( not even parsed
    .endif
    """
    plain = "add a0, a0, a1\nadd a2, a2, a3\nli a0, 15\nli a0, 10\n"
    assert assemble_source(source).text == assemble_source(plain).text
