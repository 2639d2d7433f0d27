"""guestos's promises tested with small programs written here: system-call results and bad
pointers, registers kept across traps, demand-zero stack and heap, isolation between processes
and from the kernel, and a one-line report for every fatal trap while the others go on."""
from __future__ import annotations

import pytest

from guestos_run import EXIT_KILLED, EXIT_OK, boot, build_all, kill_line, word
from isa.machine import DEVICE_BY_NAME, PAGE_SIZE

USER_TOP = 0x80000000            # guestos's layout (docs/guest-kernel.md)
STACK_MAX = 0x40000
HEAP_MAX = 0x100000
KERNEL_TEXT = 0x80010000
EFAULT, EBADF, EINVAL, ENOSYS = 14, 9, 22, 38

PRELUDE = """
    .include "syscalls.inc"
    .text
    .globl _start
_start:
"""
SAY = """
    .macro SAY text
    .pushsection .rodata
9001: .ascii "\\text\\n"
9002:
    .popsection
    li a0, STDOUT
    la a1, 9001b
    li a2, 9002b - 9001b
    li a7, SYS_WRITE
    ecall
    .endm
    .macro EXIT
    li a0, 0
    li a7, SYS_EXIT
    ecall
    .endm
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("guestos-kernel"))


def program(built, name, body, **layout):
    return built.add(name, SAY + PRELUDE + body, **layout)


def checks(cases: list[tuple[str, int]]) -> str:
    """Code that runs each (code leaving a result in a0, expected) and says which one failed."""
    out = []
    for i, (code, want) in enumerate(cases):
        out.append(f"{code}\n    li t6, {want}\n    beq a0, t6, ok{i}\n    SAY \"FAIL {i}\"\n    EXIT\nok{i}:")
    out.append('    SAY "checks passed"\n    EXIT\n')
    return "\n".join(out)


def syscall(number: str, *args) -> str:
    regs = "".join(f"    li a{i}, {a}\n" if isinstance(a, int) else f"    {a.format(r=f'a{i}')}\n"
                   for i, a in enumerate(args))
    return f"{regs}    li a7, {number}\n    ecall"


def heap_start(exe_symbols_end: int) -> int:
    return (exe_symbols_end + PAGE_SIZE - 1) & -PAGE_SIZE


def test_system_call_results_and_bad_pointers(built):
    body = checks([
        (syscall("SYS_WRITE", 1, KERNEL_TEXT, 4), -EFAULT),            # the kernel's memory
        (syscall("SYS_WRITE", 1, 0, 4), -EFAULT),                      # nothing mapped
        (syscall("SYS_WRITE", 1, 0xFFFFFFF0, 0x20), -EFAULT),          # wraps around
        (syscall("SYS_WRITE", 1, 0x7FFFFFF0, 0x20), -EFAULT),          # runs into the kernel half
        (syscall("SYS_WRITE", 1, "la {r}, message", 0), 0),
        (syscall("SYS_WRITE", 5, "la {r}, message", 1), -EBADF),
        (syscall("SYS_WRITE", 2, "la {r}, message", 3), 3),            # stderr is the console too
        (syscall("SYS_READ", 1, "la {r}, buffer", 1), -EBADF),
        (syscall("SYS_READ", 0, "la {r}, _start", 1), -EFAULT),        # code is not writable
        (syscall("SYS_READ", 0, KERNEL_TEXT + 0x2000, 1), -EFAULT),
        (syscall("999"), -ENOSYS),
        (syscall("SYS_GETPID"), 1),
        (syscall("SYS_SCHED_YIELD"), 0),
        (syscall("SYS_SLEEP_TICKS", 100001), -EINVAL),
        (syscall("SYS_SLEEP_TICKS", 0), 0),
    ]) + """
    .section .rodata
message: .ascii "abc"
    .bss
buffer: .space 16
"""
    run = boot(built.kernel, program(built, "calls", body))
    assert (run.out, run.status) == (b"abcchecks passed\n", EXIT_OK)


def test_brk_grows_on_demand_and_shrinking_unmaps(built):
    # The heap starts on the page after the program's last byte (its .bss here).
    body = """
    li a0, 0
    li a7, SYS_BRK
    ecall
    mv s0, a0                       # the heap's start
    la t0, last_byte
    addi t0, t0, 1
    li t1, 4095
    add t0, t0, t1
    srli t0, t0, 12
    slli t0, t0, 12
    beq s0, t0, 1f
    SAY "FAIL heap start"
    EXIT
1:  li t0, 0x100000 + 4096          # more than HEAP_MAX: refused, the end stays
    add a0, s0, t0
    li a7, SYS_BRK
    ecall
    beq a0, s0, 2f
    SAY "FAIL limit"
    EXIT
2:  li t0, 0x3000
    add a0, s0, t0
    li a7, SYS_BRK
    ecall
    li t0, 0x3000
    add t0, s0, t0
    beq a0, t0, 3f
    SAY "FAIL grow"
    EXIT
