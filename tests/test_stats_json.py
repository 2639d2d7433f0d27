"""``--stats-format json`` / ``--json``: the same numbers as the text panel, per guest, in the
schema docs/stats.md describes; the bare machine's too; and ``stats_dict``, the function the
Python API returns, gives what the command prints."""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from asm.api import assemble_files
from vmm.machine import ConsoleInput, ConsoleOutput
from vmm.monitor import GuestConfig, Monitor
from vmm.monitor.stats import stats_dict

ROOT = Path(__file__).resolve().parents[1]
TOYVM = [sys.executable, "-m", "vmm.cli"]


@pytest.fixture(scope="module")
def popf(tmp_path_factory) -> Path:
    elf = tmp_path_factory.mktemp("stats") / "popf.elf"
    elf.write_bytes(assemble_files([str(ROOT / "programs/kernels/popf.s")]).to_elf())
    return elf


def toyvm(*args) -> subprocess.CompletedProcess:
    return subprocess.run(TOYVM + [str(a) for a in args], capture_output=True, cwd=ROOT, timeout=120)


def panel_numbers(text: str) -> dict[str, int]:
    """label -> number of each row of the text panel (rows whose label repeats keep the first)."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^(\s*\S.*?)\s{2,}([\d,]+)$", line)
        if m:
            rows.setdefault(m.group(1).strip(), int(m.group(2).replace(",", "")))
    return rows


@pytest.mark.parametrize("strategy", ["trap", "hw"])
def test_json_has_the_panels_numbers(popf, tmp_path, strategy):
    text = toyvm("run", "--vmm", "--strategy", strategy, "--stats", popf).stderr.decode()
    r = toyvm("run", "--vmm", "--strategy", strategy, "--json", "--stats-file", tmp_path / "s.json", popf)
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["schema"] == "toyvm-stats/1" and data["machine"] == "monitor" and data["strategy"] == strategy
    (g,) = data["guests"]
    rows = panel_numbers(text)
    assert g["instructions"]["completed"] == rows["instructions completed"]
    assert g["instructions"]["direct_user"] == rows["run directly, guest user"]
    assert g["instructions"]["direct_kernel"] == rows["run directly, guest kernel"]
    assert g["instructions"]["emulated"] == rows["emulated by the monitor"]
    assert g["monitor_entries"]["total"] == rows["monitor entries (traps)"]
    assert g["monitor_entries"]["privileged instructions"] == rows["privileged instructions"]
    assert g["monitor_entries"]["device accesses"] == rows["device accesses emulated"]
    assert g["emulated"]["privileged"] == {k: rows[k] for k in g["emulated"]["privileged"]}
    assert g["emulated"]["sensitive"] == {k: rows[k] for k in g["emulated"]["sensitive"]}
    assert g["hidden_faults"] == rows["hidden page faults"]
    assert sum(g["interrupts_injected"].values()) == rows["interrupts injected"]
    assert g["shadow_maps"]["built"] == rows["shadow maps built"]
    assert g["shadow_maps"]["reused"] == rows["shadow maps reused"]
    assert g["world_switches"] == rows["world switches"] and g["time_slices"] == rows["time slices"]
    # how it ended: popf prints its verdict and powers off with 1 when interrupts got in (trap), 0 under hw
    assert (g["ended"], g["exit_status"]) == ("power_off", r.returncode) == ("power_off", 1 if strategy == "trap" else 0)
    if strategy == "hw":
        assert g["emulated"]["sensitive"]["wrpsw"] > 0 and set(g["emulated"]["sensitive"]) <= {"rdpsw", "wrpsw"}


def test_bare_json_counts_what_the_guest_counts_under_hw(popf, tmp_path):
    """hw runs the guest exactly as bare (docs/virtualizability.md): the same instruction count."""
    toyvm("run", "--json", "--stats-file", tmp_path / "bare.json", popf)
    toyvm("run", "--vmm", "--strategy", "hw", "--json", "--stats-file", tmp_path / "hw.json", popf)
    bare, hw = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("bare", "hw"))
    assert bare["machine"] == "bare" and bare["schema"] == hw["schema"]
    assert bare["instructions"]["completed"] == hw["guests"][0]["instructions"]["completed"]
    assert bare["instructions"]["kernel"] == bare["instructions"]["completed"]      # popf never leaves kernel mode
    assert bare["traps"]["TIMER"] == hw["guests"][0]["interrupts_injected"]["TIMER"]
    assert (bare["ended"], bare["exit_status"]) == ("power_off", 0)


def test_json_on_stderr_and_the_two_spellings_agree(popf):
    a = toyvm("run", "--vmm", "--json", popf)
    b = toyvm("run", "--vmm", "--stats", "--stats-format", "json", popf)
    first, second = (json.loads(r.stderr.decode()[r.stderr.decode().index("{"):]) for r in (a, b))
    assert first == second and a.stdout == b.stdout


def test_contradicting_options_are_a_usage_error(popf):
    r = toyvm("run", "--json", "--stats-format", "text", popf)
    assert r.returncode == 2 and "contradict" in r.stderr.decode()


def test_stats_dict_is_what_the_command_prints(popf, tmp_path):
    toyvm("run", "--vmm", "--json", "--stats-file", tmp_path / "s.json", popf)
    printed = json.loads((tmp_path / "s.json").read_text())
    monitor = Monitor([GuestConfig(str(popf))], [(ConsoleInput(None), ConsoleOutput(io.BytesIO()))])
    monitor.boot()
    monitor.run()
    mine = stats_dict(monitor)
    assert json.loads(json.dumps(mine)) == printed
