"""The disassembler against llvm-objdump (the oracle for every RV32IM word), the instruction
table (every decoded word encodes back to itself), and the assembler (listings round-trip)."""
from __future__ import annotations

import io
import random
import re
import subprocess

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile

from asm.api import assemble_source, assemble_sources
from asm.cli import main as toyasm
from asm_oracle import need
from asm.disasm import DisasmError, decode_exact, disassemble_file, disassemble_word
from isa import FIELDS, INSTRUCTIONS, operand_fields
from isa.instructions import Operand
from isa.machine import ABI_NAMES, DEFAULT_TEXT_BASE, SR_NUMBERS

RV32IM = [ins for ins in INSTRUCTIONS if ins.ext != "TOY32"]
TOY32 = [ins for ins in INSTRUCTIONS if ins.ext == "TOY32"]
FENCE_SETS = ["i", "o", "r", "w", "io", "ir", "iw", "or", "ow", "rw", "ior", "iow", "irw", "orw", "iorw"]


def _llvm_listing(source: str, tmp_path) -> dict[int, tuple[int, str]]:
    """Assemble ``source`` with llvm-mc, disassemble with llvm-objdump -M no-aliases:
    address -> (word, instruction text)."""
    need("llvm-mc", "llvm-objdump")
    src, obj = tmp_path / "ref.s", tmp_path / "ref.o"
    src.write_text(source)
    subprocess.run(["llvm-mc", "-triple=riscv32", "-mattr=+m", "-filetype=obj", str(src), "-o", str(obj)],
                   check=True, capture_output=True, text=True)
    out = subprocess.run(["llvm-objdump", "-d", "--mattr=+m", "-M", "no-aliases", str(obj)],
                         check=True, capture_output=True, text=True).stdout
    listing = {}
    for m in re.finditer(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} ){4})\s*(.*)$", out, re.M):
        word = int.from_bytes(bytes.fromhex(m[2]), "little")
        listing[int(m[1], 16)] = (word, m[3])
    return listing


def _normal(text: str) -> str:
    """Whitespace collapsed, objdump's <symbol> annotations dropped, hex numbers in decimal
    (llvm-objdump 14 prints lui/auipc immediates in decimal, GNU objdump and toyasm in hex)."""
    text = re.sub(r"<[^>]*>", "", text)
    text = re.sub(r"0x[0-9a-f]+", lambda m: str(int(m[0], 16)), text)
    return " ".join(text.replace(",", ", ").split())


def _operand(token, rng: random.Random) -> str:
    """Random assembly text for one operand token of the instruction table."""
    if token.kind == "mem":
        return f"{_operand(Operand(token.fields[0]), rng)}(x{rng.randrange(32)})"
    if token in ("rd", "rs1", "rs2"):
        return rng.choice([f"x{rng.randrange(32)}", rng.choice(ABI_NAMES), "fp"])
    if token in ("pred", "succ"):
        return rng.choice(FENCE_SETS)
    field = FIELDS[token]
    edge = [field.lo, field.hi, 0, field.align]
    value = rng.choice(edge + [rng.randrange(field.lo, field.hi + 1, field.align)] * 3)
    return hex(value) if token == "imm20" else str(value)


def _reference_source(rng: random.Random, per_instruction: int) -> str:
    lines = []
    for ins in RV32IM:
        for _ in range(per_instruction if ins.operands else 1):
            ops = ", ".join(_operand(t, rng) for t in ins.operands)
            lines.append(f"{ins.mnemonic} {ops}")
    return "\n".join(lines) + "\n"


def test_every_rv32im_instruction_prints_as_llvm_objdump_does(tmp_path):
    listing = _llvm_listing(_reference_source(random.Random(1), 12), tmp_path)
    seen = set()
    for addr, (word, reference) in listing.items():
        ours = disassemble_word(word, addr)
        assert _normal(ours) == _normal(reference), f"{word:08x} at {addr:#x}"
        seen.add(ours.split()[0])
    assert seen == {ins.mnemonic for ins in RV32IM}