3:  li t0, 0x2ffc
    add s1, s0, t0                  # the last word of the new heap
    lw t1, 0(s1)                    # a fresh page reads zero
    bnez t1, 4f
    li t1, 1234
    sw t1, 0(s1)
    sw t1, 0(s0)
    lw t2, 0(s1)
    beq t1, t2, 5f
4:  SAY "FAIL demand zero"
    EXIT
5:  addi a0, s0, 16                 # shrink: the first page stays, the others go
    li a7, SYS_BRK
    ecall
    lw t1, 0(s0)
    li t2, 1234
    beq t1, t2, 6f
    SAY "FAIL kept page"
    EXIT
6:  SAY "shrunk"
    li t0, 0x1000
    add s1, s0, t0
touch_freed:
    lw t1, 0(s1)                    # unmapped again: killed
    SAY "FAIL still mapped"
    EXIT
    .bss
    .space 5000
last_byte: .space 1
"""
    prog = program(built, "heap", body)
    run = boot(built.kernel, prog)
    pc = built.symbols["heap"]["touch_freed"]
    start = heap_start(built.symbols["heap"]["last_byte"] + 1)
    assert run.lines == ["shrunk", kill_line(1, "heap", "PAGE_FAULT_LOAD", pc, start + 0x1000)]
    assert run.status == EXIT_KILLED


def test_stack_grows_on_demand_up_to_its_limit(built):
    body = """
    li t0, 0x7FFFFFF0 - 0x3F000     # within STACK_MAX: every page on the way down appears
    mv t1, sp
1:  addi t1, t1, -2048
    sw t1, 0(t1)
    bgeu t1, t0, 1b
    SAY "deep stack ok"
    li t0, 0x80000000 - 0x40000 - 4
overflow:
    sw zero, 0(t0)                  # just below the stack area: killed
    SAY "FAIL overflow"
    EXIT
"""
    run = boot(built.kernel, program(built, "deep", body))
    pc = built.symbols["deep"]["overflow"]
    assert run.lines == ["deep stack ok",
                         kill_line(1, "deep", "PAGE_FAULT_STORE", pc, USER_TOP - STACK_MAX - 4)]


def test_registers_survive_system_calls_and_preemption(built):
    # Every register except a0 holds a value derived from its number; two copies run
    # side by side through many time slices and system calls, checking after each.
    regs = [r for r in range(1, 32) if r != 10]
    setup = "\n".join(f"    li x{r}, {r * 0x01010101 + 0x1000}" for r in regs if r != 2)
    verify = "\n".join(f"    li a0, {r * 0x01010101 + 0x1000}\n    bne x{r}, a0, bad" for r in regs if r != 2)
    body = f"""
    mv s0, sp
    la sp, rounds                   # sp must survive too: keep a marker in it
{setup}
    li a0, 2000
    sw a0, 0(sp)
loop:
{verify}
    la a0, rounds
    bne sp, a0, bad
    li a7, SYS_GETPID
    ecall
    li a7, {17 * 0x01010101 + 0x1000}
    lw a0, 0(sp)
    addi a0, a0, -1
    sw a0, 0(sp)
    bnez a0, loop
    SAY "registers kept"
    EXIT
bad:
    SAY "FAIL registers"
    EXIT
    .data
rounds: .word 0
"""
    prog = program(built, "regs", body)
    run = boot(built.kernel, prog, prog, built["spin"])
    assert sorted(run.lines) == sorted(["registers kept"] * 2 + ["spin: started", "spin: done"])
    assert run.status == EXIT_OK


def test_same_addresses_private_data(built):
    body = """
    li a7, SYS_GETPID
    ecall
    la s0, mine
    sw a0, 0(s0)                    # both copies write the same virtual address
    mv s1, a0
    li s2, 20
1:  li a7, SYS_SCHED_YIELD
    ecall
    addi s2, s2, -1
    bnez s2, 1b
    lw t0, 0(s0)
    beq t0, s1, 2f
    SAY "FAIL overwritten"
    EXIT
2:  SAY "still mine"
    EXIT
    .data
mine: .word 0
"""
    prog = program(built, "private", body)
    run = boot(built.kernel, prog, prog, prog)
    assert (run.lines, run.status) == (["still mine"] * 3, EXIT_OK)


def test_a_process_cannot_reach_another_process_or_the_kernel(built):
    # Linked elsewhere, "other" looks at 0x10000, where hello's code is in hello's own address
    # space: nothing is mapped there in its own. Then the kernel's data, and through the
    # kernel's direct map any physical page: mapped, but kernel-only.
    other = program(built, "other", """
    SAY "other: looking at 0x10000"
    li t0, 0x10000
peek:
    lw t1, 0(t0)
    EXIT
""", text_base=0x400000)
    writer = program(built, "writer", """
    SAY "writer: writing kernel memory"
    li t0, 0x80012000
poke:
    sw zero, 0(t0)
    EXIT
