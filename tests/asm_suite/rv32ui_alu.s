# rv32ui ALU operations: self-checking, in the style of riscv-tests (see test_env.inc).
.include "test_env.inc"

RVTEST_CODE_BEGIN

# add
TEST_RR 2, add, x14, x1, x2, 0x1234567b, 0x12345678, 0x3
TEST_RR 3, add, x14, x1, x2, 0xffffffff, 0x80000000, 0x7fffffff
TEST_RR 4, add, x14, x1, x2, 0xffffedcf, 0x3, 0xffffedcc
TEST_RR 5, add, x14, x14, x2, 0xbce44e27, 0x80000000, 0x3ce44e27
TEST_RR 6, add, x0, x1, x2, 0, 0x7fffffff, 0x80000000
TEST_RR 7, add, x14, x0, x2, 0x80000000, 0, 0x80000000
# sub
TEST_RR 8, sub, x14, x1, x2, 0x6dcba988, 0x80000000, 0x12345678
TEST_RR 9, sub, x14, x1, x2, 0xff00ff, 0xffffffff, 0xff00ff00
TEST_RR 10, sub, x14, x1, x2, 0x1, 0x80000000, 0x7fffffff
TEST_RR 11, sub, x14, x14, x2, 0xff00ff00, 0xff00ff00, 0x0
TEST_RR 12, sub, x0, x1, x2, 0, 0xffffffff, 0xff00ff00
TEST_RR 13, sub, x14, x0, x2, 0xff0100, 0, 0xff00ff00
# and
TEST_RR 14, and, x14, x1, x2, 0x0, 0x0, 0x3
TEST_RR 15, and, x14, x1, x2, 0x80000000, 0xff00ff00, 0x80000000
TEST_RR 16, and, x14, x1, x2, 0x0, 0x7fffffff, 0x80000000
TEST_RR 17, and, x14, x14, x2, 0x12344448, 0x12345678, 0xffffedcc
TEST_RR 18, and, x0, x1, x2, 0, 0x1, 0x3
TEST_RR 19, and, x14, x0, x2, 0x0, 0, 0x3
# or
TEST_RR 20, or, x14, x1, x2, 0xffffedec, 0xffffedcc, 0x844948a8
TEST_RR 21, or, x14, x1, x2, 0xffffffff, 0xffffffff, 0xff00ff00
TEST_RR 22, or, x14, x1, x2, 0x80000000, 0x80000000, 0x0
TEST_RR 23, or, x14, x14, x2, 0x80000001, 0x80000000, 0x1
TEST_RR 24, or, x0, x1, x2, 0, 0x0, 0x12345678
TEST_RR 25, or, x14, x0, x2, 0x12345678, 0, 0x12345678
# xor
TEST_RR 26, xor, x14, x1, x2, 0x80000000, 0x7fffffff, 0xffffffff
TEST_RR 27, xor, x14, x1, x2, 0x92345678, 0x80000000, 0x12345678
TEST_RR 28, xor, x14, x1, x2, 0x2, 0x3, 0x1
TEST_RR 29, xor, x14, x14, x2, 0xfffffffc, 0xffffffff, 0x3
TEST_RR 30, xor, x0, x1, x2, 0, 0x0, 0x3
TEST_RR 31, xor, x14, x0, x2, 0x3, 0, 0x3
# sll
TEST_RR 32, sll, x14, x1, x2, 0x0, 0x0, 0x3
TEST_RR 33, sll, x14, x1, x2, 0x1, 0x1, 0xff00ff00
TEST_RR 34, sll, x14, x1, x2, 0x4, 0x1, 0x7fcdb1c2
TEST_RR 35, sll, x14, x14, x2, 0x0, 0x0, 0xffffffff
TEST_RR 36, sll, x0, x1, x2, 0, 0x7fffffff, 0xffffedcc
TEST_RR 37, sll, x14, x0, x2, 0x0, 0, 0xffffedcc
# srl
TEST_RR 38, srl, x14, x1, x2, 0x0, 0x12345678, 0x1f
TEST_RR 39, srl, x14, x1, x2, 0x0, 0x0, 0xa8cc3a89
TEST_RR 40, srl, x14, x1, x2, 0xff, 0xffffedcc, 0x12345678
TEST_RR 41, srl, x14, x14, x2, 0x0, 0x3, 0x82d8eb36
TEST_RR 42, srl, x0, x1, x2, 0, 0x1, 0x12345678
TEST_RR 43, srl, x14, x0, x2, 0x0, 0, 0x12345678
# sra
TEST_RR 44, sra, x14, x1, x2, 0x0, 0x1, 0x1
TEST_RR 45, sra, x14, x1, x2, 0x0, 0x1f, 0x7fffffff
TEST_RR 46, sra, x14, x1, x2, 0x0, 0x0, 0x64f1c8ad
TEST_RR 47, sra, x14, x14, x2, 0x0, 0x0, 0x1
TEST_RR 48, sra, x0, x1, x2, 0, 0x0, 0xffffedcc
TEST_RR 49, sra, x14, x0, x2, 0x0, 0, 0xffffedcc
# slt
TEST_RR 50, slt, x14, x1, x2, 0x0, 0xffffffff, 0xe655ab21
TEST_RR 51, slt, x14, x1, x2, 0x1, 0x80000000, 0xffffffff
TEST_RR 52, slt, x14, x1, x2, 0x1, 0xff00ff00, 0x7fffffff
TEST_RR 53, slt, x14, x14, x2, 0x0, 0x1f, 0x1
TEST_RR 54, slt, x0, x1, x2, 0, 0x1, 0xffffffff
TEST_RR 55, slt, x14, x0, x2, 0x0, 0, 0xffffffff
# sltu
TEST_RR 56, sltu, x14, x1, x2, 0x1, 0x80000000, 0xffffedcc
TEST_RR 57, sltu, x14, x1, x2, 0x1, 0x0, 0x3
TEST_RR 58, sltu, x14, x1, x2, 0x1, 0x3, 0x80000000
TEST_RR 59, sltu, x14, x14, x2, 0x0, 0x0, 0x0
TEST_RR 60, sltu, x0, x1, x2, 0, 0x7fffffff, 0x6d761d81
TEST_RR 61, sltu, x14, x0, x2, 0x1, 0, 0x6d761d81