def _word_near(ins, rng: random.Random) -> int:
    """A word with ins's fixed bits and random operand bits, sometimes with one bit flipped."""
    word = ins.match | (rng.getrandbits(32) & ~ins.mask)
    return word ^ (1 << rng.randrange(32)) if rng.random() < 0.3 else word


def _no_toy32_syntax(reference: str) -> bool:
    """llvm-objdump's text names no TOY32 instruction: <unknown>, a non-RV32IM instruction
    (CSR ops, uret, fence.tso...), a fence with an empty set (printed "unknown"), or a shift by
    32..63, which LLVM 14 wrongly decodes on RV32 (the RISC-V spec reserves shamt[5])."""
    words = reference.replace(",", " ").split()
    if not words or words[0] not in {i.mnemonic for i in RV32IM} or "unknown" in words:
        return True
    return words[0] in ("slli", "srli", "srai") and int(words[-1]) > 31


def test_random_words_are_instructions_exactly_when_llvm_objdump_says_so(tmp_path):
    rng = random.Random(2)
    words = [_word_near(rng.choice(RV32IM), rng) | 3 for _ in range(3000)]  # no 16-bit parcels
    source = "".join(f".word {w:#x}\n" for w in words)
    data = 0
    for addr, (word, reference) in _llvm_listing(source, tmp_path).items():
        ours = disassemble_word(word, addr)
        if ours.startswith(".word"):
            assert _no_toy32_syntax(reference), f"{word:08x}: llvm says {reference!r}"
            data += 1
        else:
            assert _normal(ours) == _normal(reference), f"{word:08x}"
    assert 0 < data < len(words) / 2


def _toy32_word(ins, values: dict[str, int]) -> int:
    word = ins.match
    for name in operand_fields(ins):
        word |= FIELDS[name].pack(values[name])
    return word


@pytest.mark.parametrize("ins", TOY32, ids=lambda i: i.mnemonic)
def test_toy32_instructions_print_their_spec_syntax(ins):
    values = {"rd": 10, "rs1": 31, "sr": SR_NUMBERS["tvec"]}
    text = {"rd": "a0", "rs1": "t6", "sr": "tvec"}
    expected = " ".join([ins.mnemonic, ", ".join(text[t] for t in ins.operands)]).strip()
    assert " ".join(disassemble_word(_toy32_word(ins, values)).split()) == expected


def test_special_registers_print_by_name_and_unknown_numbers_are_data():
    mfsr = next(i for i in TOY32 if i.mnemonic == "mfsr")
    for name, number in SR_NUMBERS.items():
        assert disassemble_word(_toy32_word(mfsr, {"rd": 5, "sr": number})).split() == ["mfsr", "t0,", name]
    unknown = max(SR_NUMBERS.values()) + 1
    word = _toy32_word(mfsr, {"rd": 5, "sr": unknown})
    assert disassemble_word(word) == f".word 0x{word:08x}"


def test_branch_targets_are_absolute_with_nearest_label():
    beq = next(i for i in RV32IM if i.mnemonic == "beq")
    word = beq.match | FIELDS["bimm12"].pack(-8)
    text = disassemble_word(word, 0x10010, {"_start": 0x10000, "loop": 0x10004, "end": 0x10020})
    assert text.split() == ["beq", "zero,", "zero,", "0x10008", "<loop+0x4>"]
    assert disassemble_word(word, 0x10010).split() == ["beq", "zero,", "zero,", "0x10008"]


_ANY_WORD = st.one_of(st.integers(0, 2**32 - 1),  # hypothesis favours small numbers; bytes are not
                     st.binary(min_size=4, max_size=4).map(lambda b: int.from_bytes(b, "little")))
_TABLE_WORD = st.tuples(st.sampled_from(INSTRUCTIONS), _ANY_WORD).map(
    lambda p: p[0].match | (p[1] & ~p[0].mask))


