"""`toyvm run --vmm` as a user meets it: the trap panel against counts the bare machine and the
program's structure give independently, vms.toml, prefixed output, exit statuses, the map dump,
and errors reported without tracebacks."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from asm.api import assemble_files
from isa.machine import CAUSE_BY_NAME as C
from vmm.machine import Machine, load_executable
from vmm_support import GUESTS, assemble

ROOT = Path(__file__).resolve().parents[1]
TOYVM = [sys.executable, "-m", "vmm.cli"]
ENTRIES = "monitor entries (traps)"

# Kernel: prints "ok", arms a 500-instruction timer and runs a user program that makes
# CALLS ecalls between busy loops. Per ecall the handler runs mfsr x2, mtsr, rti (the last: halt);
# per tick mfsr, a TIMER_LOAD store, rti.
CALLS = 10
PANEL_KERNEL = f"""
    .text
    .globl _start
_start:
    la t0, handler
    mtsr tvec, t0
    li a1, CONSOLE_TX
    li a0, 'o'
    sw a0, 0(a1)
    li a0, 'k'
    sw a0, 0(a1)
    li a0, 10
    sw a0, 0(a1)
    li a1, TIMER_LOAD
    li a0, 500
    sw a0, 0(a1)
    la t0, user
    mtsr epc, t0
    li t0, PSW_PU | PSW_PIE
    mtsr psw, t0
    rti
user:
    li s2, 300
1:  addi s2, s2, -1
    bnez s2, 1b
    ecall
    j user
handler:
    mfsr t3, cause
    bltz t3, tick
    mfsr t4, epc
    addi t4, t4, 4
    mtsr epc, t4
    addi s1, s1, 1
    li t5, {CALLS}
    beq s1, t5, done
    rti
tick:
    li t4, TIMER_LOAD
    li t5, 500
    sw t5, 0(t4)
    rti
done:
    halt
"""


def toyvm(*args, stdin=b""):
    r = subprocess.run(TOYVM + [str(a) for a in args], input=stdin, capture_output=True, timeout=120, cwd=ROOT)
    assert "Traceback" not in r.stderr.decode(), r.stderr.decode()
    return r


def panel(text: str) -> dict[str, int]:
    """The panel's 'label  number' lines by path: 'section/subsection/label'."""
    values, path = {}, []
    for line in text.splitlines():
        m = re.match(r"^( *)(.*?)\s+([\d,]+)$", line)
        if m:
            depth = len(m.group(1)) // 2
            path[depth:] = [m.group(2)]
            values["/".join(path)] = int(m.group(3).replace(",", ""))
    return values


def test_trap_panel_counts_what_the_bare_machine_and_the_program_say(tmp_path):
    elf = assemble(tmp_path, PANEL_KERNEL)
    bare = Machine()
    bare.pc = load_executable(bare, str(elf)).entry
    bare.run(1_000_000)
    kernel, user = bare.stats.instructions
    ticks, calls = bare.stats.traps[C["TIMER"]], bare.stats.traps[C["SVC"]]
    assert calls == CALLS and ticks > 5

    r = toyvm("run", "--vmm", "--stats", elf)
    assert (r.returncode, r.stdout) == (0, b"ok\n")
    p = panel(r.stderr.decode())
    emulated = p["instructions completed/emulated by the monitor"]
    assert p["instructions completed"] == kernel + user
    # The bare machine's --stats credits an rti to the mode it returns to; the panel, to the
    # kernel mode it ran in. Here every rti returns to user mode.
    returns = p[f"{ENTRIES}/privileged instructions/rti"]
    assert p["instructions completed/run directly, guest user"] == user - returns
    assert p["instructions completed/run directly, guest kernel"] + emulated == kernel + returns
    assert p[f"{ENTRIES}/privileged instructions/mfsr"] == 2 * calls + ticks
    assert p[f"{ENTRIES}/privileged instructions/mtsr"] == 3 + calls
    assert p[f"{ENTRIES}/privileged instructions/rti"] == 1 + (calls - 1) + ticks
    assert p[f"{ENTRIES}/privileged instructions/halt"] == 1
    assert p[f"{ENTRIES}/device accesses emulated/CONSOLE_TX"] == 3
    assert p[f"{ENTRIES}/device accesses emulated/TIMER_LOAD"] == 1 + ticks
    assert emulated == p[f"{ENTRIES}/privileged instructions"] + p[f"{ENTRIES}/device accesses emulated"]
    assert p[f"{ENTRIES}/system calls reflected"] == calls
    assert p["interrupts injected/TIMER"] == ticks
    assert p[f"{ENTRIES}/true faults reflected"] == 0
    assert p[ENTRIES] == (p[f"{ENTRIES}/privileged instructions"] + p[f"{ENTRIES}/device accesses emulated"]
                                            + p[f"{ENTRIES}/hidden page faults"] + calls)
    share = float(re.search(r"run directly \(P&G efficiency\)\s+([\d.]+)%", r.stderr.decode()).group(1))
    assert share == pytest.approx(100 * (kernel + user - emulated) / (kernel + user), abs=0.01)


