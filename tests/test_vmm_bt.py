"""``--strategy bt`` (vmm/monitor/strategies/bt.py): small kernels that use rdpsw/wrpsw, read and write their
own code, straddle page boundaries and alias code pages end exactly as on the bare machine --
output, how they ended and the whole architectural state, instruction count included -- and the
guest OS boots the same under bt as bare.

The bare machine is the reference. Where a test also spells out the expected text, it is derived
from SPEC §3 and the instruction table (isa/), not from a run: rdpsw in kernel mode reads the
psw (IE as set, U = 0), loads read the encoding the assembler wrote. Each sensitive kernel is
also run under ``--strategy trap`` to show the program does tell the difference."""
from __future__ import annotations

import subprocess
import sys

import pytest

from asm.api import assemble_source
from isa import BY_MNEMONIC, sign_extend
from isa.machine import CAUSE_BY_NAME, PSW_IE, PSW_PIE, PSW_PU, PSW_U, REGISTERS

from guestos_run import ROOT, build_all
from vmm_support import TO_USER, run_bare, run_vmm

TOYVM = [sys.executable, "-m", "vmm.cli"]
MASK = 0xFFFFFFFF

# --- the kernels' common parts ---------------------------------------------------------------------
PHYSICAL = """
    .text
    .globl _start
_start:
    la      t0, handler
    mtsr    tvec, t0
"""
# Identity-map the whole image (user-accessible too) and the device page, then turn translation on.
PAGED = PHYSICAL + """
    la      t0, root
    la      t1, l2
    ori     t1, t1, PTE_V
    sw      t1, 0(t0)                   # the image lies below 4 MiB: root entry 0
    la      t2, _start
    la      t3, image_end
1:  srli    t4, t2, 12
    andi    t4, t4, 0x3FF
    slli    t4, t4, 2
    la      t5, l2
    add     t4, t4, t5
    ori     t5, t2, PTE_V | PTE_R | PTE_W | PTE_X | PTE_U
    sw      t5, 0(t4)
    li      t5, 4096
    add     t2, t2, t5
    bltu    t2, t3, 1b
    li      t2, CONSOLE_TX
    srli    t2, t2, 12
    slli    t2, t2, 12                  # the device page
    srli    t4, t2, 22
    slli    t4, t4, 2
    add     t4, t4, t0
    la      t5, l2dev
    ori     t5, t5, PTE_V
    sw      t5, 0(t4)
    srli    t4, t2, 12
    andi    t4, t4, 0x3FF
    slli    t4, t4, 2
    la      t5, l2dev
    add     t4, t4, t5
    ori     t5, t2, PTE_V | PTE_R | PTE_W
    sw      t5, 0(t4)
    {extra_maps}
    ori     t0, t0, PMAR_ON
    stpmar  t0
"""
MAP = """
    la      t1, {page}
    ori     t1, t1, {flags}
    la      t4, l2
    li      t5, ((({va}) >> 12) & 0x3FF) * 4
    add     t4, t4, t5
    sw      t1, 0(t4)
"""
# puthex prints a0 as eight hex digits and a space; the handler prints "!cause epc tval", goes on
# after the trapping instruction (an interrupt: at epc), and for an ecall prints s0..s3 and ends.
LIB = """
    .text
putc:
    li      t0, CONSOLE_TX
    sw      a0, 0(t0)
    ret
puthex:
    li      t0, CONSOLE_TX
    li      t1, 28
1:  srl     t2, a0, t1
    andi    t2, t2, 15
    addi    t2, t2, '0'
    li      a1, '9'
    ble     t2, a1, 2f
    addi    t2, t2, 'a' - '9' - 1
2:  sw      t2, 0(t0)
    addi    t1, t1, -4
    bgez    t1, 1b
    li      t2, ' '
    sw      t2, 0(t0)
    ret
finish:
    li      t0, CONSOLE_TX
    li      t1, '\\n'
    sw      t1, 0(t0)
    halt
handler:
    mtsr    scratch, t6
    la      t6, save
    sw      a0, 0(t6)
    sw      a1, 4(t6)
    sw      t0, 8(t6)
    sw      t1, 12(t6)
    sw      t2, 16(t6)
    sw      ra, 20(t6)
    li      t0, TIMER_LOAD
    sw      zero, 0(t0)                 # disarm: one tick per arming
    li      a0, '!'
    call    putc
    mfsr    a0, cause
    call    puthex
    mfsr    a0, epc
    call    puthex
    mfsr    a0, tval
    call    puthex
    mfsr    t0, cause
    li      t1, CAUSE_SVC
    bne     t0, t1, 1f
    mv      a0, s0
    call    puthex
    mv      a0, s1
    call    puthex
    mv      a0, s2
    call    puthex
    mv      a0, s3
    call    puthex
    j       finish
1:  bltz    t0, 2f
    mfsr    t0, epc
    addi    t0, t0, 4
    mtsr    epc, t0
2:  la      t6, save
    lw      a0, 0(t6)
    lw      a1, 4(t6)
    lw      t0, 8(t6)
    lw      t1, 12(t6)
    lw      t2, 16(t6)
    lw      ra, 20(t6)
    mfsr    t6, scratch
    rti
    .data
    .p2align 12
root:   .space 4096
l2:     .space 4096
l2dev:  .space 4096
save:   .space 32
    .p2align 12
image_end:
"""
MODES = ("physical", "paged")