@settings(max_examples=2000, deadline=None)
@given(st.one_of(_ANY_WORD, _TABLE_WORD))
def test_every_word_is_an_instruction_that_encodes_back_or_data(word):
    d = decode_exact(word)
    if d is None:
        assert disassemble_word(word) == f".word 0x{word:08x}"
        return
    values = {"rd": d.rd, "rs1": d.rs1, "rs2": d.rs2, "pred": d.pred, "succ": d.succ}
    packed = d.instr.match
    for name in operand_fields(d.instr):
        packed |= FIELDS[name].pack(values.get(name, d.imm))
    assert packed == word
    assert disassemble_word(word).split()[0] == d.mnemonic


# --- ELF listings ----------------------------------------------------------------------------

PROGRAM = """
    .globl _start
    .text
_start:
    addi a0, zero, 5
loop:
    addi a0, a0, -1
    bne a0, zero, loop
    jal ra, func
    lui t0, 0xf0000
    sw a0, 24(t0)
    fence rw, w
    beq a0, a1, 8
    .word 0x0010100f
    blt a0, a1, -12
func:
    jalr zero, 0(ra)
    auipc a0, 0
    lw a1, 0(a0)
    .byte 1, 2
    .data
msg: .ascii "hello\\n"
val: .word 0x1234, msg
    .section .rodata
table: .half 1, 2, 3
    .bss
buf: .zero 64
"""


def _lld_elf(source: str, tmp_path, name: str, *flags: str):
    """Assemble with llvm-mc and link with ld.lld at toyasm's default text base."""
    need("llvm-mc", "ld.lld")
    src, obj, elf = tmp_path / f"{name}.s", tmp_path / f"{name}.o", tmp_path / f"{name}.elf"
    src.write_text(source)
    subprocess.run(["llvm-mc", "-triple=riscv32", "-mattr=+m", "-filetype=obj", str(src), "-o", str(obj)],
                   check=True, capture_output=True, text=True)
    subprocess.run(["ld.lld", f"-Ttext={DEFAULT_TEXT_BASE:#x}", *flags, str(obj), "-o", str(elf)],
                   check=True, capture_output=True, text=True)
    return elf


def _loaded_sections(path) -> dict[str, tuple[int, bytes]]:
    with open(path, "rb") as f:
        elf = ELFFile(f)
        return {s.name: (s["sh_addr"], s.data() if s["sh_type"] != "SHT_NOBITS" else s["sh_size"])
                for s in elf.iter_sections() if s["sh_flags"] & SH_FLAGS.SHF_ALLOC}


def test_listing_shows_address_word_instruction_and_labels(tmp_path):
    elf = _lld_elf(PROGRAM, tmp_path, "prog")
    listing = disassemble_file(str(elf))
    objdump = subprocess.run(["llvm-objdump", "-d", "-M", "no-aliases", "--mattr=+m", str(elf)],
                             check=True, capture_output=True, text=True).stdout
    for m in re.finditer(r"^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} ){4})\s*([a-z].*)$", objdump, re.M):
        word = int.from_bytes(bytes.fromhex(m[2]), "little")
        line = re.search(rf"^/\* {int(m[1], 16):08x}: {word:08x} \*/(.*)$", listing, re.M)
        assert line, f"no line for {m[0]!r}"
        if "<" not in m[3]:
            assert _normal(line[1]) == _normal(m[3])
    for label in ("_start", "loop", "func", "msg", "val", "table", "buf"):
        assert re.search(rf"^/\* [0-9a-f]{{8}}: +\*/ {label}:$", listing, re.M), label
    assert re.search(r"bne +a0, zero, loop +# 0x10004 <loop>$", listing, re.M)
    assert re.search(r"^/\* 00010018: +\*/ .L10018:$", listing, re.M)  # a target without a symbol
    assert re.search(r"beq +a0, a1, .L10024 +# 0x10024 <loop\+0x20>$", listing, re.M)
    assert re.search(r"blt +a0, a1, .L10018 +# 0x10018 <loop\+0x14>$", listing, re.M)
    assert re.search(r"^/\* 00010034: 01 02 +\*/ +.byte +0x01, 0x02$", listing, re.M)
    assert ".word   0x0010100f" in listing  # fence.i with reserved bits set is data