# immediates, with the immediate mnemonic and with the register one
TEST_IMM 62, addi, x14, x1, 0x7ffff800, 0x80000000, -2048
TEST_IMM 63, add, x14, x1, 0xffffedcc, 0xffffedcc, 0
TEST_IMM 64, addi, x14, x1, 0x7fffffff, 0x7fffffff, 0
TEST_IMM 65, andi, x14, x1, 0x544, 0xffffedcc, 1365
TEST_IMM 66, and, x14, x1, 0x1, 0x1, -1
TEST_IMM 67, andi, x14, x1, 0x1, 0x1, 2047
TEST_IMM 68, ori, x14, x1, 0xffffedcd, 0xffffedcc, 1
TEST_IMM 69, or, x14, x1, 0xffffedcd, 0xffffedcc, 1
TEST_IMM 70, ori, x14, x1, 0xffffffff, 0xffffffff, 1
TEST_IMM 71, xori, x14, x1, 0xffffea33, 0xffffedcc, 2047
TEST_IMM 72, xor, x14, x1, 0x1e, 0x1f, 1
TEST_IMM 73, xori, x14, x1, 0xffffedcd, 0xffffedcc, 1
TEST_IMM 74, slli, x14, x1, 0x0, 0x12345678, 31
TEST_IMM 75, sll, x14, x1, 0xfc000000, 0xffffffff, 26
TEST_IMM 76, slli, x14, x1, 0xf8000000, 0x7fffffff, 27
TEST_IMM 77, srli, x14, x1, 0x0, 0x0, 31
TEST_IMM 78, srl, x14, x1, 0x2000, 0x80000000, 18
TEST_IMM 79, srli, x14, x1, 0x0, 0x1, 4
TEST_IMM 80, srai, x14, x1, 0xffffffff, 0x80000000, 31
TEST_IMM 81, sra, x14, x1, 0x1, 0x7fffffff, 30
TEST_IMM 82, srai, x14, x1, 0x7, 0x7fffffff, 28
TEST_IMM 83, slti, x14, x1, 0x0, 0x1f, 1
TEST_IMM 84, slt, x14, x1, 0x0, 0x3, -2048
TEST_IMM 85, slti, x14, x1, 0x1, 0x1, 1365
TEST_IMM 86, sltiu, x14, x1, 0x1, 0x1, 1365
TEST_IMM 87, sltu, x14, x1, 0x0, 0x12345678, 0
TEST_IMM 88, sltiu, x14, x1, 0x0, 0x3, 0
TEST_IMM 89, sra, x1, x1, 0xc0000000, 0x80000000, 1   # (the issue's example)
TEST_CASE 90, x14, 0x12000, lui x14, 0x12
TEST_CASE 91, x14, 6, .insn i OP_IMM, 0, x14, x0, 6
TEST_CASE 92, x14, 12, .insn r OP, 0, 0, x14, x14, x14
TEST_CASE 93, x14, -12, .insn r 0x33, 0, 0x20, x14, x0, x14

RVTEST_CODE_END

RVTEST_DATA_BEGIN
.fill 101, 4, 0xdeadbeef
RVTEST_DATA_END