def build(tmp_path, body: str, mode: str = "physical", extra_maps: str = "", name: str = "kernel"):
    """The kernel (prelude for the mode + body + LIB) as an ELF file, and its symbols."""
    prelude = PHYSICAL if mode == "physical" else PAGED.replace("{extra_maps}", extra_maps)
    exe = assemble_source(prelude + body + LIB, f"{name}.s")
    elf = tmp_path / f"{name}-{mode}.elf"
    elf.write_bytes(exe.to_elf())
    return elf, exe.symbols


def under(elf, strategy: str):
    (outcome,), monitor = run_vmm([{"elf": elf}], limit=200_000, strategy=strategy)
    return outcome, monitor.guests[0].stats


def hexes(*values: int) -> str:
    return "".join(f"{v & MASK:08x} " for v in values)


def trap_line(cause: str, epc: int, tval: int) -> str:
    return "!" + hexes(CAUSE_BY_NAME[cause], epc, tval)


def encode(mnemonic: str, rd: int = 0, rs1: int = 0) -> int:
    """rdpsw/wrpsw words from the instruction table (SPEC §3 names, isa/ numbers)."""
    return BY_MNEMONIC[mnemonic].match | rd << 7 | rs1 << 15


def assert_bt_matches_bare(elf):
    bare = run_bare(elf, limit=200_000)
    bt, stats = under(elf, "bt")
    assert bt.observable() == bare.observable()
    return bare, stats


# --- 1. rdpsw/wrpsw in virtual kernel mode ---------------------------------------------------------
SENSITIVE = """
    rdpsw   a0                          # kernel mode, IE off: 0
    call    puthex
    li      t0, PSW_IE
    wrpsw   t0
    rdpsw   a0                          # IE on
    call    puthex
    wrpsw   zero
    rdpsw   a0                          # IE off again
    call    puthex
    mfsr    a0, psw
    call    puthex
hc: hypercall                           # the guest's own: reflected as on the bare machine
    j       finish
"""


@pytest.mark.parametrize("mode", MODES)
def test_rdpsw_and_wrpsw_in_kernel_mode(tmp_path, mode):
    elf, sym = build(tmp_path, SENSITIVE, mode)
    bare, stats = assert_bt_matches_bare(elf)
    hypercall = BY_MNEMONIC["hypercall"].match
    assert bare.output.decode() == (hexes(0, PSW_IE, 0, 0)
                                    + trap_line("VIRTUALIZATION_TRAP", sym["hc"], hypercall) + "\n")
    assert stats.bt_patches >= 4 and stats.sensitive["rdpsw"] == 3 and stats.sensitive["wrpsw"] == 2
    trap, _ = under(elf, "trap")
    assert trap.output != bare.output                     # U leaks: the program tells


