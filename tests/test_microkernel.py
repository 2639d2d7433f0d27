"""The microkernel (guestos/micro/, docs/microkernel.md) runs guestos's programs unchanged with the
same output, bare and under the monitor with every strategy, beside guestos guests; refuses bad
system-call arguments and bad IPC with the documented errors; and survives its console driver's
crash, which panics guestos. Every expected line is computed here (guestos_run.py), not taken
from a run."""
from __future__ import annotations

import pytest

from guestos_run import (EXIT_KILLED, EXIT_OK, EXIT_PANIC, PROGRAMS, boot, build_all, hailstone_lines,
                         kill_line, primes_lines, word)
from guestos.build import build_kernel
from guestos.micro.build import build_microkernel
from vmm_support import STRATEGIES, run_bare, run_vmm

NAMES = sorted({p.stem for p in PROGRAMS.glob("*.s")} | {p.stem for p in PROGRAMS.glob("*.c")})
INPUT = b"one line\nand no newline at the end"
LINES = b"one line\nand another\n"       # for several programs at once: echo's lines stay whole
# errno values of guestos/syscalls.inc and guestos/micro/abi.inc (Linux's)
EPERM, ESRCH, EBADF, EFAULT, EINVAL, EPIPE, EDEADLK, ENOSYS = 1, 3, 9, 14, 22, 32, 35, 38
CONSOLE_TID = 2
RESTART_MAX = 3


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("micro")
    built = build_all(out)
    built.micro = build_microkernel(out / "microkernel.elf")
    built.micro_para = build_microkernel(out / "microkernel-para.elf", defsyms={"PARAVIRT": 1})
    built.micro_bug = build_microkernel(out / "microkernel-bug.elf", defsyms={"CONSOLE_BUG": 1})
    built.guestos_bug = build_kernel(out / "guestos-bug.elf", defsyms={"CONSOLE_BUG": 1})
    return built


def expected_alone(built, name: str) -> tuple[list[str], int]:
    """What the program prints as the only module (pid 1), and the power-off status."""
    sym = built.symbols.get(name, {})
    return {
        "hello": (["Hello, world!"], EXIT_OK),
        "primes": (primes_lines(), EXIT_OK),
        "hailstone": (hailstone_lines(), EXIT_OK),
        "spin": (["spin: started", "spin: done"], EXIT_OK),
        "ticker": ([f"ticker 1: tick {i}" for i in (1, 2, 3)], EXIT_OK),
        "echo": (INPUT.decode().splitlines(), EXIT_OK),
        "fault": (["fault: reading address 0",
                   kill_line(1, "fault", "PAGE_FAULT_LOAD", sym.get("bad_load", 0), 0)], EXIT_KILLED),
        "priv": (["priv: trying stpmar in user mode",
                  kill_line(1, "priv", "PRIVILEGED_INSTRUCTION", sym.get("bad_instruction", 0), word("stpmar"))],
                 EXIT_KILLED),
        "snoop": (["snoop: reading kernel memory at 0x80010000",
                   kill_line(1, "snoop", "PAGE_FAULT_LOAD", sym.get("bad_load", 0), 0x80010000)], EXIT_KILLED),
    }[name]


MANY = ["hello", "primes", "spin", "fault", "priv", "snoop", "ticker", "ticker", "echo", "hailstone"]


