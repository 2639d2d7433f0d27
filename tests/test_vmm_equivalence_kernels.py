"""SPEC §8 equivalence on the machine's test kernels: each kernel of the machine issue's tests
(traps, devices and timer, paging and the TLB, self-modifying code), run on the bare machine and
as the only guest of the monitor, ends the same way with the same console output and the very
same architectural state -- registers, pc, psw, pmar, epc, cause, tval, tvec, scratch and the
instruction count. The kernels use only virtualizable instructions: rdpsw/wrpsw only in user
mode, where they behave alike on both (the monitor keeps the real psw = the virtual one with U set)."""
from __future__ import annotations

import pytest

from isa.machine import PSW_IE, PSW_U

from vmm_support import TO_USER, assemble, run_both

START = """
.text
.globl _start
_start:
    la t0, handler
    mtsr tvec, t0
"""
HALT = "handler:\n    halt\n"
NOPS = "    nop\n" * 40
# A handler that reports each trap on the console and goes on after the trapping instruction
# (interrupts: at epc), halting at the 12th trap; it uses only t3-t6 and tp.
REPORT = """
handler:
    li t6, CONSOLE_TX
    mfsr t3, cause
    jal t4, hex
    mfsr t3, epc
    jal t4, hex
    mfsr t3, tval
    jal t4, hex
    mfsr t3, psw
    jal t4, hex
    li t3, 10
    sw t3, 0(t6)
    mfsr t3, scratch
    addi t3, t3, 1
    mtsr scratch, t3
    li t5, 12
    bge t3, t5, stop
    mfsr t3, cause
    bltz t3, resume
    mfsr t3, epc
    addi t3, t3, 4
    mtsr epc, t3
resume:
    rti
stop:
    halt
hex:
    li t5, 28
1:
    srl tp, t3, t5
    andi tp, tp, 15
    addi tp, tp, '0'
    li t6, '9'
    ble tp, t6, 2f
    addi tp, tp, 'a' - '9' - 1
2:
    li t6, CONSOLE_TX
    sw tp, 0(t6)
    addi t5, t5, -4
    bgez t5, 1b
    li tp, ' '
    sw tp, 0(t6)
    jr t4
"""

TRAPS = {
    "halt": "    li a0, 7\n    halt\n",
    "ecall": "    li a0, 1\n    ecall\n    li a0, 2\n",
    "ebreak": "    li a0, 1\n    ebreak\n    li a0, 2\n",
    "illegal words": "".join(f"    .word {w:#x}\n" for w in
                             (0, 0xFFFFFFFF, 0x30200073, 0x10500073, 0x34011173, 0x0000F00B)),
    "hypercall": "    hypercall\n    li a0, 3\n",
    "misaligned and bus errors": """
    li a1, 0x2002
    lw a0, 0(a1)
    lh a0, -1(a1)
    sw a0, -1(a1)
    li a1, 0x01000000
    lw a0, 0(a1)
    sb a0, 0(a1)
    li a1, 0xF0000100
    lw a0, 0(a1)
    li a1, 0xF0000004
    lb a0, 0(a1)
    sh a0, 0(a1)
    lw a0, 2(a1)
    li a0, 5
""",
    "misaligned jump": "    la a1, target\n    addi a1, a1, 2\n    jalr ra, 0(a1)\ntarget:\n    nop\n",
    "privileged in user mode": TO_USER + """
    li a0, 0x5000
    ldpmar a0
    stpmar a0
    tlbflush
    halt
    rti
    mfsr a0, epc
    mtsr tvec, a0
    ecall
""",
    "rdpsw and wrpsw in user mode": TO_USER + """
    rdpsw a0
    li a1, 0
    wrpsw a1
    rdpsw a2
    ecall
""",
    "mtsr psw U takes effect next": "    li t0, PSW_U\n    mtsr psw, t0\n    mfsr a0, psw\n",
    "special registers": """
    li t0, 0x12345678
    mtsr scratch, t0
    mfsr a0, scratch
    li t0, 0xFFFFFFFC
    mtsr psw, t0
    mfsr a1, psw
    mfsr a3, tvec
    mtsr epc, t0
    mfsr a4, epc
    ldpmar a5
    halt
""",
}

