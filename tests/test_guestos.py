"""guestos booting the programs of programs/ on the bare machine: whole console output and exit
status, with every expected line computed in the test (guestos_run.py)."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from guestos_run import (C_FLAGS, C_RUNTIME, EXIT_KILLED, EXIT_OK, EXIT_PANIC, boot, build_all, hailstone_lines,
                         kill_line, primes_lines, word)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return build_all(tmp_path_factory.mktemp("guestos"))


def by_prefix(lines: list[str], prefix: str) -> list[str]:
    return [line for line in lines if line.startswith(prefix)]


def test_hello_alone(built):
    run = boot(built.kernel, built["hello"])
    assert (run.status, run.out) == (EXIT_OK, b"Hello, world!\n")


def test_primes_alone(built):
    run = boot(built.kernel, built["primes"])
    assert run.status == EXIT_OK
    assert run.lines == primes_lines()


def test_c_program_compiled_by_clang(built):
    run = boot(built.kernel, built["hailstone"])
    assert run.status == EXIT_OK
    assert run.lines == hailstone_lines()


# What clang calls by itself in a C program built -nostdlib: 64-bit division (rv32im has none),
# memmove; and memcmp/strcmp a program calls. The runtime (programs/runtime/lib.c) has them.
DIVIDENDS = (1234567890123456789, -987654321987654321, 7, -7, 0x7FFFFFFFFFFFFFFF, 5)
DIVISORS = (97, 1000003, -2, 2, -3, 0)
C64 = """
#include "guestos.h"
static void putu64(unsigned long long v) {
    char buf[21]; int i = sizeof buf;
    do { buf[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    write(1, buf + i, sizeof buf - i);
}
static void puti64(long long v) { if (v < 0) { write(1, "-", 1); putu64(-(unsigned long long)v); } else putu64(v); }
volatile long long A[] = {DIVIDENDS};
volatile long long B[] = {DIVISORS};
int main(void) {
    for (int i = 0; i < COUNT; i++) {
        if (B[i]) { puti64(A[i] / B[i]); write(1, " ", 1); puti64(A[i] % B[i]); write(1, " ", 1); }
        putu64((unsigned long long)A[i] / (unsigned long long)B[i]); write(1, " ", 1);
        putu64((unsigned long long)A[i] % (unsigned long long)B[i]); write(1, "\\n", 1);
    }
    char s[16] = "abcdefghij";
    memmove(s + 2, s, 6); putstr(s); write(1, "\\n", 1);
    memmove(s, s + 3, 5); putstr(s); write(1, "\\n", 1);
    putdec(memcmp("abc", "abd", 3) < 0); putdec(strcmp("same", "same")); putdec(strcmp("b", "a") > 0);
    write(1, "\\n", 1);
    return 0;
}
""".replace("DIVIDENDS", ", ".join(f"{a}LL" for a in DIVIDENDS)).replace(
    "DIVISORS", ", ".join(f"{b}LL" for b in DIVISORS)).replace("COUNT", str(len(DIVIDENDS)))


def c64_lines() -> list[str]:
    lines = []
    for a, b in zip(DIVIDENDS, DIVISORS):
        ua, ub = a % 2 ** 64, b % 2 ** 64
        unsigned = f"{ua // ub} {ua % ub}" if ub else f"{2 ** 64 - 1} {ua}"   # RISC-V's divu/remu by 0
        if b:
            q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)          # C: toward zero
            lines.append(f"{q} {a - q * b} {unsigned}")
        else:
            lines.append(unsigned)
    return lines + ["ababcdefij", "bcdefdefij", "101"]


def test_the_c_runtime_has_what_clang_calls(tmp_path, built):
    if not (shutil.which("clang") and shutil.which("ld.lld")):
        pytest.skip("clang/ld.lld missing")
    (tmp_path / "c64.c").write_text(C64)
    elf = tmp_path / "c64.elf"
    subprocess.run(["clang", *C_FLAGS, "-o", str(elf), str(tmp_path / "c64.c"), *map(str, C_RUNTIME)],
                   check=True, capture_output=True)
    run = boot(built.kernel, elf)
    assert run.status == EXIT_OK
    assert run.lines == c64_lines()


def test_many_programs_at_once(built):
    names = ["hello", "primes", "spin", "fault", "priv", "snoop", "ticker", "ticker"]
    run = boot(built.kernel, *(built[n] for n in names))
    lines = run.lines
    fault, priv, snoop = built.symbols["fault"], built.symbols["priv"], built.symbols["snoop"]
    expected = {
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
    }
    for prefix, want in expected.items():
        assert by_prefix(lines, prefix) == want, prefix
    assert len(lines) == sum(map(len, expected.values())), "no other output"
    assert run.out.endswith(b"\n")
    assert run.status == EXIT_KILLED


def test_same_command_prints_the_same_bytes(built):
    mods = [built[n] for n in ("spin", "primes", "ticker", "hello", "ticker", "fault")]
    first, second = boot(built.kernel, *mods), boot(built.kernel, *mods)
    assert first.out == second.out and first.status == second.status == EXIT_KILLED


def test_spin_never_yields_yet_the_others_run(built):
    # spin is first and never makes a system call in its loop: only the timer lets the
    # others finish before it does.
    run = boot(built.kernel, built["spin"], built["primes"], built["hello"])
    lines = run.lines
    assert lines[0] == "spin: started"
    assert lines[-1] == "spin: done"
    assert sorted(lines[1:-1]) == sorted(primes_lines() + ["Hello, world!"])
    assert run.status == EXIT_OK


def test_sleepers_take_turns_and_the_kernel_idles_between(built):
    run = boot(built.kernel, built["ticker"], built["ticker"])
    assert run.lines == [f"ticker {pid}: tick {i}" for i in (1, 2, 3) for pid in (1, 2)]
    assert run.status == EXIT_OK


@pytest.mark.parametrize("data", [b"", b"one line\n", b"first\nsecond\nno newline at the end",
                                  bytes(range(256)) * 3])
def test_echo_copies_its_input_until_end_of_input(built, data):
    run = boot(built.kernel, built["echo"], input_bytes=data)
    assert (run.status, run.out) == (EXIT_OK, data)


def test_echo_shares_the_console_with_another_program(built):
    data = b"".join(b"line %d of the input\n" % i for i in range(40))
    run = boot(built.kernel, built["echo"], built["hello"], input_bytes=data)
    assert run.status == EXIT_OK
    hello = b"Hello, world!\n"
    at = run.out.index(hello)
    assert run.out[:at] + run.out[at + len(hello):] == data


def test_fault_is_killed_while_the_c_program_finishes(built):
    run = boot(built.kernel, built["fault"], built["hailstone"])
    assert run.lines == ["fault: reading address 0",
                         kill_line(1, "fault", "PAGE_FAULT_LOAD", built.symbols["fault"]["bad_load"], 0),
                         *hailstone_lines()]
    assert run.status == EXIT_KILLED


def test_kernel_without_modules_panics(built):
    run = boot(built.kernel)
    assert run.out == b"guestos: panic: no boot-info table (a0 = 0): give programs with --module\n"
    assert run.status == EXIT_PANIC