def expected_many(built) -> dict[str, list[str]]:
    """MANY at once (pids 1..10): each program's lines, by the prefix they start with."""
    fault, priv, snoop = built.symbols["fault"], built.symbols["priv"], built.symbols["snoop"]
    return {
        "Hello": ["Hello, world!"],
        "primes:": primes_lines(),
        "spin:": ["spin: started", "spin: done"],
        "fault": ["fault: reading address 0"],
        "guestos: pid 4": [kill_line(4, "fault", "PAGE_FAULT_LOAD", fault["bad_load"], 0)],
        "priv": ["priv: trying stpmar in user mode"],
        "guestos: pid 5": [kill_line(5, "priv", "PRIVILEGED_INSTRUCTION", priv["bad_instruction"],
                                     word("stpmar"))],
        "snoop": ["snoop: reading kernel memory at 0x80010000"],
        "guestos: pid 6": [kill_line(6, "snoop", "PAGE_FAULT_LOAD", snoop["bad_load"], 0x80010000)],
        "ticker 7": [f"ticker 7: tick {i}" for i in (1, 2, 3)],
        "ticker 8": [f"ticker 8: tick {i}" for i in (1, 2, 3)],
        "one line": ["one line"],
        "and another": ["and another"],
        "hailstone": hailstone_lines(),
    }


def check_many(built, output: bytes) -> None:
    lines = output.decode().splitlines()
    expected = expected_many(built)
    for prefix, want in expected.items():
        assert [line for line in lines if line.startswith(prefix)] == want, prefix
    assert len(lines) == sum(map(len, expected.values())), "no other output"


@pytest.mark.parametrize("name", NAMES)
def test_each_program_alone_prints_what_it_prints_under_guestos(built, name):
    lines, status = expected_alone(built, name)
    run = boot(built.micro, built[name], input_bytes=INPUT)
    assert (run.status, run.out.decode().splitlines()) == (status, lines)


def test_every_program_at_once_bare_and_the_same_lines_as_guestos(built):
    modules = [built[n] for n in MANY]
    micro = boot(built.micro, *modules, input_bytes=LINES)
    check_many(built, micro.out)
    assert micro.status == EXIT_KILLED
    guestos = boot(built.kernel, *modules, input_bytes=LINES)   # the interleaving may differ, not the lines
    assert sorted(guestos.out.splitlines()) == sorted(micro.out.splitlines())
    assert guestos.status == micro.status


@pytest.mark.parametrize("strategy", STRATEGIES)       # para runs the PARAVIRT build
def test_every_program_at_once_under_the_monitor(built, strategy):
    kernel = built.micro_para if strategy == "para" else built.micro
    modules = [built[n] for n in MANY]
    (guest,), monitor = run_vmm([{"elf": kernel, "modules": modules, "stdin": LINES}], limit=20_000_000,
                                strategy=strategy)
    assert (guest.kind, guest.status) == ("power_off", EXIT_KILLED)
    check_many(built, guest.output)
    if strategy == "trap":       # a virtualizable kernel: the very same run as on the bare machine
        bare = run_bare(kernel, modules=modules, stdin=LINES, limit=20_000_000)
        assert guest.observable() == bare.observable()


def test_two_microkernels_beside_guestos_each_print_their_own(built):
    guests = [
        {"elf": built.micro, "modules": [built["hello"], built["primes"]], "mem": 4 << 20},
        {"elf": built.kernel, "modules": [built["fault"], built["ticker"]], "mem": 2 << 20},
        {"elf": built.micro, "modules": [built["echo"], built["hailstone"]], "mem": 3 << 20, "stdin": INPUT},
    ]
    (one, guestos, two), monitor = run_vmm(guests, limit=20_000_000, slice_instructions=20_000)
    assert (one.status, sorted(one.output.decode().splitlines())) == (
        EXIT_OK, sorted(["Hello, world!", *primes_lines()]))
    assert (guestos.status, guestos.output.decode().splitlines()) == (EXIT_KILLED, [
        "fault: reading address 0",
        kill_line(1, "fault", "PAGE_FAULT_LOAD", built.symbols["fault"]["bad_load"], 0),
        *[f"ticker 2: tick {i}" for i in (1, 2, 3)]])
    assert (two.status, two.output) == (EXIT_OK, INPUT + "\n".join(hailstone_lines()).encode() + b"\n")
    assert all(g.stats.world_switches > 1 for g in monitor.guests)     # they really took turns


