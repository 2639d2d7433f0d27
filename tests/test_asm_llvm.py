"""toyasm against llvm-mc 14 (-triple=riscv32 -mattr=+m, no relaxation): the same source must
give the same bytes. Code that needs relocations is linked by ld.lld at toyasm's layout."""
from __future__ import annotations

import itertools
import random

import pytest

from isa import INSTRUCTIONS
from isa.machine import ABI_NAMES
from asm_oracle import llvm_linked, llvm_text, toyasm_linked, toyasm_text, words
from toy32_llvm import PRELUDE as TOY32_INSN_PRELUDE

REGS = [f"x{i}" for i in range(32)] + list(ABI_NAMES) + ["fp"]
SAMPLES = {
    "imm12": ["-2048", "-1", "0", "1", "2047", "0x7ff", "-0x800"],
    "shamt": ["0", "1", "17", "31"],
    "imm20": ["0", "1", "0x12345", "0xfffff", "1048575"],
    "bimm12": ["-4096", "-2", "0", "2", "0x7fe", "4094"],
    "jimm20": ["-1048576", "-2", "0", "2", "0xffffe", "1048574"],
    "pred": ["iorw", "i", "o", "r", "w", "rw", "io", "ow"],
    "succ": ["iorw", "w", "r", "rw", "ior"],
}


def _assert_same(source: str, ours: bytes, theirs: bytes) -> None:
    if ours == theirs:
        return
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().endswith(":")]
    mine, ref = words(ours), words(theirs)
    for i, (a, b) in enumerate(itertools.zip_longest(mine, ref)):
        if a != b:
            context = lines[i] if i < len(lines) else "?"
            pytest.fail(f"word {i} differs: toyasm {a} llvm-mc {b} (near '{context}')")


def _operand_lines(ins, rng: random.Random, count: int) -> list[str]:
    lines = []
    for k in range(count):
        ops = []
        for token in ins.operands:
            if token.kind == "mem":
                imm = SAMPLES["imm12"][k % len(SAMPLES["imm12"])]
                ops.append(f"{imm}({rng.choice(REGS)})")
            elif token in ("rd", "rs1", "rs2"):
                ops.append(rng.choice(REGS))
            else:
                values = SAMPLES[token]
                ops.append(values[k % len(values)])
        lines.append(f"{ins.mnemonic} {', '.join(ops)}".strip())
    return lines


def test_every_rv32im_instruction():
    rng = random.Random(2)
    lines = []
    for ins in INSTRUCTIONS:
        if ins.ext != "TOY32":
            lines += _operand_lines(ins, rng, 8 if ins.operands else 1)
    # the other operand forms GNU as accepts for real instructions
    lines += ["jalr a0, a1, 12", "jalr ra, -4(t0)", "lw a0, (sp)",
              "sw a1, (a2)", "fence", "ADDI a0, a1, 1", "Lw s0, 8(s1)", "add fp, s0, x8"]
    source = "\n".join(lines) + "\n"
    _assert_same(source, toyasm_text(source), llvm_text(source))


PSEUDO = """
target_back:
    nop
    li a0, 0
    li a1, 2047
    li a2, -2048
    li a3, 2048
    li a4, -2049
    li a5, 0x12345678
    li a6, 0x12345000
    li a7, 0x80000000
    li t0, 0xffffffff
    li t1, -1
    li t2, 0x7ffff800
    li s0, 0xfff
    li s1, 0xffffffff80000000
    li s2, 0xffffffffffffffff
    li s3, -0x80000000
    li s4, 'z'
    mv a0, a1
    not a0, a1
    neg a0, a1
    seqz a0, a1
    snez a0, a1
    sltz a0, a1
    sgtz a0, a1
    sext.b a0, a1
    sext.h a0, a1
    zext.b a0, a1
    zext.h a0, a1
    beqz a0, target_back
    bnez a0, target_fwd
    blez a0, target_back
    bgez a0, target_fwd
    bltz a0, target_back
    bgtz a0, target_fwd
    bgt a0, a1, target_back
    ble a0, a1, target_fwd
    bgtu a0, a1, target_back
    bleu a0, a1, target_fwd
    beqz t0, 16
    bgt s0, s1, -8
    j target_back
    j target_fwd
    j 2048
    jal target_back
    jal target_fwd
    jal t0, target_fwd
    jr a0
    jr a0, 4
    jr a0, -2048
    jalr a0
    jalr a0, 12
    jalr t0, a1
    ret
    fence
    fence.i
    ecall
    ebreak
target_fwd:
    nop
"""


