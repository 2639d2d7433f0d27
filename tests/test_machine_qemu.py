"""Differential tests against qemu-riscv32: the same ELF, run by `toyvm run --syscalls linux` and
by qemu-user, must print the same bytes and exit with the same status.

Hypothesis generates straight-line and looping RV32IM programs (assembled and linked with the
LLVM tools, so our own assembler is not involved) that compute into registers and memory and
then write every register out with the write system call. Clang compiles the C programs of
tests/c at -O0 and -O2 against bench/crt0.c. The in-process runs are also repeated with
translation on (user mode through an identity page map) to cover the translated fast paths."""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from isa.machine import PAGE_SHIFT, PAGE_SIZE, PMAR_ON, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X
from toy32_llvm import build, need_tools
from vmm.machine import ConsoleInput, ConsoleOutput, LinuxSyscalls, Machine, load_executable

ROOT = Path(__file__).resolve().parents[1]
C_PROGRAMS = sorted((ROOT / "tests" / "c").glob("*.c"))


def qemu(elf: Path, stdin: bytes = b"") -> tuple[int, bytes]:
    if shutil.which("qemu-riscv32") is None:
        pytest.skip("qemu-riscv32 not installed")
    done = subprocess.run(["qemu-riscv32", str(elf)], input=stdin, capture_output=True, timeout=60)
    return done.returncode, done.stdout


def toyvm_cli(elf: Path, stdin: bytes = b"") -> tuple[int, bytes]:
    done = subprocess.run([sys.executable, "-m", "vmm.cli", "run", "--syscalls", "linux", str(elf)],
                          input=stdin, capture_output=True, timeout=120, cwd=ROOT)
    assert b"Traceback" not in done.stderr, done.stderr.decode()
    return done.returncode, done.stdout


def identity_map(m: Machine) -> None:
    """Translation on, every page of RAM mapped to itself for user mode (maps at the top of RAM)."""
    pages = m.mem.size >> PAGE_SHIFT
    tables = (pages + 1023) // 1024
    root = m.mem.size - PAGE_SIZE * (tables + 1)
    for i in range(tables):
        l2 = root + PAGE_SIZE * (i + 1)
        m.write_word(root + 4 * i, l2 | PTE_V)
        for j in range(min(1024, pages - 1024 * i)):
            m.write_word(l2 + 4 * j, (1024 * i + j) << PAGE_SHIFT | PTE_V | PTE_R | PTE_W | PTE_X | PTE_U)
    m.set_pmar(root | PMAR_ON)


def toyvm_inprocess(elf: Path, stdin: bytes = b"", paged: bool = False,
                    mem: int = 16 << 20) -> tuple[int, bytes]:
    """The same run as `toyvm run --syscalls linux`, without the process start-up; with
    ``paged`` the program runs with translation on through an identity map."""
    out = io.BytesIO()
    m = Machine(mem, console_in=ConsoleInput.from_bytes(stdin), console_out=ConsoleOutput(out))
    LinuxSyscalls(m, load_executable(m, str(elf), use_vaddr=True), stderr=io.BytesIO())
    if paged:
        identity_map(m)
    stop = m.run(5_000_000)
    assert stop.kind in ("exit", "crash"), stop
    return stop.exit_status, out.getvalue()