# --- refusals ------------------------------------------------------------------------------
BADCALLS = r"""# Bad arguments and bad IPC, each refused with an error: one line "what=result" per try.
    .include "micro/abi.inc"

    .macro TRY label, number, a0=0, a1=0, a2=0, a3=0, a4=0
    li      a0, \a0
    li      a1, \a1
    li      a2, \a2
    li      a3, \a3
    li      a4, \a4
    li      a7, \number
    ecall
    mv      s1, a1                      # a call's reply word 0
    la      a1, \label
    call    report
    .endm

    .text
    .globl _start
_start:
    TRY     l_call_ending, MK_CALL, 4       # the second module: it never receives, it exits
    TRY     l_read, SYS_READ, 0, buffer_addr, 4
    TRY     l_read_kernel, SYS_READ, 0, 0x80010000, 4
    TRY     l_write_kernel, SYS_WRITE, 1, 0x80010000, 4
    TRY     l_write_wrapping, SYS_WRITE, 1, 0xfffffff0, 0x20
    TRY     l_write_badfd, SYS_WRITE, 7, buffer_addr, 1
    TRY     l_unknown, 555
    TRY     l_sleep_long, SYS_SLEEP_TICKS, 200000
    TRY     l_call_nobody, MK_CALL, 99
    TRY     l_call_zero, MK_CALL, 0
    TRY     l_call_free, MK_CALL, 12
    TRY     l_call_self, MK_CALL, 3
    TRY     l_send_self, MK_SEND, 3
    TRY     l_reply_pm, MK_REPLY, TID_PM
    TRY     l_copy_pm, MK_COPY_IN, TID_PM, 0x10000, buffer_addr, 4
    TRY     l_io, MK_IO_WRITE, POWER_OFF, 0
    TRY     l_kill_pm, MK_TASK_KILL, TID_PM
    TRY     l_map, MK_MAP, 3, 0x400000, 0x10000 | PTE_R
    TRY     l_poweroff, MK_POWEROFF, 0
    TRY     l_no_call, MK_SEND + 5
    TRY     l_pm_getpid, MK_CALL, TID_PM, SYS_GETPID
    mv      a0, s1                      # the reply's first word: the pid
    la      a1, l_pm_getpid_word
    call    report
    TRY     l_console_write, MK_CALL, TID_CONSOLE, SYS_WRITE, 1, 0x80010000, 4
    li      a0, 0
    li      a7, SYS_EXIT
    ecall

# report(a0 = result, a1 = label): "label=result\n" with one write
report:
    la      t0, line
1:  lbu     t1, 0(a1)
    beqz    t1, 2f
    sb      t1, 0(t0)
    addi    t0, t0, 1
    addi    a1, a1, 1
    j       1b
2:  li      t1, '='
    sb      t1, 0(t0)
    addi    t0, t0, 1
    bgez    a0, 3f
    li      t1, '-'
    sb      t1, 0(t0)
    addi    t0, t0, 1
    neg     a0, a0
3:  mv      t2, t0                      # digits, last first, then reversed
    li      t3, 10
4:  remu    t1, a0, t3
    addi    t1, t1, '0'
    sb      t1, 0(t2)
    addi    t2, t2, 1
    divu    a0, a0, t3
    bnez    a0, 4b
    addi    t1, t2, -1
5:  bgeu    t0, t1, 6f
    lbu     t3, 0(t0)
    lbu     t4, 0(t1)
    sb      t4, 0(t0)
    sb      t3, 0(t1)
    addi    t0, t0, 1
    addi    t1, t1, -1
    j       5b
6:  li      t1, '\n'
    sb      t1, 0(t2)
    addi    t2, t2, 1
    li      a0, STDOUT
    la      a1, line
    sub     a2, t2, a1
    li      a7, SYS_WRITE
    ecall
    ret

    .section .rodata
l_read:            .asciz "read"
l_read_kernel:     .asciz "read into the kernel"
l_write_kernel:    .asciz "write from the kernel"
l_write_wrapping:  .asciz "write wrapping around"
l_write_badfd:     .asciz "write to fd 7"
l_unknown:         .asciz "system call 555"
l_sleep_long:      .asciz "sleep 200000 ticks"
l_call_nobody:     .asciz "call tid 99"
l_call_zero:       .asciz "call tid 0"
l_call_free:       .asciz "call a free slot"
l_call_self:       .asciz "call itself"
l_send_self:       .asciz "send to itself"
l_reply_pm:        .asciz "reply to pm"
l_copy_pm:         .asciz "copy from pm"
l_io:              .asciz "io_write POWER_OFF"
l_kill_pm:         .asciz "task_kill pm"
l_map:             .asciz "map a page"
l_poweroff:        .asciz "poweroff"
l_no_call:         .asciz "kernel call 2005"
l_pm_getpid:       .asciz "call pm getpid"
l_pm_getpid_word:  .asciz "  its pid"
l_console_write:   .asciz "call console write from the kernel"
l_call_ending:     .asciz "call a program that ends"

    .data
    .equ buffer_addr, 0x11000
line:   .space 80
"""

