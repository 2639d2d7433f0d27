# In the shape riscv-arch-test's rv32i_m tests have after the C preprocessor: each case
# one line of ';'-separated statements (loads of masked values inside .option push/norvc/pop,
# the instruction, the signature update). No self-check: the signature is the result.
.include "test_env.inc"

RVTEST_CODE_BEGIN
# opcode: add ; op1:x26; op2:x24; dest:x27; op1val:0x8d8d14e6;  op2val:0x0
inst_0:				;.option push			;.option norvc			;li x26, ((0x8d8d14e6) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x24, ((0x0) & 0xFFFFFFFF)	;.option pop		;add x27, x26, x24		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x27, offset(x31)		;.set offset, offset+4
# opcode: sub ; op1:x15; op2:x14; dest:x19; op1val:0x5713e52;  op2val:0xffffffff
inst_1:				;.option push			;.option norvc			;li x15, ((0x5713e52) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x14, ((0xffffffff) & 0xFFFFFFFF)	;.option pop		;sub x19, x15, x14		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x19, offset(x31)		;.set offset, offset+4
# opcode: sll ; op1:x10; op2:x13; dest:x16; op1val:0x2abed550;  op2val:0x0
inst_2:				;.option push			;.option norvc			;li x10, ((0x2abed550) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x13, ((0x0) & 0xFFFFFFFF)	;.option pop		;sll x16, x10, x13		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x16, offset(x31)		;.set offset, offset+4
# opcode: xor ; op1:x4; op2:x30; dest:x15; op1val:0x666e1f7b;  op2val:0x3
inst_3:				;.option push			;.option norvc			;li x4, ((0x666e1f7b) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x30, ((0x3) & 0xFFFFFFFF)	;.option pop		;xor x15, x4, x30		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x15, offset(x31)		;.set offset, offset+4
# opcode: srl ; op1:x4; op2:x7; dest:x23; op1val:0xe57bb012;  op2val:0x0
inst_4:				;.option push			;.option norvc			;li x4, ((0xe57bb012) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x7, ((0x0) & 0xFFFFFFFF)	;.option pop		;srl x23, x4, x7		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x23, offset(x31)		;.set offset, offset+4
# opcode: sra ; op1:x26; op2:x9; dest:x8; op1val:0xaa7bf6f5;  op2val:0x80000000
inst_5:				;.option push			;.option norvc			;li x26, ((0xaa7bf6f5) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x9, ((0x80000000) & 0xFFFFFFFF)	;.option pop		;sra x8, x26, x9		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x8, offset(x31)		;.set offset, offset+4
# opcode: or ; op1:x24; op2:x21; dest:x22; op1val:0x697ae226;  op2val:0x0
inst_6:				;.option push			;.option norvc			;li x24, ((0x697ae226) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x21, ((0x0) & 0xFFFFFFFF)	;.option pop		;or x22, x24, x21		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x22, offset(x31)		;.set offset, offset+4
# opcode: and ; op1:x6; op2:x29; dest:x4; op1val:0x84bd90e6;  op2val:0x1f
inst_7:				;.option push			;.option norvc			;li x6, ((0x84bd90e6) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x29, ((0x1f) & 0xFFFFFFFF)	;.option pop		;and x4, x6, x29		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x4, offset(x31)		;.set offset, offset+4
# opcode: slt ; op1:x7; op2:x13; dest:x1; op1val:0x9b37481c;  op2val:0x1
inst_8:				;.option push			;.option norvc			;li x7, ((0x9b37481c) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x13, ((0x1) & 0xFFFFFFFF)	;.option pop		;slt x1, x7, x13		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x1, offset(x31)		;.set offset, offset+4
# opcode: sltu ; op1:x20; op2:x12; dest:x21; op1val:0x7268df6f;  op2val:0xff00ff00
inst_9:				;.option push			;.option norvc			;li x20, ((0x7268df6f) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x12, ((0xff00ff00) & 0xFFFFFFFF)	;.option pop		;sltu x21, x20, x12		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x21, offset(x31)		;.set offset, offset+4
# opcode: mul ; op1:x12; op2:x21; dest:x16; op1val:0x9c25e0bf;  op2val:0xffffedcc
inst_10:				;.option push			;.option norvc			;li x12, ((0x9c25e0bf) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x21, ((0xffffedcc) & 0xFFFFFFFF)	;.option pop		;mul x16, x12, x21		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x16, offset(x31)		;.set offset, offset+4
# opcode: mulhu ; op1:x5; op2:x25; dest:x20; op1val:0xc62a9653;  op2val:0xffffffff
inst_11:				;.option push			;.option norvc			;li x5, ((0xc62a9653) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x25, ((0xffffffff) & 0xFFFFFFFF)	;.option pop		;mulhu x20, x5, x25		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x20, offset(x31)		;.set offset, offset+4
# opcode: divu ; op1:x4; op2:x12; dest:x22; op1val:0x4337e119;  op2val:0x4d997af2
inst_12:				;.option push			;.option norvc			;li x4, ((0x4337e119) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x12, ((0x4d997af2) & 0xFFFFFFFF)	;.option pop		;divu x22, x4, x12		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x22, offset(x31)		;.set offset, offset+4
# opcode: rem ; op1:x17; op2:x26; dest:x25; op1val:0x50dd5997;  op2val:0x1317f8a8
inst_13:				;.option push			;.option norvc			;li x17, ((0x50dd5997) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x26, ((0x1317f8a8) & 0xFFFFFFFF)	;.option pop		;rem x25, x17, x26		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x25, offset(x31)		;.set offset, offset+4
# opcode: add ; op1:x15; op2:x12; dest:x11; op1val:0xde1b181d;  op2val:0xff00ff00
inst_14:				;.option push			;.option norvc			;li x15, ((0xde1b181d) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x12, ((0xff00ff00) & 0xFFFFFFFF)	;.option pop		;add x11, x15, x12		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x11, offset(x31)		;.set offset, offset+4
# opcode: sub ; op1:x18; op2:x1; dest:x28; op1val:0x1fcab590;  op2val:0x12345678
inst_15:				;.option push			;.option norvc			;li x18, ((0x1fcab590) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x1, ((0x12345678) & 0xFFFFFFFF)	;.option pop		;sub x28, x18, x1		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x28, offset(x31)		;.set offset, offset+4
# opcode: sll ; op1:x11; op2:x30; dest:x15; op1val:0x73203ca5;  op2val:0x7fffffff
inst_16:				;.option push			;.option norvc			;li x11, ((0x73203ca5) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x30, ((0x7fffffff) & 0xFFFFFFFF)	;.option pop		;sll x15, x11, x30		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x15, offset(x31)		;.set offset, offset+4
# opcode: xor ; op1:x1; op2:x18; dest:x11; op1val:0xb32d88c8;  op2val:0x7fffffff
inst_17:				;.option push			;.option norvc			;li x1, ((0xb32d88c8) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x18, ((0x7fffffff) & 0xFFFFFFFF)	;.option pop		;xor x11, x1, x18		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x11, offset(x31)		;.set offset, offset+4
# opcode: srl ; op1:x5; op2:x28; dest:x30; op1val:0x6b3502e4;  op2val:0xff00ff00
inst_18:				;.option push			;.option norvc			;li x5, ((0x6b3502e4) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x28, ((0xff00ff00) & 0xFFFFFFFF)	;.option pop		;srl x30, x5, x28		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x30, offset(x31)		;.set offset, offset+4
# opcode: sra ; op1:x13; op2:x16; dest:x10; op1val:0x92568d93;  op2val:0x1
inst_19:				;.option push			;.option norvc			;li x13, ((0x92568d93) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x16, ((0x1) & 0xFFFFFFFF)	;.option pop		;sra x10, x13, x16		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x10, offset(x31)		;.set offset, offset+4
# opcode: or ; op1:x29; op2:x11; dest:x26; op1val:0xf80f2515;  op2val:0x0
inst_20:				;.option push			;.option norvc			;li x29, ((0xf80f2515) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x11, ((0x0) & 0xFFFFFFFF)	;.option pop		;or x26, x29, x11		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x26, offset(x31)		;.set offset, offset+4
# opcode: and ; op1:x8; op2:x14; dest:x13; op1val:0x6b01df00;  op2val:0x80000000
inst_21:				;.option push			;.option norvc			;li x8, ((0x6b01df00) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x14, ((0x80000000) & 0xFFFFFFFF)	;.option pop		;and x13, x8, x14		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x13, offset(x31)		;.set offset, offset+4
# opcode: slt ; op1:x27; op2:x9; dest:x14; op1val:0x284411d9;  op2val:0x7fffffff
inst_22:				;.option push			;.option norvc			;li x27, ((0x284411d9) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x9, ((0x7fffffff) & 0xFFFFFFFF)	;.option pop		;slt x14, x27, x9		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x14, offset(x31)		;.set offset, offset+4
# opcode: sltu ; op1:x26; op2:x19; dest:x28; op1val:0xa1a8d26;  op2val:0x1
inst_23:				;.option push			;.option norvc			;li x26, ((0xa1a8d26) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x19, ((0x1) & 0xFFFFFFFF)	;.option pop		;sltu x28, x26, x19		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x28, offset(x31)		;.set offset, offset+4
# opcode: mul ; op1:x1; op2:x25; dest:x11; op1val:0x50417bc;  op2val:0x1
inst_24:				;.option push			;.option norvc			;li x1, ((0x50417bc) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x25, ((0x1) & 0xFFFFFFFF)	;.option pop		;mul x11, x1, x25		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x11, offset(x31)		;.set offset, offset+4
# opcode: mulhu ; op1:x26; op2:x29; dest:x30; op1val:0x44d9cd2d;  op2val:0x1
inst_25:				;.option push			;.option norvc			;li x26, ((0x44d9cd2d) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x29, ((0x1) & 0xFFFFFFFF)	;.option pop		;mulhu x30, x26, x29		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x30, offset(x31)		;.set offset, offset+4
# opcode: divu ; op1:x18; op2:x14; dest:x6; op1val:0x5b5a7cb;  op2val:0x1
inst_26:				;.option push			;.option norvc			;li x18, ((0x5b5a7cb) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x14, ((0x1) & 0xFFFFFFFF)	;.option pop		;divu x6, x18, x14		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x6, offset(x31)		;.set offset, offset+4
# opcode: rem ; op1:x11; op2:x24; dest:x25; op1val:0x6b6d2f1f;  op2val:0x1
inst_27:				;.option push			;.option norvc			;li x11, ((0x6b6d2f1f) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x24, ((0x1) & 0xFFFFFFFF)	;.option pop		;rem x25, x11, x24		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x25, offset(x31)		;.set offset, offset+4
# opcode: add ; op1:x16; op2:x22; dest:x13; op1val:0x7bddd64f;  op2val:0x7fffffff
inst_28:				;.option push			;.option norvc			;li x16, ((0x7bddd64f) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x22, ((0x7fffffff) & 0xFFFFFFFF)	;.option pop		;add x13, x16, x22		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x13, offset(x31)		;.set offset, offset+4
# opcode: sub ; op1:x9; op2:x12; dest:x22; op1val:0x28d8786c;  op2val:0x39020fe3
inst_29:				;.option push			;.option norvc			;li x9, ((0x28d8786c) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x12, ((0x39020fe3) & 0xFFFFFFFF)	;.option pop		;sub x22, x9, x12		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x22, offset(x31)		;.set offset, offset+4
# opcode: sll ; op1:x15; op2:x26; dest:x8; op1val:0xf43d6f67;  op2val:0x1
inst_30:				;.option push			;.option norvc			;li x15, ((0xf43d6f67) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x26, ((0x1) & 0xFFFFFFFF)	;.option pop		;sll x8, x15, x26		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x8, offset(x31)		;.set offset, offset+4
# opcode: xor ; op1:x1; op2:x23; dest:x7; op1val:0x34389ba3;  op2val:0xffffffff
inst_31:				;.option push			;.option norvc			;li x1, ((0x34389ba3) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x23, ((0xffffffff) & 0xFFFFFFFF)	;.option pop		;xor x7, x1, x23		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x7, offset(x31)		;.set offset, offset+4
# opcode: srl ; op1:x28; op2:x23; dest:x27; op1val:0x69a77877;  op2val:0x80000000
inst_32:				;.option push			;.option norvc			;li x28, ((0x69a77877) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x23, ((0x80000000) & 0xFFFFFFFF)	;.option pop		;srl x27, x28, x23		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x27, offset(x31)		;.set offset, offset+4
# opcode: sra ; op1:x12; op2:x16; dest:x29; op1val:0x563dfeeb;  op2val:0x12345678
inst_33:				;.option push			;.option norvc			;li x12, ((0x563dfeeb) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x16, ((0x12345678) & 0xFFFFFFFF)	;.option pop		;sra x29, x12, x16		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x29, offset(x31)		;.set offset, offset+4
# opcode: or ; op1:x15; op2:x9; dest:x28; op1val:0x55ca27dc;  op2val:0x3
inst_34:				;.option push			;.option norvc			;li x15, ((0x55ca27dc) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x9, ((0x3) & 0xFFFFFFFF)	;.option pop		;or x28, x15, x9		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x28, offset(x31)		;.set offset, offset+4
# opcode: and ; op1:x20; op2:x14; dest:x1; op1val:0x580feca;  op2val:0x1f
inst_35:				;.option push			;.option norvc			;li x20, ((0x580feca) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x14, ((0x1f) & 0xFFFFFFFF)	;.option pop		;and x1, x20, x14		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x1, offset(x31)		;.set offset, offset+4
# opcode: slt ; op1:x19; op2:x21; dest:x16; op1val:0x16c49a75;  op2val:0xffffffff
inst_36:				;.option push			;.option norvc			;li x19, ((0x16c49a75) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x21, ((0xffffffff) & 0xFFFFFFFF)	;.option pop		;slt x16, x19, x21		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x16, offset(x31)		;.set offset, offset+4
# opcode: sltu ; op1:x10; op2:x20; dest:x25; op1val:0x3efcd990;  op2val:0xffffffff
inst_37:				;.option push			;.option norvc			;li x10, ((0x3efcd990) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x20, ((0xffffffff) & 0xFFFFFFFF)	;.option pop		;sltu x25, x10, x20		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x25, offset(x31)		;.set offset, offset+4
# opcode: mul ; op1:x8; op2:x11; dest:x4; op1val:0x381ebb5e;  op2val:0x3
inst_38:				;.option push			;.option norvc			;li x8, ((0x381ebb5e) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x11, ((0x3) & 0xFFFFFFFF)	;.option pop		;mul x4, x8, x11		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x4, offset(x31)		;.set offset, offset+4
# opcode: mulhu ; op1:x18; op2:x7; dest:x4; op1val:0xd6303eaf;  op2val:0x7fffffff
inst_39:				;.option push			;.option norvc			;li x18, ((0xd6303eaf) & 0xFFFFFFFF)	;.option pop		;.option push			;.option norvc			;li x7, ((0x7fffffff) & 0xFFFFFFFF)	;.option pop		;mulhu x4, x18, x7		;.if offset >= 2048	;addi x31, x31, (2048 - 4)	;.set offset, offset - (2048 - 4)	;.endif	;sw x4, offset(x31)		;.set offset, offset+4

RVTEST_CODE_END

RVTEST_DATA_BEGIN
.fill 48, 4, 0xdeadbeef
RVTEST_DATA_END