@pytest.mark.parametrize("strip", [False, True], ids=["symbols", "stripped"])
def test_listing_reassembles_with_llvm_mc_to_identical_sections(tmp_path, strip):
    flags = ("-s",) if strip else ()
    elf = _lld_elf(PROGRAM, tmp_path, "prog", *flags)
    again = _lld_elf(disassemble_file(str(elf)), tmp_path, "again", *flags)
    assert _loaded_sections(again) == _loaded_sections(elf)


def test_flat_image_listing_reassembles(tmp_path):
    elf = _lld_elf(PROGRAM, tmp_path, "prog")
    image = tmp_path / "prog.bin"
    image.write_bytes(_loaded_sections(elf)[".text"][1])
    again = _lld_elf(disassemble_file(str(image), base=DEFAULT_TEXT_BASE), tmp_path, "again")
    assert _loaded_sections(again)[".text"][1] == image.read_bytes()


def test_files_that_are_not_risc_v_executables_are_reported(tmp_path):
    elf = _lld_elf(PROGRAM, tmp_path, "prog")
    data = elf.read_bytes()
    cases = {"text.txt": b"hello\n", "truncated.elf": data[:100],
             "x86.elf": data[:18] + (62).to_bytes(2, "little") + data[20:]}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(DisasmError, match=re.escape(str(tmp_path / name))):
            disassemble_file(str(tmp_path / name))
    with pytest.raises(DisasmError, match="No such file"):
        disassemble_file(str(tmp_path / "missing.elf"))


# --- round trip through toyasm: disassemble, assemble the listing, same bytes ------------------

ROUND_TRIP_PROGRAMS = {
    "everything": """
    .globl _start
_start:
    li a0, 0x12345678
    la a1, msg
    call func
    mfsr t0, epc
    mtsr tvec, t0
    rdpsw t1
    wrpsw t1
    ldpmar t2
    stpmar t2
    rti
    tlbflush
    hypercall
    svc
    ebreak
    fence
    fence.i
1:  bnez a0, 1b
    j 2f
    .word 0xffffffff, 0x0010100f, 0x0000000f
2:  halt
    jal zero, 0x800          # past the end of every section
    jal zero, -0x8000        # below every section
    beq a0, a1, -0x40
func:
    ret
    .byte 1, 2, 3
    .section .rodata
ro: .asciz "ro"
    .data
msg: .string "hi"
    .p2align 3
d8:  .word 1, 2, msg
odd: .byte 7
    .bss
buf:  .zero 10
""",
    "no labels": """
    addi a0, zero, 3
    addi a0, a0, -1
    bnez a0, .-4
    beq zero, zero, .+8
    .half 0x1234
    .byte 9
""",
}


def _loaded(elf_bytes: bytes) -> tuple:
    """What a loader sees: entry, segments (vaddr, paddr, bytes, memsz, flags), and the
    allocated sections (name, address, size, bytes)."""
    elf = ELFFile(io.BytesIO(elf_bytes))
    segments = [(p["p_vaddr"], p["p_paddr"], p.data(), p["p_memsz"], p["p_flags"])
                for p in elf.iter_segments() if p["p_type"] == "PT_LOAD"]
    sections = [(s.name, s["sh_addr"], s["sh_size"], s.data() if s["sh_type"] != "SHT_NOBITS" else b"")
                for s in elf.iter_sections() if s["sh_flags"] & SH_FLAGS.SHF_ALLOC]
    return elf.header["e_entry"], segments, sections