# --- generated programs -----------------------------------------------------------------------
# s11 points at a 256-byte scratch buffer, s10 and s8 count loop iterations; the rest are free.
# Leaf functions f0.. (called with `call` or through a register) keep ra intact.
FREE = ["ra", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s9", "t3", "t4", "t5", "t6"]
LEAF_FREE = [r for r in FREE if r != "ra"]
REG_OPS = ["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
           "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"]
IMM_OPS = ["addi", "slti", "sltiu", "xori", "ori", "andi"]
SHIFT_OPS = ["slli", "srli", "srai"]
LOADS = [("lb", 1), ("lbu", 1), ("lh", 2), ("lhu", 2), ("lw", 4)]
STORES = [("sb", 1), ("sh", 2), ("sw", 4)]
BRANCHES = ["beq", "bne", "blt", "bge", "bltu", "bgeu"]
interesting = st.sampled_from([0, 1, -1, 2, 31, 32, -2048, 2047, 0x7FFFFFFF, -0x80000000, 0x12345678, -7])
values = st.one_of(interesting, st.integers(-2**31, 2**31 - 1))


@st.composite
def instruction(draw, labels, regs, functions=0, loops=False):
    """One generated statement: an instruction, a forward branch over a few, a call of one of
    ``functions`` leaf functions, or (with ``loops``) a counted inner loop."""
    reg, src = st.sampled_from(regs), st.sampled_from(regs + ["zero"])
    kinds = ["reg", "reg", "imm", "shift", "lui", "load", "store", "branch"]
    kinds += ["call"] * bool(functions) + ["loop"] * loops
    kind = draw(st.sampled_from(kinds))
    if kind == "reg":
        return f"{draw(st.sampled_from(REG_OPS))} {draw(reg)}, {draw(src)}, {draw(src)}"
    if kind == "imm":
        return f"{draw(st.sampled_from(IMM_OPS))} {draw(reg)}, {draw(src)}, {draw(st.integers(-2048, 2047))}"
    if kind == "shift":
        return f"{draw(st.sampled_from(SHIFT_OPS))} {draw(reg)}, {draw(src)}, {draw(st.integers(0, 31))}"
    if kind == "lui":
        return f"{draw(st.sampled_from(['lui', 'auipc']))} {draw(reg)}, {draw(st.integers(0, 0xFFFFF))}"
    if kind in ("load", "store"):
        op, width = draw(st.sampled_from(LOADS if kind == "load" else STORES))
        offset = draw(st.integers(0, 255 // width)) * width
        target = draw(reg) if kind == "load" else draw(src)
        return f"{op} {target}, {offset}(s11)"
    if kind == "call":
        f = draw(st.integers(0, functions - 1))
        return draw(st.sampled_from([f"call f{f}", f"la t6, f{f}\njalr ra, 0(t6)"]))
    labels[0] += 1
    label = f"L{labels[0]}"
    if kind == "loop":
        body = draw(st.lists(instruction(labels, regs, functions), min_size=1, max_size=6))
        return "\n".join([f"li s8, {draw(st.integers(1, 6))}", f"{label}:"] + body
                         + ["addi s8, s8, -1", f"bnez s8, {label}"])
    skipped = draw(st.lists(st.builds(lambda r, s, i: f"addi {r}, {s}, {i}", reg, src,
                                      st.integers(-2048, 2047)), min_size=1, max_size=3))
    return "\n".join([f"{draw(st.sampled_from(BRANCHES))} {draw(src)}, {draw(src)}, {label}"]
                     + skipped + [f"{label}:"])


@st.composite
def program(draw):
    labels = [0]
    functions = draw(st.integers(0, 3))
    init = [f"li {r}, {draw(values)}" for r in FREE]
    body = draw(st.lists(instruction(labels, FREE, functions, loops=True), min_size=1, max_size=24))
    loop = draw(st.lists(instruction(labels, FREE, functions, loops=True), min_size=0, max_size=10))
    iterations = draw(st.integers(1, 20))
    dump = [f"sw {r}, {4 * i}(s9)" for i, r in enumerate(FREE) if r != "s9"]
    lines = (["la s11, scratch"] + init + body
             + [f"li s10, {iterations}", "loop:"] + loop + ["addi s10, s10, -1", "bnez s10, loop",
                                                          "mv s10, s9", "la s9, out"] + dump
             + ["sw s10, 128(s9)", "li a0, 1", "mv a1, s9", "li a2, 132", "li a7, 64", "ecall",
                "li a0, 1", "mv a1, s11", "li a2, 256", "li a7, 64", "ecall",
                "lbu a0, 7(s9)", "li a7, 93", "ecall"])
    for f in range(functions):
        lines += [f"f{f}:"] + draw(st.lists(instruction(labels, LEAF_FREE), min_size=0, max_size=8)) + ["ret"]
    text = "\n".join(line for statement in lines for line in statement.split("\n"))
    return (".text\n.globl _start\n_start:\n"
            + "\n".join("    " + x if not x.endswith(":") else x for x in text.split("\n"))
            + "\n.data\n.p2align 2\nscratch: .space 256\nout: .space 132\n")


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(source=program())
def test_generated_programs_match_qemu(tmp_path, source):
    need_tools()
    elf = build(tmp_path, source, prelude=False)
    expected = qemu(elf)
    assert toyvm_inprocess(elf) == expected
    assert toyvm_inprocess(elf, paged=True) == expected
    assert toyvm_inprocess(elf, mem=12 << 20) == expected     # RAM size not a power of two


# --- clang-compiled C programs --------------------------------------------------------------
def compile_c(tmp_path: Path, source: Path, opt: str) -> Path:
    if shutil.which("clang") is None or shutil.which("ld.lld") is None:
        pytest.skip("clang/ld.lld not installed")
    elf = tmp_path / f"{source.stem}{opt}.elf"
    subprocess.run(["clang", "--target=riscv32", "-march=rv32im", "-mabi=ilp32", opt, "-nostdlib",
                    "-ffreestanding", "-fno-builtin", "-fuse-ld=lld", f"-I{ROOT / 'bench'}", "-o", elf,
                    ROOT / "bench" / "crt0.c", source], check=True, capture_output=True)
    return elf


@pytest.mark.parametrize("opt", ["-O0", "-O2"])
@pytest.mark.parametrize("source", C_PROGRAMS, ids=[p.stem for p in C_PROGRAMS])
def test_c_programs_match_qemu(tmp_path, source, opt):
    elf = compile_c(tmp_path, source, opt)
    status, out = qemu(elf)
    assert len(out) > 10
    assert toyvm_cli(elf) == (status, out)
    assert toyvm_inprocess(elf, paged=True) == (status, out)


def test_read_syscall_and_brk_match_qemu(tmp_path):
    source = tmp_path / "io.c"
    source.write_text("""
#include "crt0.h"
int main(void) {
    char buf[8];
    long n, total = 0;
    while ((n = syscall3(63, 0, (long)buf, sizeof buf)) > 0) { put(buf, n); total += n; }
    long start = syscall3(214, 0, 0, 0);
    long grown = syscall3(214, start + 8192, 0, 0);
    char *heap = (char *)start;
    heap[8191] = 'z';
    put(heap + 8191, 1);
    putdec(grown - start);
    putdec(syscall3(999, 0, 0, 0));        /* unknown: -ENOSYS */
    return total;
}
""")
    elf = compile_c(tmp_path, source, "-O2")
    data = b"some input that spans several reads\n"
    assert toyvm_cli(elf, data) == qemu(elf, data)


def test_fault_kills_the_program_like_qemu(tmp_path):
    need_tools()
    elf = build(tmp_path, ".text\n.globl _start\n_start:\n    li a0, 0x7ffff000\n    lw a0, 0(a0)\n",
                prelude=False)
    status, _ = toyvm_cli(elf)
    assert status == 128 + 11                 # as a shell reports SIGSEGV
    assert qemu(elf)[0] == -11                # qemu-user kills itself with the signal