TIMER = """
    li      t0, PSW_IE
    mtsr    psw, t0                     # interrupts on (privileged: right under any strategy)
    wrpsw   zero                        # ... and off with the sensitive instruction
    li      t1, TIMER_LOAD
    li      t0, 10
    sw      t0, 0(t1)                   # TIMER due 10 instructions from now
    li      s0, 0
    li      s1, 100
1:  addi    s0, s0, 1
    blt     s0, s1, 1b                  # spin far past the deadline
    li      a0, 'A'
    call    putc
    li      t0, PSW_IE
    wrpsw   t0                          # the pending tick is taken right after this
after:
    li      a0, 'B'
    call    putc
    j       finish
"""


@pytest.mark.parametrize("mode", MODES)
def test_wrpsw_really_disables_interrupts(tmp_path, mode):
    elf, sym = build(tmp_path, TIMER, mode)
    bare, _ = assert_bt_matches_bare(elf)
    assert bare.output.decode() == "A" + trap_line("TIMER", sym["after"], 0) + "B\n"
    trap, _ = under(elf, "trap")
    assert trap.output.decode().startswith("!")         # wrpsw ignored: the tick hit the spin loop


# --- 2. a kernel reading its own code sees what it wrote -------------------------------------------
SELF_READ = """
sr: rdpsw   a5                          # executed: its page is scanned and this word patched
sw_: wrpsw  a5
    la      s0, sr
    lw      a0, 0(s0)
    call    puthex
    lh      a0, 0(s0)
    call    puthex
    lhu     a0, 2(s0)
    call    puthex
    lb      a0, 0(s0)
    call    puthex
    lbu     a0, 0(s0)
    call    puthex
    la      s0, sw_
    lw      a0, 0(s0)
    call    puthex
    lh      a0, 0(s0)
    call    puthex
    lb      a0, 1(s0)
    call    puthex
    la      s0, fake
    lw      a0, 0(s0)
    call    puthex
mis: lw     a0, 2(s0)                   # misaligned: the bare machine's trap, not an emulated load
    j       finish
fake: rdpsw s11                         # never executed, yet in a scanned page
"""


@pytest.mark.parametrize("mode", MODES)
def test_kernel_reads_the_original_encoding_of_its_code(tmp_path, mode):
    elf, sym = build(tmp_path, SELF_READ, mode)
    bare, stats = assert_bt_matches_bare(elf)
    a5, s11 = REGISTERS["a5"], REGISTERS["s11"]
    r, w, f = encode("rdpsw", rd=a5), encode("wrpsw", rs1=a5), encode("rdpsw", rd=s11)
    assert sign_extend(r & 0xFF, 8) < 0 and sign_extend(w & 0xFFFF, 16) < 0    # the tests bite
    expected = hexes(r, sign_extend(r & 0xFFFF, 16), r >> 16, sign_extend(r & 0xFF, 8), r & 0xFF,
                     w, sign_extend(w & 0xFFFF, 16), sign_extend(w >> 8 & 0xFF, 8), f)
    expected += trap_line("MISALIGNED_LOAD", sym["mis"], sym["fake"] + 2) + "\n"
    assert bare.output.decode() == expected
    assert stats.bt_patches >= 3 and stats.bt_faults >= 9          # the patches were really there


# --- 3. self-modifying code ------------------------------------------------------------------------
SELF_MODIFY = """
    li      t0, PSW_IE
    mtsr    psw, t0
    la      s0, slot
    call    slot_fn                     # rdpsw as assembled
    call    puthex
    la      t1, tmpl_addi
    lw      t0, 0(t1)
    sw      t0, 0(s0)                   # the rdpsw overwritten by an addi
    call    slot_fn
    call    puthex
    la      t1, tmpl_rdpsw
    lw      t0, 0(t1)
    sw      t0, 0(s0)                   # a new rdpsw written at run time
    call    slot_fn
    call    puthex
    lw      a0, 0(s0)                   # reads back the word it wrote
    call    puthex
    la      t1, tmpl_wrpsw
    lw      t0, 0(t1)
    sw      t0, 0(s0)                   # and a new wrpsw
    call    slot_fn
    rdpsw   a0
    call    puthex
    j       finish
slot_fn:
slot: rdpsw a0
    ret
    .data
tmpl_addi:  addi a0, zero, 0x123
tmpl_rdpsw: rdpsw a0
tmpl_wrpsw: wrpsw zero
"""