DEVICES = {
    "timer fires after n": """
    li t0, PSW_IE
    mtsr psw, t0
    li a1, TIMER_LOAD
    li a0, 7
    sw a0, 0(a1)
""" + NOPS,
    "timer now": "    nop\n    nop\n    li a1, TIMER_NOW\n    lw a0, 0(a1)\n    lw a2, 0(a1)\n    halt\n",
    "pending until IE": """
    li a1, TIMER_LOAD
    li a0, 2
    sw a0, 0(a1)
    nop
    nop
    nop
    nop
    li t0, PSW_IE
    mtsr psw, t0
    nop
""",
    "timer load clears pending": """
    li a1, TIMER_LOAD
    li a0, 1
    sw a0, 0(a1)
    nop
    nop
    li a0, 50
    sw a0, 0(a1)
    li t0, PSW_IE
    mtsr psw, t0
""" + NOPS + "    halt\n",
    "periodic timer": """
    li s0, 0
    li s1, 0
    li a1, TIMER_LOAD
    li a0, 10
    sw a0, 0(a1)
    li t0, PSW_IE
    mtsr psw, t0
loop:
    addi s1, s1, 1
    li t1, 30
    bne s0, t1, loop
    li a1, TIMER_NOW
    lw a0, 0(a1)
    li a1, POWER_OFF
    sw a0, 0(a1)
handler:
    addi s0, s0, 1
    li a0, 10
    add a0, a0, s0
    li t2, TIMER_LOAD
    sw a0, 0(t2)
    rti
""",
    # The bare machine runs kernel-mode mfsr/mtsr/ldpmar inside translated regions; the ticks
    # must still land on the same instructions (the sum of the epcs says where they landed).
    "special registers under a periodic timer": """
    li s0, 0
    li a1, TIMER_LOAD
    li a0, 13
    sw a0, 0(a1)
    li t0, PSW_IE
    mtsr psw, t0
loop:
    mtsr scratch, s0
    mfsr s1, scratch
    ldpmar s2
    mtsr tval, s1
    mfsr s3, tval
    addi s0, s0, 1
    li t1, 200
    blt s0, t1, loop
    halt
handler:
    mfsr t2, epc
    add s4, s4, t2
    addi s5, s5, 1
    mfsr t3, cause
    add s6, s6, t3
    li a1, TIMER_LOAD
    li a0, 13
    sw a0, 0(a1)
    rti
""",
    "console output and power off": """
    la a2, message
    li a1, CONSOLE_TX
1:
    lbu a0, 0(a2)
    beqz a0, 2f
    sw a0, 0(a1)
    addi a2, a2, 1
    j 1b
2:
    li a1, POWER_OFF
    li a0, 3
    sw a0, 0(a1)
.data
message: .asciz "hello, toy\\n"
.text
""",
    "echo input until eof": """
    li a1, CONSOLE_STATUS
    li a2, CONSOLE_RX
    li a3, CONSOLE_TX
1:
    lw a0, 0(a1)
    andi t0, a0, CONSOLE_EOF
    bnez t0, 2f
    andi t0, a0, CONSOLE_RX_READY
    beqz t0, 1b
    lw a0, 0(a2)
    sw a0, 0(a3)
    j 1b
2:
    lw a0, 0(a2)
    halt
""",
    "console interrupt": """
    li a1, CONSOLE_CTRL
    li a0, CONSOLE_RX_IRQ
    sw a0, 0(a1)
    li t0, PSW_IE
    mtsr psw, t0
1:
    addi s1, s1, 1
    j 1b
handler:
    li a2, CONSOLE_RX
    lw a0, 0(a2)
    li a3, CONSOLE_TX
    sw a0, 0(a3)
    addi s0, s0, 1
    li t0, 3
    bne s0, t0, 1f
    halt
1:
    rti
""",
}