BADCALLS_EXPECTED = [
    ("call a program that ends", -EPIPE),            # waited for it to receive; it exited
    ("read", 4),                                     # the input's first 4 bytes: it works
    ("read into the kernel", -EFAULT),
    ("write from the kernel", -EFAULT),
    ("write wrapping around", -EFAULT),
    ("write to fd 7", -EBADF),
    ("system call 555", -ENOSYS),
    ("sleep 200000 ticks", -EINVAL),
    ("call tid 99", -ESRCH),                         # no such thread
    ("call tid 0", -ESRCH),                          # the kernel is not a thread
    ("call a free slot", -ESRCH),
    ("call itself", -EDEADLK),                       # the program is tid 3
    ("send to itself", -EDEADLK),
    ("reply to pm", -ESRCH),                         # pm does not wait for our reply
    ("copy from pm", -EPERM),                        # only from a client waiting for our reply
    ("io_write POWER_OFF", -EPERM),                  # the I/O right is the console driver's
    ("task_kill pm", -EPERM),                        # the task right is pm's
    ("map a page", -EPERM),
    ("poweroff", -EPERM),
    ("kernel call 2005", -ENOSYS),
    ("call pm getpid", 0),                           # native IPC to a server works ...
    ("  its pid", 1),
    ("call console write from the kernel", -EFAULT), # ... and the server refuses the pointer
]


@pytest.fixture(scope="module")
def badcalls(built):
    return built.add("badcalls", BADCALLS)


def lines_of(pairs) -> list[str]:
    return [f"{what}={value}" for what, value in pairs]


def test_bad_arguments_and_bad_ipc_are_refused_with_the_documented_errors(built, badcalls):
    run = boot(built.micro, badcalls, built["hello"], input_bytes=b"abcdefgh")
    assert sorted(run.lines) == sorted(lines_of(BADCALLS_EXPECTED) + ["Hello, world!"])
    assert run.status == EXIT_OK                     # nothing crashed, the kernel powered off normally


def server_lines(name: str, tid: int, pc: int, restarted: bool) -> list[str]:
    return [f"micro: server {name} (tid {tid}) killed: PAGE_FAULT_LOAD pc={pc:#010x} tval=0x00000000",
            f"micro: {name} {'restarted' if restarted else 'not restarted'}"]


def test_the_console_bug_panics_guestos(built):
    run = boot(built.guestos_bug, built["echo"], built["hello"], built["primes"], input_bytes=INPUT)
    assert run.status == EXIT_PANIC
    (line,) = run.lines                              # nothing else: the whole system is gone
    assert line.startswith("guestos: panic: kernel trap: PAGE_FAULT_LOAD pc=0x8") and line.endswith(
        "tval=0x00000000")