@pytest.mark.parametrize("mode", MODES)
def test_self_modifying_code(tmp_path, mode):
    elf, _ = build(tmp_path, SELF_MODIFY, mode)
    bare, _ = assert_bt_matches_bare(elf)
    assert bare.output.decode() == hexes(PSW_IE, 0x123, PSW_IE, encode("rdpsw", rd=REGISTERS["a0"]), 0) + "\n"
    trap, _ = under(elf, "trap")
    assert trap.output != bare.output


CODE_AND_DATA = """
    li      t0, PSW_IE
    mtsr    psw, t0
    la      s0, counter                 # a word of the very page this loop runs in
    li      s1, 0
    li      s2, 0
1:  lw      t0, 0(s0)
    addi    t0, t0, 3
    sw      t0, 0(s0)                   # a store into the executing code page
    rdpsw   t1                          # and a sensitive instruction in it
    add     s2, s2, t1
    addi    s1, s1, 1
    li      t2, 25
    blt     s1, t2, 1b
    lw      a0, 0(s0)
    call    puthex
    mv      a0, s2
    call    puthex
    j       finish
counter: .word 0
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_page_that_is_code_and_data_at_once(tmp_path, mode):
    elf, _ = build(tmp_path, CODE_AND_DATA, mode)
    bare, stats = assert_bt_matches_bare(elf)
    assert bare.output.decode() == hexes(75, 25 * PSW_IE) + "\n"
    assert stats.bt_scans > 25                    # each store made the page be rescanned
    trap, _ = under(elf, "trap")
    assert trap.output != bare.output


# --- 4. a sensitive instruction in a page's last word ----------------------------------------------
EDGE = """
    li      t0, PSW_IE
    mtsr    psw, t0
    la      s0, edge
    lhu     s3, 2(s0)                   # its halfword, read before and after it ran
    j       edge
    .balign 4096
    .space  4092
edge:
    rdpsw   a0                          # offset 0xFFC
next:
    wrpsw   zero                        # the first word of the next page
    rdpsw   s2
    lw      s1, 0(s0)
    lhu     s0, 2(s0)
    call    puthex
    mv      a0, s2
    call    puthex
    mv      a0, s1
    call    puthex
    mv      a0, s0
    call    puthex
    mv      a0, s3
    call    puthex
    j       finish
"""


@pytest.mark.parametrize("mode", MODES)
def test_sensitive_instruction_in_the_last_word_of_a_page(tmp_path, mode):
    elf, sym = build(tmp_path, EDGE, mode)
    assert sym["edge"] & 0xFFF == 0xFFC and sym["next"] & 0xFFF == 0
    bare, _ = assert_bt_matches_bare(elf)
    word = encode("rdpsw", rd=REGISTERS["a0"])
    assert bare.output.decode() == hexes(PSW_IE, 0, word, word >> 16, word >> 16) + "\n"
    trap, _ = under(elf, "trap")
    assert trap.output != bare.output


# --- 5. one code page at two virtual addresses ------------------------------------------------------
VA1, VA2 = 0x300000, 0x301000
ALIAS_MAPS = (MAP.format(page="shared", flags="PTE_V | PTE_R | PTE_W | PTE_X", va=VA1)
              + MAP.format(page="shared", flags="PTE_V | PTE_R | PTE_X", va=VA2))
ALIAS = f"""
    li      t0, PSW_IE
    mtsr    psw, t0
    li      s0, {VA1}
    jalr    ra, 0(s0)
    call    puthex
    mv      a0, a2
    call    puthex
    li      t0, PSW_IE
    mtsr    psw, t0
    li      s0, {VA2}
    jalr    ra, 0(s0)
    call    puthex
    mv      a0, a2
    call    puthex
    {{rewrite}}
    j       finish
    .balign 4096
