"""`toyvm compare`: bare and every strategy side by side, and the first guest-visible divergence.
The expectations come from SPEC §3: in real user mode rdpsw reads U=1 and wrpsw is ignored."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from isa.machine import PSW_U

from vmm_support import assemble

TOYVM = [sys.executable, "-m", "vmm.cli"]

# Prints the U bit as rdpsw sees it: on the bare machine a kernel reads 0.
REDPILL = """
_start:
    li      t0, CONSOLE_TX
    rdpsw   a0
    andi    a0, a0, PSW_U
    snez    a0, a0
    addi    a0, a0, '0'
    sw      a0, 0(t0)
    halt
"""

# Turns IE on with the virtualizable mtsr, off with wrpsw, and prints IE as mfsr psw reads it.
CLI = """
_start:
    li      t0, CONSOLE_TX
    li      t1, PSW_IE
    mtsr    psw, t1
    wrpsw   zero
    mfsr    a0, psw
    andi    a0, a0, PSW_IE
    snez    a0, a0
    addi    a0, a0, '0'
    sw      a0, 0(t0)
    halt
"""

PLAIN = """
_start:
    li      t0, CONSOLE_TX
    li      a0, 'k'
    mfsr    a1, psw
    sw      a0, 0(t0)
    halt
"""


def compare(tmp_path, source, *args):
    elf = assemble(tmp_path, source)
    r = subprocess.run([*TOYVM, "compare", str(elf), *args], capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()
    return r.stdout.decode()


def test_rdpsw_divergence_is_found_at_the_instruction_under_trap_only(tmp_path):
    data = json.loads(compare(tmp_path, REDPILL, "--json"))
    runs = {r["name"]: r for r in data["runs"]}
    assert runs["bare"]["output"] == "0"
    assert runs["trap"]["output"] == "1"            # the guest kernel sees U = 1
    assert runs["hw"]["output"] == "0" and runs["hw"]["output_identical"]
    assert runs["bt"]["output"] == "0" and runs["bt"]["output_identical"]
    div = data["divergences"]["trap"]
    assert div["instruction"] == 2 and div["text"].startswith("rdpsw")
    assert div["differences"] == [f"a0: bare {0:08x}, trap {PSW_U:08x}"]
    assert "hw" not in data["divergences"] and "bt" not in data["divergences"]
    # every run completed the same instructions: the monitor counts what it emulates
    assert len({r["instructions"] for r in data["runs"]}) == 1
    assert runs["hw"]["monitor_entries"]["sensitive instructions"] == 1
    assert runs["trap"]["monitor_entries"]["sensitive instructions"] == 0


def test_lost_wrpsw_shows_as_psw_ie_at_the_wrpsw(tmp_path):
    text = compare(tmp_path, CLI, "--strategy", "trap", "--strategy", "hw")
    assert "trap: DIFFERS from bare." in text
    assert "at instruction 4, pc" in text and ": wrpsw zero" in text
    assert "psw.IE: bare 0, trap 1" in text
    assert "hw: same output and exit status as bare, and the same instruction count." in text
    header = text.splitlines()[0].split()
    assert header == ["bare", "trap", "hw"]


def test_a_guest_without_sensitive_instructions_is_identical_everywhere(tmp_path):
    data = json.loads(compare(tmp_path, PLAIN, "--json"))
    assert [r["name"] for r in data["runs"]] == ["bare", "trap", "bt", "hw", "para", "hw+nested", "vt",
                                                 "vt+shadow"]
    assert all(r["output"] == "k" and r["exit_status"] == 0 for r in data["runs"])
    assert data["divergences"] == {}
    for run in data["runs"][1:]:
        # mfsr and halt; in the hardware guest mode (vt) mfsr runs on the guest's copies: halt only
        assert run["monitor_entries"]["privileged instructions"] == (1 if run["name"].startswith("vt") else 2)
        assert run["monitor_entries"]["device accesses"] == 1


def test_bad_image_is_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.elf"
    bad.write_bytes(b"not an elf")
    r = subprocess.run([*TOYVM, "compare", str(bad)], capture_output=True, timeout=60)
    assert r.returncode == 1 and b"Traceback" not in r.stderr and b"error" in r.stderr


@pytest.mark.parametrize("strategy", ["trap", "hw"])
def test_runs_past_the_limit_end_the_same_way(tmp_path, strategy):
    data = json.loads(compare(tmp_path, "_start: j _start\n", "--json", "--max-instructions", "5000",
                              "--strategy", strategy))
    assert [(r["ended"], r["instructions"]) for r in data["runs"]] == [("limit", 5000)] * 2
    assert data["divergences"] == {}


def test_para_image_runs_under_para_and_is_judged_by_output_and_status(tmp_path):
    """A kernel built for para (here: mfsr psw instead of rdpsw, as the -para demos) runs only
    under para; it is compared with the bare run of the plain image by what it prints."""
    plain = assemble(tmp_path, REDPILL, "plain")
    para = assemble(tmp_path, REDPILL.replace("rdpsw   a0", "mfsr    a0, psw"), "para")
    r = subprocess.run([*TOYVM, "compare", str(plain), "--para-image", str(para), "--json"],
                       capture_output=True, timeout=120)
    data = json.loads(r.stdout)
    runs = {run["name"]: run for run in data["runs"]}
    assert runs["para"]["output"] == "0" and runs["trap"]["output"] == "1"
    assert "para" not in data["divergences"] and data["para_image"] == str(para)
    assert runs["para"]["monitor_entries"]["privileged instructions"] == 2     # mfsr, halt


def test_the_replay_stops_each_run_with_the_machine_api(tmp_path, monkeypatch):
    """The divergence search ends the bare run at its search limit and the monitor's run at the
    divergence by asking the machine to stop (no exception through the scheduler): the guest is
    left as it is, not ended by a monitor error."""
    from vmm.lab.compare import divergence
    from vmm.lab.compare.runs import Guest

    elf = assemble(tmp_path, REDPILL.replace("    halt\n", "1:  j 1b\n"))
    monitors = []
    boot_monitor = divergence.boot_monitor
    monkeypatch.setattr(divergence, "boot_monitor", lambda *a: monitors.append(boot_monitor(*a)) or monitors[-1])
    guest = Guest(str(elf), [], 1 << 20, b"", 50_000_000)
    found = divergence.first_divergence(guest, "trap", limit=1000)
    assert found.count == 1 and found.what == [f"a0: bare {0:08x}, trap {PSW_U:08x}"]
    (monitor,) = monitors
    assert monitor.guests[0].exit is None and monitor.machine.interrupt_requested