PAGING = """
.macro map va, page, flags
    la t1, \\page
    ori t1, t1, \\flags
    la t0, l2
    li t2, (((\\va) >> 12) & 0x3FF) * 4
    add t0, t0, t2
    sw t1, 0(t0)
.endm
.macro mapid page, flags
    la t1, \\page
    srli t2, t1, 12
    andi t2, t2, 0x3FF
    slli t2, t2, 2
    ori t1, t1, \\flags
    la t0, l2
    add t0, t0, t2
    sw t1, 0(t0)
.endm
.text
.globl _start
_start:
code0:
    la t0, handler
    mtsr tvec, t0
    la t0, root
    la t1, l2
    ori t1, t1, PTE_V
    sw t1, 0(t0)
    map 0x10000, code0, PTE_V | PTE_R | PTE_X | PTE_U
    map 0x11000, code1, PTE_V | PTE_R | PTE_X | PTE_U
    map 0x12000, code2, PTE_V | PTE_R | PTE_X | PTE_U
    mapid root, PTE_V | PTE_R | PTE_W
    mapid l2, PTE_V | PTE_R | PTE_W
{setup}
    la t0, root
    ori t0, t0, PMAR_ON
    stpmar t0
{body}
    halt
handler:
    halt
.p2align 12
code1: .space 16
.p2align 12
code2: .space 16
.data
.p2align 12
root: .space 4096
l2:   .space 4096
pageA: .word 0xAAAA0001
.p2align 12
pageB: .word 0xBBBB0002
.p2align 12
"""
VA = 0x200000
MAP_A = f"    map {VA:#x}, pageA, {{}}"
PAGING_CASES = {
    "kernel read of R page": (MAP_A.format("PTE_V | PTE_R"), f"    li a1, {VA}\n    lw a0, 0(a1)\n    li a2, 1\n"),
    "kernel store to R page": (MAP_A.format("PTE_V | PTE_R"), f"    li a1, {VA}\n    sw a0, 0(a1)\n    li a2, 1\n"),
    "kernel load from W page": (MAP_A.format("PTE_V | PTE_W"), f"    li a1, {VA}\n    lw a0, 0(a1)\n"),
    "kernel store to RW page": (MAP_A.format("PTE_V | PTE_R | PTE_W"),
                                f"    li a1, {VA}\n    li a0, 0x77\n    sw a0, 0(a1)\n    lw a2, 0(a1)\n"),
    "invalid leaf": (MAP_A.format("PTE_R | PTE_W"), f"    li a1, {VA}\n    lw a0, 0(a1)\n"),
    "fetch from non-executable": (MAP_A.format("PTE_V | PTE_R | PTE_W"), f"    li a1, {VA}\n    jalr ra, 0(a1)\n"),
    "unmapped": ("", "    li a1, 0x00400000\n    lw a0, 0(a1)\n"),
    "superpage root entry": ("    la t0, root\n    la t1, pageA\n    ori t1, t1, PTE_V | PTE_R\n    sw t1, 4(t0)\n",
                             "    li a1, 0x00400000\n    lw a0, 0(a1)\n"),
    "user needs PTE_U": (MAP_A.format("PTE_V | PTE_R | PTE_W"),
                         f"    li a1, {VA}\n    lw s0, 0(a1)\n" + TO_USER + "    lw a0, 0(a1)\n    ecall\n"),
    "user reads PTE_U page": (MAP_A.format("PTE_V | PTE_R | PTE_W | PTE_U"),
                              f"    li a1, {VA}\n    lw s0, 0(a1)\n" + TO_USER + "    lw a0, 0(a1)\n    ecall\n"),
    "device page through a user mapping": (
        f"    la t0, l2\n    li t1, CONSOLE_TX | PTE_V | PTE_R | PTE_W | PTE_U\n"
        f"    li t2, {(VA >> 12 & 0x3FF) * 4}\n    add t0, t0, t2\n    sw t1, 0(t0)\n",
        f"    li a1, {VA}\n    li a0, 'K'\n    sw a0, 0(a1)\n" + TO_USER + "    sw a0, 0(a1)\n"),
    "stale translation without flush": (MAP_A.format("PTE_V | PTE_R"),
                                        f"    li a1, {VA}\n    lw a0, 0(a1)\n    map {VA}, pageB, PTE_V | PTE_R\n"
                                        "    lw a2, 0(a1)\n"),
    "tlbflush sees the edit": (MAP_A.format("PTE_V | PTE_R"),
                               f"    li a1, {VA}\n    lw a0, 0(a1)\n    map {VA}, pageB, PTE_V | PTE_R\n"
                               "    tlbflush\n    lw a2, 0(a1)\n"),
    "stpmar sees the edit": (MAP_A.format("PTE_V | PTE_R"),
                             f"    li a1, {VA}\n    lw a0, 0(a1)\n    map {VA}, pageB, PTE_V | PTE_R\n"
                             "    ldpmar t3\n    stpmar t3\n    lw a2, 0(a1)\n"),
    "unmap then flush faults": (MAP_A.format("PTE_V | PTE_R"),
                                f"    li a1, {VA}\n    lw a0, 0(a1)\n    map {VA}, pageB, 0\n"
                                "    tlbflush\n    lw a2, 0(a1)\n"),
    "stale code until flush": (f"""
    map {VA}, code1, PTE_V | PTE_X
    la t0, code1
    li t1, 0x00100513
    sw t1, 0(t0)
    li t1, 0x00008067
    sw t1, 4(t0)
    la t0, code2
    li t1, 0x00200513
    sw t1, 0(t0)
    li t1, 0x00008067
    sw t1, 4(t0)
""", f"""
    li a1, {VA}
    jalr ra, 0(a1)
    mv s1, a0
    map {VA}, code2, PTE_V | PTE_X
    jalr ra, 0(a1)
    mv s2, a0
    tlbflush
    jalr ra, 0(a1)
    mv s3, a0
"""),
    "self-modifying code, paged": ("    map 0x10000, code0, PTE_V | PTE_R | PTE_W | PTE_X", """
    li s0, 0
    li s1, 3
again:
    jal ra, patchme
    add s0, s0, a0
    la t0, patchme
    li t1, 0x00a00513
    sw t1, 0(t0)
    addi s1, s1, -1
    bnez s1, again
    j done
patchme:
    li a0, 1
    ret
done:
"""),
}

