"""Shadow page maps: cached per guest root, so switching back to an address space does not
rebuild it, yet never using a translation the guest's maps no longer give after a flush; a guest
whose page maps outgrow its budget of monitor frames still runs correctly."""
from __future__ import annotations

import pytest

from vmm_support import assemble, run_bare, run_vmm

# Two address spaces A and B: each maps the code one to one and va 0x200000 to its own data page.
# The kernel switches between them ROUNDS times, reading va 0x200000 in each; then, with
# translation off, points A's leaf at page C, switches to A (stpmar flushes) and reads again.
SWITCHER = """
    .equ ROUNDS, {rounds}
    .text
    .globl _start
_start:
    la t0, handler
    mtsr tvec, t0
    la a0, rootA
    la a1, l2A
    la a2, pageA
    call build
    la a0, rootB
    la a1, l2B
    la a2, pageB
    call build
    la s2, rootA
    ori s2, s2, PMAR_ON
    la s3, rootB
    ori s3, s3, PMAR_ON
    li s1, ROUNDS
    li s0, 0
    li a1, 0x200000
1:  stpmar s2
    lw t0, 0(a1)
    add s0, s0, t0
    stpmar s3
    lw t0, 0(a1)
    add s0, s0, t0
    addi s1, s1, -1
    bnez s1, 1b
    stpmar zero
    la t0, l2A
    li t2, 0x200 * 4
    add t0, t0, t2
    la t1, pageC
    ori t1, t1, PTE_V | PTE_R
    sw t1, 0(t0)
    stpmar s2
    lw s4, 0(a1)
    stpmar s3
    lw s5, 0(a1)
    stpmar s2
    lw s6, 0(a1)
    halt
handler:
    halt

# build(a0 = root, a1 = l2, a2 = data page): root[0] -> l2; code page 1:1; va 0x200000 -> data
build:
    ori t0, a1, PTE_V
    sw t0, 0(a0)
    la t0, _start
    srli t1, t0, 12
    slli t1, t1, 2
    add t1, t1, a1
    ori t0, t0, PTE_V | PTE_R | PTE_X
    sw t0, 0(t1)
    li t1, 0x200 * 4
    add t1, t1, a1
    ori t0, a2, PTE_V | PTE_R
    sw t0, 0(t1)
    ret

    .data
    .p2align 12
rootA: .space 4096
l2A:   .space 4096
rootB: .space 4096
l2B:   .space 4096
pageA: .word 1
    .p2align 12
pageB: .word 100
    .p2align 12
pageC: .word 10000
    .p2align 12
"""


def switcher(tmp_path, rounds: int, cache: bool):
    elf = assemble(tmp_path, SWITCHER.format(rounds=rounds), f"switcher{rounds}")
    bare = run_bare(elf)
    (vmm,), monitor = run_vmm([{"elf": elf}], shadow_cache=cache)
    assert vmm.observable() == bare.observable()
    regs = vmm.state["regs"]
    assert regs[8] == rounds * 101 and (regs[20], regs[21], regs[22]) == (10000, 100, 10000)
    return monitor.guests[0].stats


@pytest.mark.parametrize("cache", [True, False])
def test_switching_back_to_a_root_reuses_its_shadow_and_sees_edits_after_a_flush(tmp_path, cache):
    few, many = switcher(tmp_path, 10, cache), switcher(tmp_path, 50, cache)
    more_switches = many.pmar_switches - few.pmar_switches
    assert more_switches == 2 * 40
    if cache:   # each root's shadow is built and filled once, whatever the number of switches
        assert (many.shadow_builds, many.shadow_fills) == (few.shadow_builds, few.shadow_fills)
        assert many.shadow_builds == 3                 # translation off, root A, root B
        assert many.shadow_dropped == few.shadow_dropped == 1   # A's edited leaf, at its resync
    else:       # every stpmar throws the shadows away: a rebuild and two fills per switch
        assert many.shadow_builds - few.shadow_builds == more_switches
        assert many.shadow_fills - few.shadow_fills == 2 * more_switches


def test_page_maps_larger_than_the_frame_budget(tmp_path):
    """A guest touching 40 second-level maps' worth of address space with a budget of 8 monitor
    frames: shadows are evicted and rebuilt as it runs, and it computes what it computes bare."""
    source = """
    .text
    .globl _start
_start:
    la t0, handler
    mtsr tvec, t0
    la s0, root
    la s1, l2
    ori t0, s1, PTE_V
    li t1, 0
1:  sw t0, 0(s0)              # every root entry -> the same second-level map
    addi s0, s0, 4
    addi t1, t1, 1
    li t2, 1024
    bne t1, t2, 1b
    la t0, _start             # which maps the code page 1:1 and page 0x200 -> data
    srli t1, t0, 12
    slli t1, t1, 2
    add t1, t1, s1
    ori t0, t0, PTE_V | PTE_R | PTE_X
    sw t0, 0(t1)
    la t0, data
    ori t0, t0, PTE_V | PTE_R | PTE_W
    li t1, 0x200 * 4
    add t1, t1, s1
    sw t0, 0(t1)
    la t0, root
    ori t0, t0, PMAR_ON
    stpmar t0
    li s2, 0                  # touch va 0x200000 + k * 4 MiB for k = 0..39, three times over
    li s3, 3
2:  li s4, 40
    li s5, 0x200000
3:  lw t0, 0(s5)
    addi t0, t0, 1
    sw t0, 0(s5)
    add s2, s2, t0
    li t1, 0x400000
    add s5, s5, t1
    addi s4, s4, -1
    bnez s4, 3b
    addi s3, s3, -1
    bnez s3, 2b
    halt
handler:
    halt
    .data
    .p2align 12
root: .space 4096
l2:   .space 4096
data: .word 0
"""
    elf = assemble(tmp_path, source)
    bare = run_bare(elf)
    (vmm,), monitor = run_vmm([{"elf": elf}], shadow_frames=8)
    assert vmm.observable() == bare.observable()
    assert vmm.state["regs"][18] == sum(range(1, 121))
    assert monitor.guests[0].stats.shadow_evictions > 0