def _symbols(elf_bytes: bytes) -> set:
    symtab = ELFFile(io.BytesIO(elf_bytes)).get_section_by_name(".symtab")
    return {(s.name, s["st_value"], s["st_info"]["bind"]) for s in symtab.iter_symbols()
            if s["st_info"]["type"] != "STT_FILE"}


def _round_trip(elf_bytes: bytes, tmp_path) -> bytes:
    path = tmp_path / "prog.elf"
    path.write_bytes(elf_bytes)
    return assemble_source(disassemble_file(str(path)), "listing.s").to_elf()


@pytest.mark.parametrize("name", ROUND_TRIP_PROGRAMS)
def test_listing_assembles_to_identical_bytes_and_symbols(tmp_path, name):
    original = assemble_source(ROUND_TRIP_PROGRAMS[name], "prog.s").to_elf()
    again = _round_trip(original, tmp_path)
    assert _loaded(again) == _loaded(original)
    assert _symbols(again) == _symbols(original)


def test_listing_of_a_multi_file_program_round_trips(tmp_path):
    files = [("a.s", ".globl _start\n_start: call f\nloop: j loop\n.data\nx: .word 1\n"),
             ("b.s", ".globl f\nf: la a0, x\nloop: bnez a0, loop\nret\n.data\nx: .word 2\n")]
    original = assemble_sources(files).to_elf()
    assert _loaded(_round_trip(original, tmp_path)) == _loaded(original)


@pytest.mark.parametrize("layout", [["--text-base", "0x80000000", "--phys-base", "0x20000"],
                                    ["--data-base", "0x400000"],
                                    ["--format", "bin", "--base", "0x1000"]], ids=" ".join)
def test_toyasm_disasm_listing_rebuilds_with_the_options_it_names(tmp_path, layout):
    source, first, listing, second = (tmp_path / n for n in ("p.s", "p.out", "p.lst", "q.out"))
    source.write_text(ROUND_TRIP_PROGRAMS["everything"])
    runner = CliRunner()
    assert runner.invoke(toyasm, ["build", *layout, str(source), "-o", str(first)]).exit_code == 0
    image = layout[layout.index("--base"):][:2] if "--base" in layout else []  # a flat image's base
    result = runner.invoke(toyasm, ["disasm", *image, str(first)])
    assert result.exit_code == 0, result.output
    listing.write_text(result.output)
    command = re.search(r"^#   toyasm build (.*) LISTING\.s$", result.output, re.M)[1].split()
    assert sorted(command) == sorted(layout)
    assert runner.invoke(toyasm, ["build", *command, str(listing), "-o", str(second)]).exit_code == 0
    if "bin" in layout:
        assert second.read_bytes() == first.read_bytes()
    else:
        assert _loaded(second.read_bytes()) == _loaded(first.read_bytes())


_JUMPS = [ins for ins in INSTRUCTIONS if ins.kind in ("jal", "branch")]
_JUMP_WORD = st.tuples(st.sampled_from(_JUMPS), _ANY_WORD).map(lambda p: p[0].match | (p[1] & ~p[0].mask))
_WORDS = st.lists(st.one_of(_ANY_WORD, _TABLE_WORD, _JUMP_WORD), min_size=1, max_size=40)


@settings(max_examples=100, deadline=None)
@given(code=_WORDS, data=st.binary(max_size=11), labels=st.sets(st.integers(0, 39), max_size=4))
def test_random_code_round_trips(tmp_path_factory, code, data, labels):
    lines = [".globl _start", "_start:"]
    for i, word in enumerate(code):
        lines += [f"l{i}:"] * (i in labels) + [f".word {word:#x}"]
    lines += [".data", "d:"] + [f".byte {b}" for b in data]
    original = assemble_source("\n".join(lines) + "\n", "prog.s").to_elf()
    again = _round_trip(original, tmp_path_factory.mktemp("rt"))
    assert _loaded(again) == _loaded(original)