def test_every_pseudo_instruction():
    _assert_same(PSEUDO, toyasm_text(PSEUDO), llvm_text(PSEUDO))


PCREL = """
    .text
    .globl _start
_start:
    la a0, message
    lla a1, message
    la t0, table + 8
    call helper
    call t0, helper
    tail helper
    jump helper, t2
    lw a2, counter
    lbu a3, message
    sw a2, counter, t3
    sb a3, table, t4
1:  auipc s0, %pcrel_hi(table)
    addi s0, s0, %pcrel_lo(1b)
.Lpcrel:
    auipc s1, %pcrel_hi(counter)
    lw s1, %pcrel_lo(.Lpcrel)(s1)
    sw s1, %pcrel_lo(.Lpcrel)(s1)
    lui s2, %hi(table)
    addi s2, s2, %lo(table)
    lw s3, %lo(table+4)(s2)
    lui s4, %hi(0x12345fff)
    addi s4, s4, %lo(0x12345fff)
helper:
    ret
    .section .rodata
message: .asciz "hello, world\\n"
    .p2align 2
rotable: .word _start, helper, message, table + 4, helper - _start
    .data
    .p2align 3
table:  .word 1, 2, 3, 4
counter: .word table
    .half 0x1234, -1
    .byte 1, 2, 255, -128
    .quad 0x123456789abcdef0
    .bss
scratch: .space 64
"""


def test_pcrel_pseudos_and_data_relocations_linked():
    assert toyasm_linked(PCREL) == llvm_linked(PCREL)


@pytest.mark.parametrize("base", [0x10000, 0x80010000, 0x2000])
def test_calls_across_the_address_space(base):
    source = ("_start:\n call far\n la a0, far\n tail _start\n"
              ".space 0x12344\nfar: ret\n .data\n .word far\n")
    assert toyasm_linked(source, base) == llvm_linked(source, base)


def test_toy32_instructions_match_insn_encodings():
    """Privileged and sensitive TOY32 instructions against llvm-mc's .insn with the table's
    opcode fields (tests/toy32_llvm.py writes one macro per TOY32 instruction)."""
    lines = []
    for ins in INSTRUCTIONS:
        if ins.ext == "TOY32":
            for reg, sr in zip(["a0", "t6", "x0", "s11"], ["psw", "epc", "tvec", "scratch"]):
                ops = {"rd": reg, "rs1": reg, "sr": sr}
                lines.append(f"{ins.mnemonic} {', '.join(ops[o] for o in ins.operands)}".strip())
    lines += ["li t0, CONSOLE_TX", "li t1, PSW_U | PSW_IE", "andi t0, t0, PSW_U",
              "li a0, CAUSE_TIMER", "li a1, PAGE_SIZE - 1", "svc"]
    ours = "\n".join(lines) + "\n"
    theirs = TOY32_INSN_PRELUDE + ours.replace("svc", "ecall")
    _assert_same(ours, toyasm_text(ours), llvm_text(theirs))


