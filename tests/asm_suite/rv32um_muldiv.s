# rv32um multiply and divide: self-checking, in the style of riscv-tests (see test_env.inc).
.include "test_env.inc"

RVTEST_CODE_BEGIN

# mul
TEST_RR 2, mul, x14, x1, x2, 0x0, 0x3, 0x0
TEST_RR 3, mul, x14, x1, x2, 0x3c1, 0x1f, 0x1f
TEST_RR 4, mul, x14, x1, x2, 0xedcba988, 0xffffffff, 0x12345678
TEST_RR 5, mul, x14, x14, x2, 0x14b5a90, 0xffffedcc, 0xffffedcc
TEST_RR 6, mul, x0, x1, x2, 0, 0x1, 0x7fffffff
TEST_RR 7, mul, x14, x0, x2, 0x0, 0, 0x7fffffff
# mulh
TEST_RR 8, mulh, x14, x1, x2, 0x0, 0x3, 0x0
TEST_RR 9, mulh, x14, x1, x2, 0x0, 0x0, 0x12345678
TEST_RR 10, mulh, x14, x1, x2, 0x12, 0xffffedcc, 0xff00ff00
TEST_RR 11, mulh, x14, x14, x2, 0xc0000000, 0x7fffffff, 0x80000000
TEST_RR 12, mulh, x0, x1, x2, 0, 0x0, 0x62e052f6
TEST_RR 13, mulh, x14, x0, x2, 0x0, 0, 0x62e052f6
# mulhu
TEST_RR 14, mulhu, x14, x1, x2, 0x0, 0x0, 0x25b5eb2d
TEST_RR 15, mulhu, x14, x1, x2, 0xf, 0x1f, 0x7fffffff
TEST_RR 16, mulhu, x14, x1, x2, 0x40762384, 0x7fffffff, 0x80ec470a
TEST_RR 17, mulhu, x14, x14, x2, 0x14, 0x1f, 0xa9ada1e9
TEST_RR 18, mulhu, x0, x1, x2, 0, 0x80000000, 0x0
TEST_RR 19, mulhu, x14, x0, x2, 0x0, 0, 0x0
# mulhsu
TEST_RR 20, mulhsu, x14, x1, x2, 0xffffffff, 0xff00ff00, 0x1f
TEST_RR 21, mulhsu, x14, x1, x2, 0x7f807f7f, 0x7fffffff, 0xff00ff00
TEST_RR 22, mulhsu, x14, x1, x2, 0x2, 0x3, 0xffffffff
TEST_RR 23, mulhsu, x14, x14, x2, 0x2, 0x3, 0xffffffff
TEST_RR 24, mulhsu, x0, x1, x2, 0, 0x1, 0x0
TEST_RR 25, mulhsu, x14, x0, x2, 0x0, 0, 0x0
# div
TEST_RR 26, div, x14, x1, x2, 0x0, 0x1, 0x12345678
TEST_RR 27, div, x14, x1, x2, 0xc2, 0x80000000, 0xff57a726
TEST_RR 28, div, x14, x1, x2, 0xffffffff, 0x1, 0x0
TEST_RR 29, div, x14, x14, x2, 0x0, 0xffffffff, 0xff00ff00
TEST_RR 30, div, x0, x1, x2, 0, 0x1, 0x7fffffff
TEST_RR 31, div, x14, x0, x2, 0x0, 0, 0x7fffffff
# divu
TEST_RR 32, divu, x14, x1, x2, 0x0, 0x12345678, 0xff00ff00
TEST_RR 33, divu, x14, x1, x2, 0x0, 0xffffedcc, 0xffffffff
TEST_RR 34, divu, x14, x1, x2, 0x1, 0x1, 0x1
TEST_RR 35, divu, x14, x14, x2, 0x0, 0x0, 0xffffffff
TEST_RR 36, divu, x0, x1, x2, 0, 0xffffffff, 0xffffffff
TEST_RR 37, divu, x14, x0, x2, 0x0, 0, 0xffffffff
# rem
TEST_RR 38, rem, x14, x1, x2, 0x7fffffff, 0x7fffffff, 0x0
TEST_RR 39, rem, x14, x1, x2, 0x12345678, 0x12345678, 0x1d7cf649
TEST_RR 40, rem, x14, x1, x2, 0xffffedcc, 0xffffedcc, 0x80000000
TEST_RR 41, rem, x14, x14, x2, 0x1, 0x1, 0xffffedcc
TEST_RR 42, rem, x0, x1, x2, 0, 0xff00ff00, 0x12345678
TEST_RR 43, rem, x14, x0, x2, 0x0, 0, 0x12345678
# remu
TEST_RR 44, remu, x14, x1, x2, 0x3, 0x3, 0xffffedcc
TEST_RR 45, remu, x14, x1, x2, 0x0, 0x0, 0x7fffffff
TEST_RR 46, remu, x14, x1, x2, 0x1, 0x1, 0xffffedcc
TEST_RR 47, remu, x14, x14, x2, 0xffffedcc, 0xffffedcc, 0x0
TEST_RR 48, remu, x0, x1, x2, 0, 0xff00ff00, 0xffffedcc
TEST_RR 49, remu, x14, x0, x2, 0x0, 0, 0xffffedcc
TEST_RR 50, div, x14, x1, x2, 0xffffffff, 0x7, 0x0
TEST_RR 51, div, x14, x1, x2, 0x80000000, 0x80000000, 0xffffffff
TEST_RR 52, div, x14, x1, x2, 0xfffffffd, 0xfffffff9, 0x2
TEST_RR 53, divu, x14, x1, x2, 0xffffffff, 0x7, 0x0
TEST_RR 54, divu, x14, x1, x2, 0x0, 0x80000000, 0xffffffff
TEST_RR 55, divu, x14, x1, x2, 0x7ffffffc, 0xfffffff9, 0x2
TEST_RR 56, rem, x14, x1, x2, 0x7, 0x7, 0x0
TEST_RR 57, rem, x14, x1, x2, 0x0, 0x80000000, 0xffffffff
TEST_RR 58, rem, x14, x1, x2, 0xffffffff, 0xfffffff9, 0x2
TEST_RR 59, remu, x14, x1, x2, 0x7, 0x7, 0x0
TEST_RR 60, remu, x14, x1, x2, 0x80000000, 0x80000000, 0xffffffff
TEST_RR 61, remu, x14, x1, x2, 0x1, 0xfffffff9, 0x2

RVTEST_CODE_END

RVTEST_DATA_BEGIN
.fill 70, 4, 0xdeadbeef
RVTEST_DATA_END