shared:                                 # three sensitive words
    rdpsw   a0
    li      a1, 0
    wrpsw   a1
    rdpsw   a2
    ret
"""
REWRITE = f"""
    la      t1, tmpl
    lw      t0, 0(t1)
    li      s0, {VA1}
    sw      t0, 8(s0)                   # through the one address: the wrpsw becomes a nop
    li      t0, PSW_IE
    mtsr    psw, t0
    li      s0, {VA2}
    jalr    ra, 0(s0)                   # through the other: IE stays on
    call    puthex
    mv      a0, a2
    call    puthex
    lw      a0, 8(s0)
    call    puthex
    .data
tmpl: nop
    .text
"""


def test_code_page_at_two_addresses_is_patched_once(tmp_path):
    elf, _ = build(tmp_path, ALIAS.replace("{rewrite}", ""), "paged", ALIAS_MAPS)
    bare, stats = assert_bt_matches_bare(elf)
    assert bare.output.decode() == hexes(PSW_IE, 0, PSW_IE, 0) + "\n"
    assert stats.bt_patches == 3                        # the kernel has no other rdpsw/wrpsw
    trap, _ = under(elf, "trap")
    assert trap.output != bare.output


def test_a_store_through_one_alias_is_seen_through_the_other(tmp_path):
    elf, _ = build(tmp_path, ALIAS.replace("{rewrite}", REWRITE), "paged", ALIAS_MAPS)
    bare, _ = assert_bt_matches_bare(elf)
    nop = BY_MNEMONIC["addi"].match
    assert bare.output.decode() == hexes(PSW_IE, 0, PSW_IE, 0, PSW_IE, PSW_IE, nop) + "\n"


PRE_TOUCH = f"""
    li      s0, {VA1}
    lw      t0, 0(s0)                   # through VA1 before the page ever ran: a leaf with R and W
    sw      t0, 0(s0)
    li      t0, PSW_IE
    mtsr    psw, t0
    li      s1, {VA2}
    jalr    ra, 0(s1)                   # through VA2: the page is scanned and patched
    call    puthex
    mv      a0, a2
    call    puthex
    lw      a0, 0(s0)                   # through VA1 again: the original rdpsw
    call    puthex
    la      t1, tmpl
    lw      t0, 0(t1)
    sw      t0, 8(s0)                   # through VA1: the wrpsw becomes a nop
    li      t0, PSW_IE
    mtsr    psw, t0
    jalr    ra, 0(s1)
    call    puthex
    mv      a0, a2
    call    puthex
    j       finish
    .data
tmpl: nop
    .text
    .balign 4096
shared:
    rdpsw   a0
    li      a1, 0
    wrpsw   a1
    rdpsw   a2
    ret
"""


def test_no_leaf_filled_before_the_scan_survives_it(tmp_path):
    """A leaf for the page at another address, filled while it was unscanned, must lose R/W."""
    elf, _ = build(tmp_path, PRE_TOUCH, "paged", ALIAS_MAPS)
    bare, _ = assert_bt_matches_bare(elf)
    rdpsw_a0 = encode("rdpsw", rd=REGISTERS["a0"])
    assert bare.output.decode() == hexes(PSW_IE, 0, rdpsw_a0, PSW_IE, PSW_IE) + "\n"


# --- virtual user mode on scanned pages -------------------------------------------------------------
USER = """
    rdpsw   a0                          # kernel mode: the page is scanned
    call    puthex
""" + TO_USER + """
    rdpsw   s0                          # user mode: U = 1, on the bare machine too
    wrpsw   zero                        # ignored in user mode
    rdpsw   s1
    la      t1, user
    lw      s2, 0(t1)                   # its own (patched) word
    la      t1, scribble
    li      t0, 0x1234
    sw      t0, 0(t1)                   # a store into the scanned page
    lw      s3, 0(t1)
    ecall