MIXED = """
# numeric local labels, .rept, macros, ';' separators and 64-bit li literals
    .macro push reg, slot=0
    addi sp, sp, -4; sw \\reg, \\slot(sp)
    .endm
    .macro pop reg
    lw \\reg, 0(sp); addi sp, sp, 4
    .endm
    .macro load_pair r1, r2, v1=0xffffffff87654321, v2=-1
    li \\r1, \\v1
    li \\r2, \\v2
    .endm
_start:
1:  push ra; push s0, 0
    load_pair a0, a1
    load_pair a2, a3, 0xffffffff80000000, 0xffffffffffff8000
    .rept 3
    addi a0, a0, 1; bnez a0, 1b
    .endr
2:  beqz a1, 2f ; j 2b
    .rept 2
    .rept 2
    nop
    .endr
    .endr
2:  pop s0 ; pop ra
    li t0, 0xffffffff80000800 /* a comment
    that spans lines */ ; li t1, 0xfffffffffffff000
    ret
"""


def test_numeric_labels_rept_macro_semicolons_and_64bit_li():
    _assert_same(MIXED, toyasm_text(MIXED), llvm_text(MIXED))


def test_directives_and_alignment():
    source = """
    .text
    nop
    .p2align 4
    addi a0, a0, 1
    .balign 16
    .word 0x11223344
    .align 3
    .byte 1, 2, 3, 4
    .p2align 5
    ret
    .data
    .byte 9
    .p2align 2
    .p2align 3
    .2byte 0xbeef
    .half 7
    .short -2
    .4byte 0xdeadbeef
    .ascii "ab", "c"
    .asciz "x\\ty\\001\\x41\\\\\\""
    .string "s"
    .zero 3
    .space 5, 0x5a
    .fill 3, 2, 0x0102
    .fill 2, 4, -1
    .fill 2, 8, -1
    .fill 1, 5, 0x1122334455
    .fill 1
    .balign 4, 0xab
    .p2align 3, 0xcc
    .equ N, 3 * 4
    .set M, N + 1
    K = M << 2
    .word N, M, K, . - N
    addi a0, a0, N
    .rept N / 4
    .byte 0x77
    .endr
    .p2align 2
    """
    assert toyasm_linked(source) == llvm_linked(source)


EXPRESSIONS = [
    "1+2<<3", "2&3+4", "-8/3", "-8%3", "8%-3", "3<4", "4<3", "3==3", "3!=3", "1&&2", "0||3",
    "!5", "!0", "~0", "-16>>2", "1<<63>>63", "1|2^3", "2*3+4*5", "10-3-2", "100/10/2",
    "1<<2<<3", "3-1|4", "3|1-4", "6!2", "1<>2", "3<=3", "3>=4", "0x10", "010", "0b101", "'a'",
    "'\\n'", "1-2<3", "5 > 3 + 1", "(1 < 2) + 1", "7 > 3 > 0", "-(-3)", "+4", "1 - -1", "~1+1",
    "'a'+1", "1<<64", "1<<65", "-1>>64", "0xffffffffffffffff", "-0x8000000000000000",
    "1<<-1", "(1+2)*(3+4)", "1 + 2 * 3 - 4 / 2", "7 & 3 | 8", "7 | 3 & 8", "7 ^ 3 & 1",
    "1 && 0 || 1", "0 || 0 && 1", "1 == 1 && 2 == 2", "5 - 3 == 2", "~0 >> 60", "-1 / 2",
    "9223372036854775807 + 1", "0x7fffffffffffffff * 3", "(-7) % 3", "7 % -3", "-(1<<63) / 3",
]


def test_expression_precedence_and_arithmetic():
    source = "".join(f".quad {e}\n" for e in EXPRESSIONS)
    ours, theirs = toyasm_text(source), llvm_text(source)
    for i, expr in enumerate(EXPRESSIONS):
        assert ours[8 * i:8 * i + 8] == theirs[8 * i:8 * i + 8], expr


def test_irp_and_irpc():
    source = """
    .irp reg, 1, 2, 3
    sw x\\reg, (\\reg * 4)(sp)
    .endr
    .irpc c, 0123
    addi a\\c, a\\c, \\c
    .endr
    .macro save regs:vararg
    .irp r, \\regs
    sw \\r, 0(sp)
    .endr
    .endm
    save s0, s1, ra
    """
    _assert_same(source, toyasm_text(source), llvm_text(source))


