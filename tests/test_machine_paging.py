"""Page maps (SPEC §5): walks with each permission, kernel-only pages, the TLB and its flushes,
and self-modifying code. Programs map virtual pages in the 0..4 MiB window (root entry 0)."""
from __future__ import annotations

import pytest

from isa.machine import CAUSE_BY_NAME as C
from isa.machine import PSW_PU
from toy32_llvm import build, symbols
from vmm.machine import Machine, load_executable

PROGRAM = """
.macro map va, page, flags
    la t1, \\page
    ori t1, t1, \\flags
    la t0, l2
    li t2, (((\\va) >> 12) & 0x3FF) * 4
    add t0, t0, t2
    sw t1, 0(t0)
.endm
.macro mapid page, flags        # identity-map a labelled page
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
    la t0, handler
    mtsr tvec, t0
    la t0, root                 # root entry 0 -> l2 (a pointer: V only)
    la t1, l2
    ori t1, t1, PTE_V
    sw t1, 0(t0)
    map 0x10000, code0, PTE_V | PTE_R | PTE_X | PTE_U
    map 0x11000, code1, PTE_V | PTE_R | PTE_X | PTE_U
    map 0x12000, code2, PTE_V | PTE_R | PTE_X | PTE_U
    mapid root, PTE_V | PTE_R | PTE_W          # the maps stay editable with translation on
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
VA = 0x200000   # the data page the tests map


def run(tmp_path, setup, body, **options):
    elf = build(tmp_path, PROGRAM.replace("{setup}", setup).replace("{body}", body).replace(
        ".globl _start\n_start:", ".globl _start\n_start:\ncode0:"))
    m = Machine(**options)
    m.pc = load_executable(m, str(elf)).entry
    stop = m.run(100_000)
    return m, symbols(elf), stop


@pytest.mark.parametrize("flags, insn, cause", [
    ("PTE_V | PTE_R", "lw a0, 0(a1)", None),
    ("PTE_V | PTE_R", "sw a0, 0(a1)", "PAGE_FAULT_STORE"),
    ("PTE_V | PTE_W", "lw a0, 0(a1)", "PAGE_FAULT_LOAD"),
    ("PTE_V | PTE_R | PTE_W", "sw a0, 0(a1)", None),
    ("PTE_R | PTE_W", "lw a0, 0(a1)", "PAGE_FAULT_LOAD"),            # not valid
    ("PTE_V | PTE_R | PTE_W", "jalr ra, 0(a1)", "PAGE_FAULT_FETCH"),  # not executable
])
def test_kernel_access_is_decided_by_the_leaf_flags(tmp_path, flags, insn, cause):
    m, syms, stop = run(tmp_path, f"    map {VA:#x}, pageA, {flags}",
                        f"    li a1, {VA:#x}\n    li a0, 0x77\nhere:\n    {insn}\n    li a2, 1\n")
    if cause is None:
        assert m.regs[12] == 1 and stop.kind == "halt"
        assert m.regs[10] == 0xAAAA0001 or m.mem.read_word(syms["pageA"]) == 0x77
    else:
        epc = VA if cause == "PAGE_FAULT_FETCH" else syms["here"]
        assert (m.cause, m.tval, m.epc) == (C[cause], VA, epc)
        assert m.regs[12] == 0


def test_unmapped_address_and_superpage_root_entries_fault(tmp_path):
    m, syms, stop = run(tmp_path, "", "    li a1, 0x00400000\nhere:\n    lw a0, 0(a1)\n")
    assert (m.cause, m.tval, m.epc) == (C["PAGE_FAULT_LOAD"], 0x400000, syms["here"])
    setup = """
    la t0, root
    la t1, pageA
    ori t1, t1, PTE_V | PTE_R      # a root entry with R: no superpages
    sw t1, 4(t0)
"""
    m, syms, stop = run(tmp_path, setup, "    li a1, 0x00400000\nhere:\n    lw a0, 0(a1)\n")
    assert (m.cause, m.tval) == (C["PAGE_FAULT_LOAD"], 0x400000)


def test_page_map_outside_ram_and_leaf_outside_ram_are_bus_errors(tmp_path):
    setup = """
    la t0, root
    li t1, 0x00800000 | PTE_V      # second level beyond 4 MiB of RAM
    sw t1, 4(t0)
    la t0, l2
    li t1, 0x00900000 | PTE_V | PTE_R
    li t2, 0x800
    add t0, t0, t2
    sw t1, 0(t0)                   # va 0x200000 -> physical 9 MiB
"""
    body = "    li a1, 0x00400000\nhere:\n    lw a0, 0(a1)\n"
    m, syms, stop = run(tmp_path, setup, body, mem_size=4 << 20)
    assert (m.cause, m.tval) == (C["BUS_ERROR"], 0x400000)
    m, syms, stop = run(tmp_path, setup, f"    li a1, {VA + 8:#x}\nhere:\n    lw a0, 0(a1)\n", mem_size=4 << 20)
    assert (m.cause, m.tval) == (C["BUS_ERROR"], VA + 8)


def to_user(target="user"):
    return f"""
    la t0, {target}
    mtsr epc, t0
    li t0, PSW_PU
    mtsr psw, t0
    rti
{target}:
"""


@pytest.mark.parametrize("flags, ok", [("PTE_V | PTE_R | PTE_W | PTE_U", True),
                                       ("PTE_V | PTE_R | PTE_W", False)])
def test_user_mode_needs_pte_u_and_kernel_mode_does_not(tmp_path, flags, ok):
    body = f"    li a1, {VA:#x}\n    lw s0, 0(a1)\n" + to_user() + "here:\n    lw a0, 0(a1)\n    ecall\n"
    m, syms, stop = run(tmp_path, f"    map {VA:#x}, pageA, {flags}", body)
    assert m.regs[8] == 0xAAAA0001                     # kernel read it either way
    if ok:
        assert m.cause == C["SVC"] and m.regs[10] == 0xAAAA0001
    else:
        assert (m.cause, m.tval, m.epc) == (C["PAGE_FAULT_LOAD"], VA, syms["here"])
        assert m.psw == PSW_PU


def test_device_page_is_kernel_only_even_through_a_user_mapping(tmp_path):
    setup = f"""
    la t0, l2
    li t1, CONSOLE_TX | PTE_V | PTE_R | PTE_W | PTE_U
    li t2, {(VA >> 12 & 0x3FF) * 4}
    add t0, t0, t2
    sw t1, 0(t0)