def test_vms_toml_prefixed_lines_and_exit_status_bits(tmp_path):
    elf = assemble(tmp_path, PANEL_KERNEL)                  # halts: clean
    spin = tmp_path / "spin.elf"
    spin.write_bytes(assemble_files([str(GUESTS / "spin.s")]).to_elf())
    power = assemble(tmp_path, "_start:\n    li a0, POWER_OFF\n    li a1, 7\n    sw a1, 0(a0)\n", "power")
    (tmp_path / "vms.toml").write_text(f"""
slice = 5000
[[guest]]
image = "{elf.name}"
mem = "1M"
[[guest]]
image = "{spin.name}"
mem = 131072
max_instructions = 100000
[[guest]]
image = "{power.name}"
""")
    r = toyvm("run", "--vmm", tmp_path / "vms.toml")
    assert r.stdout == b"guest1| ok\n"
    assert r.returncode == 0b110          # guest 2 ran out of instructions, guest 3 powered off with 7
    err = r.stderr.decode()
    assert "guest2" in err and "--max-instructions 100000" in err and "powered off with status 7" in err


def test_one_guest_exit_status_is_the_bare_machines(tmp_path):
    power = assemble(tmp_path, "_start:\n    li a0, POWER_OFF\n    li a1, 300\n    sw a1, 0(a0)\n", "power")
    loop = assemble(tmp_path, "_start:\n    j _start\n", "loop")
    crash = assemble(tmp_path, "_start:\n    ecall\n", "crash")
    for elf, options in ((power, []), (loop, ["--max-instructions", "1000"]), (crash, [])):
        bare, vmm = toyvm("run", elf, *options), toyvm("run", "--vmm", elf, *options)
        assert (vmm.returncode, vmm.stdout) == (bare.returncode, bare.stdout)
    assert vmm.returncode == 125 and "trap loop" in vmm.stderr.decode()


def test_dump_maps_shows_the_machine_map_and_the_shadows(tmp_path):
    r = toyvm("run", "--vmm", "--dump-maps", "--guest", f"{assemble(tmp_path, PANEL_KERNEL)} --mem 1M")
    err = r.stderr.decode()
    assert "guest1: machine map" in err and "guest 00010000-00010fff -> host" in err
    assert "shadow for guest translation off (both modes)" in err and "installed in the real pmar" in err


@pytest.mark.parametrize("args, message", [
    (["--vmm"], "needs a guest"),
    (["--vmm", "--trace=everything", "x.elf"], "'everything' is not one of 'all', 'events', 'instructions'"),
    (["--vmm", "--syscalls", "linux", "x.elf"], "--syscalls cannot be used with --vmm"),
    (["--guest", "x.elf --nonsense"], "No such option"),
    (["--guest", "x.elf --mem 1000"], "multiple of 4096"),
    (["--vmm", "--module", "m.elf"], "--module needs a guest image"),
])
def test_bad_options_are_usage_errors(args, message):
    r = toyvm("run", *args)
    assert r.returncode == 2 and message in r.stderr.decode()


def test_bad_files_are_clear_errors(tmp_path):
    r = toyvm("run", "--vmm", tmp_path / "missing.elf")
    assert r.returncode == 1 and "missing.elf" in r.stderr.decode()
    (tmp_path / "bad.toml").write_text("[[guest]]\nmem = 3\n")
    r = toyvm("run", "--vmm", tmp_path / "bad.toml")
    assert r.returncode == 2 and "needs image" in r.stderr.decode()


def test_panel_credits_emulation_in_virtual_user_mode_to_user_mode(tmp_path):
    """Under hw, rdpsw in the guest's user mode traps and is emulated: the panel's 'run directly'
    rows must not count it, in either mode (3 kernel instructions run directly: auipc, addi, li)."""
    elf = assemble(tmp_path, """
_start:
    la      t0, user
    mtsr    epc, t0
    li      t0, PSW_PU
    mtsr    psw, t0
    rti
user:
    rdpsw   a0
    rdpsw   a1
1:  j       1b
""")
    r = toyvm("run", "--vmm", "--strategy", "hw", "--stats", "--max-instructions", "20", elf)
    p = panel(r.stderr.decode())
    user_loop = 20 - 8                                       # the j after the two rdpsw
    assert p["instructions completed/run directly, guest user"] == user_loop
    assert p["instructions completed/run directly, guest kernel"] == 3
    assert p["instructions completed/emulated by the monitor"] == 5     # mtsr, mtsr, rti, rdpsw x2
