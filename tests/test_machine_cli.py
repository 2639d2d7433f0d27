"""The `toyvm run` command as a user meets it: exit statuses, console, --input, --trace,
--stats, --max-instructions, flat binaries, high-half kernels, and reports without tracebacks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from toy32_llvm import build, need_tools, symbols

TOYVM = [sys.executable, "-m", "vmm.cli"]
HELLO = """
.text
.globl _start
_start:
    la a2, message
    li a1, CONSOLE_TX
next:
    lbu a0, 0(a2)
    beqz a0, done
    sw a0, 0(a1)
    addi a2, a2, 1
    j next
done:
    li a1, POWER_OFF
    li a0, 3
    sw a0, 0(a1)
.data
message: .asciz "hello, toy\\n"
"""


def toyvm(*args, stdin=b""):
    return subprocess.run(TOYVM + [str(a) for a in args], input=stdin, capture_output=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])


def test_console_output_and_power_off_exit_status(tmp_path):
    done = toyvm("run", build(tmp_path, HELLO))
    assert (done.returncode, done.stdout) == (3, b"hello, toy\n")


def test_echo_from_input_file_and_from_stdin(tmp_path):
    elf = build(tmp_path, """
.text
.globl _start
_start:
    li a1, CONSOLE_STATUS
    li a2, CONSOLE_RX
    li a3, CONSOLE_TX
loop:
    lw t0, 0(a1)
    andi t1, t0, CONSOLE_RX_READY
    beqz t1, out
    lw a0, 0(a2)
    addi a0, a0, 1
    sw a0, 0(a3)
    j loop
out:
    halt
""")
    (tmp_path / "keys.txt").write_bytes(b"HAL")
    done = toyvm("run", "--input", tmp_path / "keys.txt", elf)
    assert (done.returncode, done.stdout) == (0, b"IBM")
    assert toyvm("run", elf, stdin=b"abc").stdout == b"bcd"


def test_max_instructions_reports_the_state_and_exits_124(tmp_path):
    elf = build(tmp_path, ".text\n.globl _start\n_start:\n    li a0, 0x1234\nspin:\n    j spin\n")
    done = toyvm("run", "--max-instructions", 1000, elf)
    err = done.stderr.decode()
    assert done.returncode == 124
    assert "Traceback" not in err and "max-instructions" in err
    assert f"pc={symbols(elf)['spin']:08x}" in err and "x10/a0=00001234" in err and "jal" in err


def test_trap_loop_crash_report(tmp_path):
    done = toyvm("run", build(tmp_path, ".text\n.globl _start\n_start:\n    ebreak\n"))
    err = done.stderr.decode()
    assert done.returncode == 125 and "Traceback" not in err
    assert "trap loop" in err and "BREAKPOINT" in err and "x31/t6=" in err


@pytest.mark.parametrize("content", [None, b"", b"garbage, not an executable",
                                     b"\x7fELF\x01\x01\x01" + bytes(60)])
def test_unloadable_files_are_clear_errors(tmp_path, content):
    path = tmp_path / "bad.elf"
    if content is not None:
        path.write_bytes(content)
    done = toyvm("run", path)
    err = done.stderr.decode()
    assert done.returncode == 1 and "error" in err and "Traceback" not in err


def test_an_elf_that_does_not_fit_in_ram(tmp_path):
    elf = build(tmp_path, ".text\n.globl _start\n_start:\n    halt\n", text_base=0x400000)
    done = toyvm("run", "--mem", "1M", elf)
    assert done.returncode == 1 and b"does not fit" in done.stderr and b"Traceback" not in done.stderr
    assert toyvm("run", "--mem", "8M", elf).returncode == 0


def test_bad_options_are_usage_errors(tmp_path):
    elf = build(tmp_path, ".text\n.globl _start\n_start:\n    halt\n")
    for args in (["--mem", "lots"], ["--mem", "1000"], ["--base", "zz"], ["--syscalls", "linux", "--module", elf]):
        done = toyvm("run", *args, elf)
        assert done.returncode == 2 and b"Traceback" not in done.stderr


def test_flat_binary_at_base(tmp_path):
    need_tools("llvm-objcopy")
    elf = build(tmp_path, HELLO, text_base=0x8000)
    flat = tmp_path / "hello.bin"
    subprocess.run(["llvm-objcopy", "-O", "binary", elf, flat], check=True)
    done = toyvm("run", "--base", "0x8000", flat)
    assert (done.returncode, done.stdout) == (3, b"hello, toy\n")


def test_kernel_linked_high_and_loaded_low_starts_at_the_physical_entry(tmp_path):
    need_tools()
    src = tmp_path / "k.s"
    src.write_text(".text\n.globl _start\n_start:\n    auipc a0, 0\n    li a1, POWER_OFF\n    srli a0, a0, 28\n"
                   "    sw a0, 0(a1)\n".replace("POWER_OFF", "0xF0000018"))
    (tmp_path / "k.ld").write_text("ENTRY(_start)\nSECTIONS { . = 0xC0010000; .text : AT(0x10000) { *(.text) } }\n")
    subprocess.run(["llvm-mc", "-triple=riscv32", "-filetype=obj", "-o", tmp_path / "k.o", src], check=True)
    subprocess.run(["ld.lld", "-T", tmp_path / "k.ld", "-o", tmp_path / "k.elf", tmp_path / "k.o"], check=True)
    done = toyvm("run", tmp_path / "k.elf")
    assert done.returncode == 0          # ran at physical 0x10000: auipc saw 0x00010000, not 0xC...


def test_trace_is_identical_across_runs_and_names_what_changed(tmp_path):
    elf = build(tmp_path, HELLO)
    first = toyvm("run", "--trace", elf)
    second = toyvm("run", "--trace-file", tmp_path / "t.txt", elf)
    assert first.stderr == (tmp_path / "t.txt").read_bytes()
    lines = first.stderr.decode().splitlines()
    entry = symbols(elf)["_start"]
    assert lines[0].split()[:3] == ["1", "K", f"{entry:08x}"] and "auipc" in lines[0] and "a2=" in lines[0]
    stores = [line for line in lines if " sw " in f" {line} " or "sw " in line]
    assert any("[f0000000]<-00000068" in line for line in stores)    # 'h' to CONSOLE_TX
    assert first.stdout == second.stdout == b"hello, toy\n"


def test_trace_shows_traps(tmp_path):
    elf = build(tmp_path, ".text\n.globl _start\n_start:\n    la t0, h\n    mtsr tvec, t0\n    ecall\nh:\n    halt\n")
    done = toyvm("run", "--trace", elf)
    assert "trap SVC tval=00000000" in done.stderr.decode()


def test_stats(tmp_path):
    done = toyvm("run", "--stats", build(tmp_path, HELLO))
    err = done.stderr.decode()
    for word in ("instructions", "kernel mode", "user mode", "traps", "TLB misses", "wall time", "MIPS"):
        assert word in err


def test_trace_of_a_load_names_the_address_from_the_base_before_the_load(tmp_path):
    elf = build(tmp_path, ".text\n.globl _start\n_start:\n    la a0, val\nhere:\n    lw a0, 0(a0)\n"
                          "    lui a0, 0x11\n    lui a0, 0x11\n    halt\n.data\nval: .word 0x1234\n")
    syms = symbols(elf)
    lines = toyvm("run", "--trace", elf).stderr.decode().splitlines()
    load = next(line for line in lines if f" {syms['here']:08x} " in line)
    assert load.endswith(f"a0=00001234 [{syms['val']:08x}]->00001234")
    assert lines[-2].split()[-1] == "a0=00011000"     # rd listed even if the value is unchanged