""")
    run = boot(built.kernel, built["hello"], other, writer, built["snoop"])
    sym = built.symbols
    assert sorted(run.lines) == sorted([
        "Hello, world!",
        "other: looking at 0x10000",
        kill_line(2, "other", "PAGE_FAULT_LOAD", sym["other"]["peek"], 0x10000),
        "writer: writing kernel memory",
        kill_line(3, "writer", "PAGE_FAULT_STORE", sym["writer"]["poke"], 0x80012000),
        "snoop: reading kernel memory at 0x80010000",
        kill_line(4, "snoop", "PAGE_FAULT_LOAD", sym["snoop"]["bad_load"], KERNEL_TEXT),
    ])
    assert run.status == EXIT_KILLED


# name: (code, cause, tval given the program's symbols); "bad" labels the trapping instruction,
# except for a jump, which traps at its target ("data").
FATAL = {
    "illegal": ("bad: .word 0", "ILLEGAL_INSTRUCTION", lambda s: 0),
    "breakpoint": ("bad: ebreak", "BREAKPOINT", lambda s: 0),
    "misaligned": ("la t0, data\nbad: lw t1, 2(t0)", "MISALIGNED_LOAD", lambda s: s["data"] + 2),
    "nullwrite": ("bad: sw zero, 0(zero)", "PAGE_FAULT_STORE", lambda s: 0),
    "textwrite": ("la t0, _start\nbad: sw zero, 0(t0)", "PAGE_FAULT_STORE", lambda s: s["_start"]),
    "datajump": ("la t0, data\nbad: jr t0", "PAGE_FAULT_FETCH", lambda s: s["data"]),
    "mfsr": ("bad: mfsr zero, psw", "PRIVILEGED_INSTRUCTION", lambda s: word("mfsr")),
    "rti": ("bad: rti", "PRIVILEGED_INSTRUCTION", lambda s: word("rti")),
    "device": ("li t0, CONSOLE_STATUS\nbad: lw t1, 0(t0)", "PAGE_FAULT_LOAD",
               lambda s: DEVICE_BY_NAME["CONSOLE_STATUS"]),
}


def test_every_fatal_trap_kills_only_its_process_with_a_report(built):
    mods, expected = [], []
    for pid, (name, (code, cause, tval)) in enumerate(FATAL.items(), start=1):
        mods.append(program(built, name, f"{code}\n    EXIT\n    .data\n    .balign 4\ndata: .word 0\n"))
        sym = built.symbols[name]
        pc = sym["data"] if cause == "PAGE_FAULT_FETCH" else sym["bad"]
        expected.append(kill_line(pid, name, cause, pc, tval(sym)))
    run = boot(built.kernel, *mods, built["hello"])
    assert sorted(run.lines) == sorted(expected + ["Hello, world!"])
    assert run.status == EXIT_KILLED


def test_memory_of_an_exited_process_is_reused(built):
    # With 1 MiB of RAM, two programs that each need most of the free memory can run one after
    # the other only if the first one's pages come back when it exits.
    hog = """
    li a0, {sleep}
    li a7, SYS_SLEEP_TICKS
    ecall
    li a0, 0
    li a7, SYS_BRK
    ecall
    mv s0, a0
    li t0, {size}
    add a0, s0, t0
    li a7, SYS_BRK
    ecall
    mv s1, a0
1:  sw s1, 0(s0)                    # touch every page
    li t0, 4096
    add s0, s0, t0
    bltu s0, s1, 1b
    SAY "{name}: done"
    EXIT
"""
    first = program(built, "first", hog.format(sleep=0, size=0x90000, name="first"))
    second = program(built, "second", hog.format(sleep=20, size=0x90000, name="second"))
    run = boot(built.kernel, first, second, options=["--mem", "1M"])
    assert (run.lines, run.status) == (["first: done", "second: done"], EXIT_OK)
    # Both at once do not fit: the one that runs out of memory is killed, the other finishes.
    both = program(built, "both", hog.format(sleep=0, size=0x90000, name="both"))
    run = boot(built.kernel, both, both, options=["--mem", "1M"])
    assert run.lines.count("both: done") == 1
    assert any(line.startswith("guestos: pid ") and "PAGE_FAULT_STORE" in line for line in run.lines)
    assert run.status == EXIT_KILLED


def test_a_module_outside_the_user_half_is_refused_and_the_others_run(built):
    high = program(built, "high", 'SAY "FAIL ran"\n    EXIT\n', text_base=0x80100000)
    run = boot(built.kernel, high, built["hello"])
    assert run.lines == ["guestos: cannot load module high", "Hello, world!"]
    assert run.status == EXIT_KILLED


def test_the_same_kernel_as_a_guest_of_the_vmm_prints_the_same(built):
    # The kernel uses only virtualizable instructions (SPEC §8), so the monitor's guest sees
    # exactly what the bare machine does.
    mods = [built[n] for n in ("hello", "primes", "fault", "ticker", "ticker")]
    bare = boot(built.kernel, *mods)
    guest = boot(built.kernel, *mods, options=["--vmm"])
    assert (guest.out, guest.status) == (bare.out, bare.status) == (guest.out, EXIT_KILLED)