MACROS = r"""
    .macro inc reg, by=1
    addi \reg, \reg, \by
    .endm
    .macro inc2 reg
    inc \reg
    inc \reg, 2
    .endm
    .macro lbl name
\name\()_x: nop
    .endm
    .macro uniq
.Lu\@: j .Lu\@
    .endm
    .macro countdown n
    .if \n
    li a0, \n
    countdown "(\n-1)"
    .endif
    .endm
_start:
    inc a0
    inc a1, 5
    inc2 t0
    lbl foo
    j foo_x
    uniq
    uniq
    countdown 3
    inc reg=a2, by=-3
"""


def test_macro_defaults_nesting_keywords_unique_labels_and_recursion():
    _assert_same(MACROS, toyasm_text(MACROS), llvm_text(MACROS))


GCC_STYLE = """    .option nopic
    .attribute arch, "rv32i2p0_m2p0"
    .attribute unaligned_access, 0
    .file "x.c"
    .text
    .align 2
    .globl main
    .type main, %function
main:
    addi sp,sp,-16
    sw ra,12(sp)
    lui a5,%hi(.LC0)
    addi a0,a5,%lo(.LC0)
    call puts
    li a5,0
    mv a0,a5
    lw ra,12(sp)
    addi sp,sp,16
    jr ra
    .size main, .-main
puts: ret
    .section .rodata.str1.4,"aMS",@progbits,1
    .align 2
.LC0:
    .string "hello"
    .section .sdata,"aw"
    .type counter, %object
    .size counter, 4
counter: .word 42
len = . - counter
    .ident "GCC: (GNU) 12"
    .section .note.GNU-stack,"",@progbits
"""


def test_compiler_style_output():
    """What gcc -S / clang -S write: attributes, .type/.size, section flags, .ident, a
    '-' in a section name. Compared by address (ld.lld keeps .sdata as its own section)."""
    ours, theirs = toyasm_linked(GCC_STYLE), llvm_linked(GCC_STYLE)
    assert sorted(ours.values()) == sorted(theirs.values())


C_PROGRAM = r"""
static const char *names[] = {"zero", "one", "two", "three"};
int table[16] = {3, 1, 4, 1, 5, 9, 2, 6};
static int counter;
int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
int pick(int k) {
    switch (k) { case 0: return 11; case 1: return 22; case 2: return 37; case 3: return 41;
                 case 4: return 53; case 5: return 68; default: return -1; }
}
unsigned divmod(unsigned a, unsigned b) { return a / b + a % b; }
long long wide(long long a, long long b) { return a * b; }
int length(const char *s) { int n = 0; while (*s++) n++; return n; }
void _start(void) {
    int total = 0;
    for (int i = 0; i < 16; i++) total += table[i] * pick(i & 7);
    counter = total + fib(10) + length(names[total & 3]) + (int)divmod(total, 7)
              + (int)wide(total, 3);
    for (;;) {}
}
"""


def test_clang_compiled_c_assembles_like_llvm(tmp_path):
    """clang -S output of a small C program, through toyasm and through llvm-mc + ld.lld."""
    from asm_oracle import need
    import subprocess
    need("clang")
    c = tmp_path / "prog.c"
    c.write_text(C_PROGRAM)
    asm = tmp_path / "prog.s"
    subprocess.run(["clang", "-S", "-O2", "--target=riscv32", "-march=rv32im", "-mabi=ilp32",
                    "-mno-relax", "-fno-pic", "-ffreestanding", "-fno-builtin", "-o", str(asm),
                    str(c)], check=True, capture_output=True)
    # ld.lld would merge and reorder string sections ("aMS"): plain read-only data instead
    source = asm.read_text().replace('"aMS",@progbits,1', '"a",@progbits')
    ours, theirs = toyasm_linked(source), llvm_linked(source)
    assert sorted(ours.values()) == sorted(theirs.values())