KERNELS = {**{f"trap: {k}": START + v + HALT for k, v in TRAPS.items()},
           **{f"report: {k}": START + v + REPORT for k, v in TRAPS.items()},
           **{f"device: {k}": START + v + (HALT if "handler:" not in v else "") for k, v in DEVICES.items()},
           **{f"paging: {k}": PAGING.replace("{setup}", s).replace("{body}", b) for k, (s, b) in PAGING_CASES.items()}}


# the monitor's ways of paging and of running the guest kernel (SPEC §9): each must be invisible
MODES = {"trap": {}, "hw+nested": {"strategy": "hw", "paging": "nested"}, "vt": {"strategy": "vt"},
         "vt+shadow": {"strategy": "vt", "paging": "shadow"}}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", KERNELS)
def test_kernel_runs_the_same_under_the_monitor(tmp_path, name, mode):
    elf = assemble(tmp_path, KERNELS[name])
    bare, vmm = run_both(elf, MODES[mode], stdin=b"ab\ncd", limit=200_000)
    assert vmm.observable() == bare.observable()


def test_trap_loop_is_the_same_crash(tmp_path):
    elf = assemble(tmp_path, ".text\n.globl _start\n_start:\n    ecall\n")   # tvec = 0 holds 0: illegal
    bare, vmm = run_both(elf)
    assert vmm.observable() == bare.observable()
    assert vmm.kind == "crash" and vmm.status == 125


def test_page_maps_outside_a_small_memory_are_bus_errors(tmp_path):
    setup = """
    la t0, root
    li t1, 0x00800000 | PTE_V
    sw t1, 4(t0)
    la t0, l2
    li t1, 0x00900000 | PTE_V | PTE_R
    li t2, 0x800
    add t0, t0, t2
    sw t1, 0(t0)
"""
    for body in ("    li a1, 0x00400000\n    lw a0, 0(a1)\n", f"    li a1, {VA + 8}\n    lw a0, 0(a1)\n"):
        elf = assemble(tmp_path, PAGING.replace("{setup}", setup).replace("{body}", body))
        bare, vmm = run_both(elf, mem=4 << 20)
        assert vmm.observable() == bare.observable()
        assert vmm.state["cause"] == 10


def test_fetch_beyond_memory_is_a_bus_error(tmp_path):
    elf = assemble(tmp_path, START + "    li a1, 0x2000000\n    jr a1\n" + HALT)
    bare, vmm = run_both(elf, mem=1 << 20)
    assert vmm.observable() == bare.observable()


def test_rdpsw_and_wrpsw_in_the_guest_kernel_are_not_virtualized(tmp_path):
    """Pure trap-and-emulate: the guest kernel runs in real user mode, so rdpsw reads U = 1 and
    wrpsw is silently ignored (SPEC §3) -- the divergence issue 6's strategies repair."""
    elf = assemble(tmp_path, START + "    rdpsw a0\n    li a1, PSW_IE\n    wrpsw a1\n    mfsr a2, psw\n    halt\n"
                   + HALT)
    bare, vmm = run_both(elf)
    assert (bare.state["regs"][10], bare.state["regs"][12]) == (0, PSW_IE)
    assert (vmm.state["regs"][10], vmm.state["regs"][12]) == (PSW_U, 0)