scribble: .word 0
"""


@pytest.mark.parametrize("mode", MODES)
def test_user_mode_on_a_scanned_page(tmp_path, mode):
    elf, sym = build(tmp_path, USER, mode)
    bare, _ = assert_bt_matches_bare(elf)
    psw = PSW_U | PSW_IE | PSW_PU | PSW_PIE
    assert bare.output.decode() == (hexes(0) + trap_line("SVC", sym["scribble"] - 4, 0)
                                    + hexes(psw, psw, encode("rdpsw", rd=REGISTERS["s0"]), 0x1234) + "\n")


USER_THEN_KERNEL = """
    la      t0, khandler
    mtsr    tvec, t0
    li      s3, 0
    la      t0, user
    mtsr    epc, t0
    li      t0, PSW_PU
    mtsr    psw, t0
    rti
user:
    la      t1, pagep
    lw      s0, 0(t1)                   # the user view gets a readable, writable leaf for P
    sw      s0, 0(t1)
    ecall                               # the kernel runs P: scanned
    la      t1, pagep
    la      t2, tmpl
    lw      t0, 0(t2)
    sw      t0, 0(t1)                   # the user writes a rdpsw into P
    lw      s1, 0(t1)
    ecall                               # the kernel runs P again
khandler:
    addi    s3, s3, 1
    call    pagep
    li      t0, 2
    beq     s3, t0, 1f
    mv      s4, a0
    mfsr    t0, epc
    addi    t0, t0, 4
    mtsr    epc, t0
    rti
1:  mv      s5, a0
    mv      a0, s0
    call    puthex
    mv      a0, s1
    call    puthex
    mv      a0, s4
    call    puthex
    mv      a0, s5
    call    puthex
    j       finish
    .data
tmpl: rdpsw a0
    .text
    .balign 4096
pagep:
    addi    a0, zero, 7
    ret
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_user_store_after_the_kernel_scanned_the_page(tmp_path, mode):
    """The user view's leaf for a page the kernel then scans must lose W."""
    elf, _ = build(tmp_path, USER_THEN_KERNEL, mode)
    bare, _ = assert_bt_matches_bare(elf)
    addi = BY_MNEMONIC["addi"].match | REGISTERS["a0"] << 7 | 7 << 20
    assert bare.output.decode() == hexes(addi, encode("rdpsw", rd=REGISTERS["a0"]), 7, PSW_PU) + "\n"


# --- 6. the guest OS --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("guestos-bt"))


def test_guestos_boots_programs_under_bt_as_bare(built):
    modules = [built["primes"], built["hello"], built["echo"], built["fault"]]
    stdin = b"one line\nand no newline at the end"
    bare = run_bare(built.kernel, modules=modules, stdin=stdin)
    (bt,), monitor = run_vmm([{"elf": built.kernel, "modules": modules, "stdin": stdin}], strategy="bt")
    assert bare.kind == "power_off" and b"primes: 2 3 5" in bare.output and b"Hello, world!" in bare.output
    assert bt.observable() == bare.observable()
    assert monitor.guests[0].stats.bt_scans > 0


# --- 7. the trap panel -----------------------------------------------------------------------------
def test_stats_panel_counts_scans_and_patches(tmp_path):
    elf, _ = build(tmp_path, SENSITIVE)
    r = subprocess.run(TOYVM + ["run", "--vmm", "--strategy", "bt", "--stats", str(elf)],
                       capture_output=True, timeout=60, cwd=ROOT, stdin=subprocess.DEVNULL)
    panel = dict(line.rsplit(None, 1) for line in r.stderr.decode().splitlines()
                 if line.strip() and line.split()[-1].replace(",", "").isdigit())
    rows = {k.strip(): int(v.replace(",", "")) for k, v in panel.items()}
    assert rows["code pages scanned (bt)"] >= 1
    assert rows["instructions patched"] == SENSITIVE.count("rdpsw") + SENSITIVE.count("wrpsw")