def test_the_same_bug_in_the_console_server_kills_only_the_server(built, badcalls):
    run = boot(built.micro_bug, badcalls, built["hello"], built["primes"], input_bytes=b"abcdefgh")
    lines = run.lines
    crash = [line for line in lines if line.startswith("micro:")]
    pc = int(crash[0].split("pc=")[1].split()[0], 16)
    assert pc < 0x80000000                           # in user mode: the server's own code
    assert crash == server_lines("console", CONSOLE_TID, pc, True) * 2   # the two reads
    # the reads die with the server (EPIPE); everything after the restart works as before
    want = [BADCALLS_EXPECTED[0], ("read", -EPIPE), ("read into the kernel", -EPIPE), *BADCALLS_EXPECTED[3:]]
    assert [line for line in lines if "=" in line and not line.startswith("micro:")] == lines_of(want)
    assert "Hello, world!" in lines and [line for line in lines if line.startswith("primes")] == primes_lines()
    assert run.status == EXIT_KILLED                 # a server died, the kernel did not


READ_FOREVER = """
    .include "micro/abi.inc"
    .text
    .globl _start
_start:
    li      s0, 6                       # more reads than the driver has restarts
1:  li      a0, STDIN
    la      a1, buffer
    li      a2, 4
    li      a7, SYS_READ
    ecall
    addi    s0, s0, -1
    bnez    s0, 1b
    li      a0, 0
    li      a7, SYS_EXIT
    ecall
    .bss
buffer: .space 4
"""


def test_a_server_that_keeps_dying_stays_dead_and_the_kernel_goes_on(built):
    reader = built.add("reader", READ_FOREVER)
    run = boot(built.micro_bug, built["hello"], reader, input_bytes=b"abcdefgh")
    crash = [line for line in run.lines if line.startswith("micro:")]
    pc = int(crash[0].split("pc=")[1].split()[0], 16)
    assert crash == server_lines("console", CONSOLE_TID, pc, True) * RESTART_MAX + server_lines(
        "console", CONSOLE_TID, pc, False)
    assert run.lines == ["Hello, world!", *crash]    # after that, nobody can print: calls get EPIPE
    assert run.status == EXIT_KILLED                 # and the programs ended: pm powered off




UNTOUCHED = r"""
#include "guestos.h"
int main(void) {
    char *heap = sbrk(3 * 4096);
    char *p = heap + 4096 + 100;                 /* a heap page never touched */
    long n = read(0, p, 5);
    write(1, p, n);
    char big[9000];                              /* stack pages below those touched so far */
    n = read(0, big, 4);
    write(1, big, n);
    write(1, heap + 2 * 4096, 1);                /* never touched: one zero byte */
    putdec(write(1, (char *)0x80010000, 3));     /* the kernel */
    putstr("\n");
    putdec(read(0, (char *)0x10000, 3));         /* its own code: read-only */
    putstr("\n");
    return 0;
}
"""


def test_buffers_on_pages_never_touched_work_as_under_guestos(built):
    """guestos maps stack and heap pages on demand when a system call's buffer needs them; the
    microkernel's driver has pm map them (RETRY_TOUCH) and the call runs again."""
    import shutil
    import subprocess
    from guestos_run import C_FLAGS, C_RUNTIME
    if not (shutil.which("clang") and shutil.which("ld.lld")):
        pytest.skip("clang/ld.lld missing")
    source = built.dir / "untouched.c"
    source.write_text(UNTOUCHED)
    program = built.dir / "untouched.elf"
    subprocess.run(["clang", *C_FLAGS, "-o", str(program), str(source), *map(str, C_RUNTIME)], check=True)
    want = b"hello" + b" wor" + b"\0" + f"{-EFAULT}\n{-EFAULT}\n".encode()
    for kernel in (built.kernel, built.micro):
        run = boot(kernel, program, input_bytes=b"hello world\n")
        assert (run.status, run.out) == (EXIT_OK, want), kernel.name