"""
    body = f"    li a1, {VA:#x}\n    li a0, 'K'\n    sw a0, 0(a1)\n" + to_user() + "here:\n    sw a0, 0(a1)\n"
    m, syms, stop = run(tmp_path, setup, body)
    assert (m.cause, m.tval, m.epc) == (C["PAGE_FAULT_STORE"], VA, syms["here"])


def test_user_mode_without_translation_cannot_touch_devices(tmp_path):
    elf = build(tmp_path, f"""
.text
.globl _start
_start:
    la t0, handler
    mtsr tvec, t0
    li a1, TIMER_NOW
{to_user()}
here:
    lw a0, 0(a1)
handler:
    halt
""")
    m = Machine()
    m.pc = load_executable(m, str(elf)).entry
    m.run(1000)
    assert (m.cause, m.tval, m.epc) == (C["PAGE_FAULT_LOAD"], 0xF0000014, symbols(elf)["here"])


@pytest.mark.parametrize("flush, sees_new", [("", False), ("    tlbflush", True),
                                             ("    ldpmar t3\n    stpmar t3", True)])
def test_a_stale_translation_survives_a_page_map_edit_until_flushed(tmp_path, flush, sees_new):
    body = f"""
    li a1, {VA:#x}
    lw a0, 0(a1)                   # fills the TLB: pageA
    map {VA:#x}, pageB, PTE_V | PTE_R
{flush}
    lw a2, 0(a1)
"""
    m, syms, stop = run(tmp_path, f"    map {VA:#x}, pageA, PTE_V | PTE_R", body)
    assert m.regs[10] == 0xAAAA0001
    assert m.regs[12] == (0xBBBB0002 if sees_new else 0xAAAA0001)


def test_stale_instruction_translation_until_flush(tmp_path):
    """Code fetched through a mapping keeps running after the map changes, until tlbflush."""
    setup = f"""
    map {VA:#x}, code1, PTE_V | PTE_X
    la t0, code1                   # code1: li a0, 1; ret   code2: li a0, 2; ret
    li t1, 0x00100513
    sw t1, 0(t0)
    li t1, 0x00008067
    sw t1, 4(t0)
    la t0, code2
    li t1, 0x00200513
    sw t1, 0(t0)
    li t1, 0x00008067
    sw t1, 4(t0)
"""
    body = f"""
    li a1, {VA:#x}
    jalr ra, 0(a1)
    mv s1, a0
    map {VA:#x}, code2, PTE_V | PTE_X
    jalr ra, 0(a1)
    mv s2, a0
    tlbflush
    jalr ra, 0(a1)
    mv s3, a0
"""
    m, syms, stop = run(tmp_path, setup, body)
    assert stop.kind == "halt"
    assert (m.regs[9], m.regs[18], m.regs[19]) == (1, 1, 2)


@pytest.mark.parametrize("paging", [False, True])
def test_code_rewritten_by_stores_runs_new(tmp_path, paging):
    body = """
    li s0, 0
    li s1, 3
again:
    jal ra, patchme
    add s0, s0, a0
    la t0, patchme                 # patch 'li a0, 1' into 'li a0, 10'
    li t1, 0x00a00513
    sw t1, 0(t0)
    addi s1, s1, -1
    bnez s1, again
"""
    program_tail = "    halt\nhandler:\n    halt\npatchme:\n    li a0, 1\n    ret\n"
    if paging:
        m, syms, stop = run(tmp_path, "    map 0x10000, code0, PTE_V | PTE_R | PTE_W | PTE_X",
                            body.replace("    halt", "") + "    j done\npatchme:\n    li a0, 1\n    ret\ndone:\n")
    else:
        elf = build(tmp_path, ".text\n.globl _start\n_start:\n" + body + program_tail)
        m = Machine()
        m.pc = load_executable(m, str(elf)).entry
        stop = m.run(100_000)
    assert stop.kind == "halt"
    assert m.regs[8] == 1 + 10 + 10


def test_data_beside_code_in_one_page_does_not_retranslate_the_code(tmp_path):
    body = """
    li s1, 5000
loop:
    la t0, counter
    lw t1, 0(t0)
    addi t1, t1, 3
    sw t1, 0(t0)                # a store into the page holding this loop
    addi s1, s1, -1
    bnez s1, loop
    lw s0, 0(t0)
    halt
counter: .word 0
"""
    elf = build(tmp_path, ".text\n.globl _start\n_start:\n" + body)
    m = Machine()
    m.pc = load_executable(m, str(elf)).entry
    m.run(100_000)
    assert m.regs[8] == 15000
    assert m.code.translations < 10
