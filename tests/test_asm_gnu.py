"""What the RISC-V ecosystem's test suites (riscv-tests, riscv-arch-test) need of an
assembler, checked against llvm-mc and GNU as byte for byte: string conditionals, R-type
mnemonics with an immediate, ';' everywhere (one-line macros), unimp, .insn, .option and
.attribute; then test programs in the suites' style (tests/asm_suite/) built by toyasm and by
llvm-mc to the same bytes, run on qemu-riscv32, toyvm --syscalls linux and the bare machine.
Every case is a row of a table; GNU as comparisons skip where it is not installed."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from asm.api import assemble_source
from asm.errors import AsmErrors
from asm_oracle import gnu_text, llvm_linked, llvm_text, need, toyasm_linked, words

ROOT = Path(__file__).resolve().parent.parent
SUITE = ROOT / "tests" / "asm_suite"
BIN = Path(sys.executable).parent


def _branches(directive: str, operands: str) -> str:
    return f"{directive} {operands}\n addi a0, a0, 1\n.else\n addi a0, a0, 2\n.endif\n"


CONDITIONALS = [
    (".ifc", "a0, a0"), (".ifc", "a0,a0"), (".ifc", "a0, a1"), (".ifc", "x0, zero"),
    (".ifc", "a b, a b"), (".ifc", " a0 ,  a0 "), (".ifc", ", "), (".ifc", "a0,"),
    (".ifnc", "a0, a0"), (".ifnc", "a0, a1"),
    (".ifeqs", '"ab", "ab"'), (".ifeqs", '"ab", "aB"'), (".ifeqs", '"", ""'),
    (".ifnes", '"ab", "ab"'), (".ifnes", '"ab", "ab "'),
    (".ifb", ""), (".ifb", "x"), (".ifb", "  # comment"), (".ifnb", ""), (".ifnb", "a b"),
]
IMM_ALIASES = [(op, imm) for op in ("add", "and", "or", "xor", "slt", "sltu")
               for imm in ("0", "1", "-1", "2047", "-2048", "0x7ff", "(3+4)", "-(8)")] + \
              [(op, imm) for op in ("sll", "srl", "sra") for imm in ("0", "1", "17", "31")]
SEMICOLONS = [
    ".macro init; .endm\ninit\nnop\n",
    ".macro inc r; addi \\r, \\r, 1; .endm\ninc a0; inc a1\n",
    ".macro two r\n addi \\r, \\r, 1; addi \\r, \\r, 2\n.endm\ntwo a2\n",
    ".macro m\n nop; .endm\nm; m\n",
    ".macro outer; .macro inner; nop; .endm; .endm\nouter\ninner\n",
    ".rept 3; addi a0, a0, 1; .endr\n",
    ".irp r, a0, a1; addi \\r, \\r, 3; .endr\n",
    ".irpc d, 123; addi a0, a0, \\d; .endr\n",
    "x: ; y: addi a0, a0, 1 ; ; z: nop ;\n",
    ".if 1; nop; .else; unimp; .endif\n",
    ".macro m a, b=5\n.ifb \\a; addi a0, a0, \\b; .else; addi a0, a0, \\a; .endif\n.endm\nm; m 7\n",
    ".macro lbl n; .Ll\\n: addi a0, a0, \\n; .endm\nlbl 1; lbl 2\n",
    "unimp\nnop; unimp; nop\n",
]
# .insn in every format (opcode numbers, and names both assemblers know); target operands
# are labels (llvm-mc 14 encodes a number in .insn j as if it were a U-type immediate)
INSN = [
    ".insn r 0x33, 0, 0, a0, a1, a2", ".insn r 0x0b, 7, 127, x31, x0, t6",
    ".insn r OP, 0, 0x20, s0, s1, s2", ".insn r4 0x43, 0, 3, a0, a1, a2, a3",
    ".insn r 0x43, 1, 2, a0, a1, a2, a3", ".insn i 0x13, 0, a0, a1, -2048",
    ".insn i OP_IMM, 7, a0, a1, 2047", ".insn i LOAD, 2, a0, 8(a1)",
    ".insn i JALR, 0, ra, -4(t0)", ".insn s STORE, 2, a0, 8(a1)",
    ".insn s 0x23, 0, t0, -2048(sp)", ".insn u LUI, a0, 0xfffff", ".insn u AUIPC, a0, 0",
    ".insn u 0x37, t1, 0x12345", ".insn i SYSTEM, 0, x0, x0, 0",
    "1: .insn b BRANCH, 1, a0, a1, 1b", ".insn sb 0x63, 0, a0, a1, 1f\n1: nop",
    "1: .insn j JAL, x0, 1b", ".insn uj 0x6f, ra, 1f\n nop\n1: nop",
    ".insn i 0x13, 0, a0, a1, %lo(0x12345)", ".insn u 0x37, a0, %hi(0x12345678)",
    ".insn r 0x33, 0, 0, a0, a1, a2; .insn i 0x13, 0, a0, a0, 1",
]
# GNU as's opcode names that llvm-mc 14 does not know, and a base register without an offset
# (which it does not take either): against GNU as only
INSN_GNU = [".insn i 0x03, 4, a0, (a1)", ".insn r CUSTOM_0, 0, 0, a0, a1, a2",
            ".insn i CUSTOM_1, 1, a0, a1, 5",
            ".insn r CUSTOM_2, 2, 3, a0, a1, a2", ".insn r CUSTOM_3, 7, 0, t0, t1, t2"]
OPTIONS = [
    ".option push\n.option norvc\nli a0, 0x12345678\n.option pop\n",
    ".option push; .option norvc; li x4, ((0x7fffffff) & 0xFFFFFFFF); .option pop\n",
    ".option relax\n.option norelax\n.option pic\n.option nopic\nnop\n",
    '.attribute arch, "rv32i2p0_m2p0"\n.attribute unaligned_access, 0\n'
    '.attribute stack_align, 16\n.attribute 5, "rv32i2p0"\nnop\n',
]
GNU_ONLY_OPTIONS = [".option arch, +m\nnop\n", ".option arch, rv32im\nnop\n",
                    ".option push\n.option arch, +zicsr, -c\n.option pop\nnop\n",
                    '.attribute Tag_RISCV_arch, "rv32i2p0_m2p0"\nnop\n',
                    ".option csr-check\n.option no-csr-check\nnop\n"]


def _same(source: str, theirs: bytes) -> None:
    assert words(assemble_source(source).text) == words(theirs), source


@pytest.mark.parametrize("directive, operands", CONDITIONALS)
def test_string_conditionals_as_llvm_mc_and_gnu_as(directive, operands):
    source = _branches(directive, operands)
    if operands.strip() in (",", "a0,"):      # GNU as and llvm-mc disagree on empty strings
        _same(source, llvm_text(source))
        return
    _same(source, llvm_text(source))
    _same(source, gnu_text(source))


def test_nested_conditionals_choose_like_llvm_mc():
    lines = []
    for a, b in (("x1", "x1"), ("x1", "x2"), ("x0", "zero")):
        lines += [f".ifc {a}, {b}", ".ifnc a, b", "addi a0, a0, 1", ".elseif 0", "unimp",
                  ".else", "unimp", ".endif", ".else", f".ifb {a}", "unimp", ".else",
                  "addi a1, a1, 1", ".endif", ".endif"]
    source = "\n".join(lines) + "\n"
    _same(source, llvm_text(source))


@pytest.mark.parametrize("mnemonic, imm", IMM_ALIASES)
def test_register_mnemonics_with_an_immediate(mnemonic, imm):
    source = f"{mnemonic} a0, a1, {imm}\n{mnemonic} x1, x1, {imm}\n"
    _same(source, llvm_text(source))
    _same(source, gnu_text(source))


def test_immediate_alias_takes_symbols_defined_by_then():
    source = ".equ K, 12\nadd a0, a1, K\nsra a0, a0, K-10\n"
    _same(source, llvm_text(source))


@pytest.mark.parametrize("source", SEMICOLONS)
def test_semicolons_and_one_line_macros(source):
    _same(source, llvm_text(source))
    if "outer" not in source:     # (GNU as does not take a definition inside a one-line body)
        _same(source, gnu_text(source))


@pytest.mark.parametrize("line", INSN)
def test_insn_as_llvm_mc(line):
    source = line + "\n"
    _same(source, llvm_text(source))


@pytest.mark.parametrize("line", [x for x in INSN if "1b" not in x and "1f" not in x
                                  and "%" not in x] + INSN_GNU)
def test_insn_as_gnu_as(line):
    source = line + "\n"
    _same(source, gnu_text(source))


def test_insn_encodes_toy32_instructions_like_the_llvm_prelude():
    """Each TOY32 instruction written with .insn (as tests/toy32_llvm.py does for llvm-mc)
    assembles to the word toyasm gives its mnemonic."""
    from isa import INSTRUCTIONS
    for ins in INSTRUCTIONS:
        if ins.ext != "TOY32":
            continue
        opcode, f3, f7 = ins.match & 0x7F, (ins.match >> 12) & 7, ins.match >> 25
        ops = {op: {"rd": "a0", "rs1": "a1", "sr": "scratch"}[op] for op in ins.operands}
        if "sr" in ins.operands:
            insn = f".insn i CUSTOM_0, {f3}, {ops.get('rd', 'x0')}, {ops.get('rs1', 'x0')}, 5"
        else:
            insn = (f".insn r {opcode}, {f3}, {f7}, {ops.get('rd', 'x0')}, "
                    f"{ops.get('rs1', 'x0')}, x0")
        mine = assemble_source(f"{ins.mnemonic} {', '.join(ops.values())}\n").text
        assert assemble_source(insn + "\n").text == mine, ins.mnemonic


@pytest.mark.parametrize("source", OPTIONS)
def test_options_and_attributes_as_llvm_mc(source):
    _same(source, llvm_text(source))


@pytest.mark.parametrize("source", GNU_ONLY_OPTIONS)
def test_options_llvm_mc_14_lacks_as_gnu_as(source):
    _same(source, gnu_text(source))


def _errors(source: str) -> list[tuple[int, int, str]]:
    with pytest.raises(AsmErrors) as e:
        assemble_source(source, name="t.s")
    return [(d.where.line, d.where.col, d.message) for d in e.value.errors]


@pytest.mark.parametrize("source, expected", [
    (".ifc a0\nnop\n.endif\n", (1, 1, "'.ifc' takes two strings separated by a comma")),
    (".ifeqs a, \"b\"\n.endif\n", (1, 8, "'.ifeqs' takes two strings in double quotes")),
    (".option pop\n", (1, 9, ".option pop with no .option push")),
    (".option arch, m\n", (1, 15, "m: ISA string must begin with rv32 or rv64")),
    (".option arch, rv64i\n", (1, 15, "TOY32 is a 32-bit machine")),
    (".attribute Tag_foo, 1\n", (1, 12, "attribute name not recognised: Tag_foo")),
    (".insn q 0x33\n", (1, 7, "unknown instruction format 'q'")),
    (".insn\n", (1, 6, "expected an instruction format")),
    (".insn r 0x32, 0, 0, a0, a1, a2\n", (1, 9, "the opcode must be a major opcode name")),
    (".insn r FOO, 0, 0, a0, a1, a2\n", (1, 9, "unknown opcode name 'FOO'")),
    (".insn r 0x33, 8, 0, a0, a1, a2\n", (1, 15, "func3 must be an integer in the range [0, 7]")),
    (".insn r 0x33, 0, 128, a0, a1, a2\n", (1, 18, "func7 must be an integer")),
    (".insn i 0x13, 0, a0, a1, 2048\n", (1, 26, "immediate 2048 out of range")),
    (".insn r 0x33, 0, 0, a0, a1, q9\n", (1, 29, "invalid register 'q9'")),
    (".insn s 0x23, 0, a0, a1\n", (1, 22, "expected a memory operand")),
    (".insn r 0x33, 0, 0, a0, a1, +\n", (1, 30, "unexpected end of line")),
    (".insn u 0x37, a0, 0x100000\n", (1, 19, "immediate 1048576 out of range")),
    ("add a0, a1, 2048\n", (1, 13, "immediate 2048 out of range")),
    ("sll a0, a1, 32\n", (1, 13, "immediate 32 out of range")),
    ("add a0, a1, a9\n", (1, 13, "invalid register 'a9'")),
    ("unimp a0\n", (1, 9, "'unimp' takes 0 operands")),
    (".macro m; nop\n", (1, 1, "'.macro' without a matching '.endm'")),
    ("nop; .irp r, a0; nop\n", (1, 6, "'.irp' without a matching '.endr'")),
])
def test_errors_in_the_new_forms(source, expected):
    line, col, message = expected
    got = _errors(source)
    assert (got[0][0], got[0][1]) == (line, col), got
    assert got[0][2].startswith(message), got


def test_rvc_is_a_warning_that_changes_nothing():
    exe = assemble_source(".option rvc\naddi a0, a0, 1\n.option arch, +c\nnop\n")
    assert words(exe.text) == ["13051500", "13000000"]   # 32-bit encodings all the same
    assert [w.message for w in exe.warnings if w.severity == "warning"] == [
        "TOY32 has no compressed instructions: toyasm keeps emitting 32-bit encodings "
        "(GNU as and llvm-mc would emit 16-bit ones from here)"]


# --- the executable's mode ---------------------------------------------------------------------
EXIT_7 = ".globl _start\n_start: li a0, 7\n li a7, 93\n ecall\n"


@pytest.mark.parametrize("umask, mode", [(0o022, 0o755), (0o027, 0o750), (0o077, 0o700)])
def test_the_executable_is_executable_as_ld_lld_writes_it(tmp_path, umask, mode):
    src = tmp_path / "p.s"
    src.write_text(EXIT_7)
    out = tmp_path / "p.elf"
    out.write_bytes(b"old")
    out.chmod(0o600)     # an older file's mode does not stay (ld.lld replaces the file)
    done = subprocess.run(["bash", "-c", f"umask {umask:03o}; '{BIN / 'toyasm'}' build "
                           f"'{src}' -o '{out}'"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == mode
    assert not [p for p in tmp_path.iterdir() if "toyasm-" in p.name]   # no temporary left
    if shutil.which("qemu-riscv32"):      # (qemu-user refuses a file without the x bit)
        assert subprocess.run(["qemu-riscv32", str(out)]).returncode == 7


def test_a_flat_image_and_dev_null_are_written_in_place(tmp_path):
    src = tmp_path / "p.s"
    src.write_text(EXIT_7)
    done = subprocess.run([str(BIN / "toyasm"), "build", str(src), "-o", os.devnull],
                          capture_output=True, text=True)
    assert done.returncode == 0 and stat.S_ISCHR(os.stat(os.devnull).st_mode)
    out = tmp_path / "p.bin"
    subprocess.run([str(BIN / "toyasm"), "build", "--format", "bin", str(src), "-o", str(out)],
                   check=True)
    assert not stat.S_IMODE(out.stat().st_mode) & 0o111


# --- test programs in the suites' style --------------------------------------------------------
PROGRAMS = ["rv32ui_alu", "rv32um_muldiv", "arch_style"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Each program built by toyasm for Linux and for the bare machine."""
    out = tmp_path_factory.mktemp("suite")
    paths = {}
    for name in PROGRAMS:
        for bare in (False, True):
            elf = out / f"{name}{'-bare' if bare else ''}.elf"
            cmd = [str(BIN / "toyasm"), "build", str(SUITE / f"{name}.s"), "-o", str(elf)]
            done = subprocess.run(cmd + (["--defsym", "BARE=1"] if bare else []),
                                  capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
            paths[name, bare] = elf
    return paths


@pytest.mark.parametrize("name", PROGRAMS)
@pytest.mark.parametrize("bare", [False, True])
def test_suite_programs_assemble_to_llvm_mc_bytes(name, bare):
    source = (SUITE / f"{name}.s").read_text()
    options = ["-I", str(SUITE)] + (["--defsym", "BARE=1"] if bare else [])
    ours = toyasm_linked(source, include_dirs=[str(SUITE)],
                         defsyms={"BARE": 1} if bare else None)
    theirs = llvm_linked(source, options=options)
    assert ours.keys() == theirs.keys()
    for section in ours:
        assert ours[section][0] == theirs[section][0], section
        assert words(ours[section][1]) == words(theirs[section][1]), section


def _run(cmd) -> tuple[int, str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout


@pytest.mark.parametrize("name", PROGRAMS)
def test_suite_programs_pass_on_qemu_and_both_toyvm_machines(built, name):
    """Exit status 0 (every self-check passed) and the same signature everywhere."""
    status, signature = _run([str(BIN / "toyvm"), "run", "--syscalls", "linux",
                              str(built[name, False])])
    assert status == 0, f"case {status} failed"
    words_out = signature.split()
    assert len(words_out) > 20 and all(len(w) == 8 for w in words_out)
    assert _run([str(BIN / "toyvm"), "run", str(built[name, True])]) == (0, signature)
    if shutil.which("qemu-riscv32"):
        assert _run(["qemu-riscv32", str(built[name, False])]) == (0, signature)


def test_a_failing_case_exits_with_its_number(tmp_path):
    """The self-check can fail: a wrong expected value stops at that case."""
    text = (SUITE / "rv32ui_alu.s").read_text().replace(
        "TEST_RR 3, add, x14, x1, x2, 0xffffffff", "TEST_RR 3, add, x14, x1, x2, 0xfffffffe")
    src = tmp_path / "bad.s"
    src.write_text(text)
    elf = tmp_path / "bad.elf"
    subprocess.run([str(BIN / "toyasm"), "build", "-I", str(SUITE), str(src), "-o", str(elf)],
                   check=True)
    status, out = _run([str(BIN / "toyvm"), "run", "--syscalls", "linux", str(elf)])
    assert (status, out) == (3, "")
    need("qemu-riscv32")
    assert _run(["qemu-riscv32", str(elf)]) == (3, "")
