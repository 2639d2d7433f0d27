"""The Python API (toyvm/, docs/api.md) as a teacher's script uses it: one meaning of status on
the bare machine and under the monitor, equal to the exit status of `toyvm run` for the same
program; bounds that stop runaway kernels; errors carrying the command line's messages; several
guests reported one by one, past the exit status's 8 bits; and `toyvm run --vmm`'s per-guest
lines, JSON and output files."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import toyvm

ROOT = Path(__file__).resolve().parents[1]
TOYVM = [sys.executable, "-m", "vmm.cli"]
TOYASM = [sys.executable, "-m", "asm.cli"]

ENDINGS = {   # a kernel's last lines -> (stopped, status) on the bare machine and under the monitor
    "power_off": ("li t0, POWER_OFF\n    li t1, 3\n    sw t1, 0(t0)\n", ("power_off", 3)),
    "halt": ("halt\n", ("halt", 0)),
    "crash": ("lw t0, 2(zero)\n", ("crash", 125)),       # misaligned, no trap handler: a trap loop
    "limit": ("1:  j 1b\n", ("limit", 124)),
}


def kernel(ending: str) -> str:
    return ("_start:\n    li t0, CONSOLE_TX\n    li t1, 'k'\n    sw t1, 0(t0)\n    " + ENDINGS[ending][0])


@pytest.fixture(scope="module")
def elves(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api")
    paths = {}
    for name in ENDINGS:
        paths[name] = toyvm.assemble_source(kernel(name), name).save(folder / f"{name}.elf")
    return paths


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_status_means_the_same_bare_under_every_strategy_and_on_the_command_line(elves, ending):
    expected = ENDINGS[ending][1]
    cli = subprocess.run(TOYVM + ["run", "--max-instructions", "5000", str(elves[ending])],
                         capture_output=True, cwd=ROOT, stdin=subprocess.DEVNULL, timeout=60)
    assert cli.returncode == expected[1]
    for strategy in (None, "trap", "bt", "hw"):
        result = toyvm.run(elves[ending], max_instructions=5000, strategy=strategy)
        assert (result.stopped, result.status, result.output) == (*expected, b"k"), strategy
        assert result.ok == (ending == "halt")          # POWER_OFF with 3 is not a clean end
        if ending in ("crash", "limit"):    # the report toyvm run prints, whoever runs it
            assert result.report.splitlines()[-1].split() == cli.stderr.decode().splitlines()[-1].split()


def test_a_wall_clock_bound_stops_a_kernel_with_no_instruction_bound(elves):
    for strategy in (None, "bt"):
        result = toyvm.run(elves["limit"], max_instructions=None, timeout=0.2, strategy=strategy)
        assert (result.stopped, result.status) == ("timeout", 124)
        assert "stopped: timeout after 0.2 s" in result.report


def test_every_run_has_an_instruction_bound_unless_asked_for_none(elves):
    import inspect
    for function in (toyvm.run, toyvm.run_guests):
        assert inspect.signature(function).parameters["max_instructions"].default == toyvm.DEFAULT_MAX_INSTRUCTIONS
    assert toyvm.DEFAULT_MAX_INSTRUCTIONS is not None


def test_output_is_bounded(tmp_path):
    chatty = toyvm.assemble_source("_start:\n    li t0, CONSOLE_TX\n    li t1, 'x'\n1:  sw t1, 0(t0)\n    j 1b\n")
    for strategy in (None, "trap"):
        result = toyvm.run(chatty, max_instructions=20_000, max_output=100, strategy=strategy)
        assert result.output == b"x" * 100 and result.guests[0].truncated and result.stopped == "limit"


def test_input_bytes_reach_the_console():
    echo = toyvm.assemble([ROOT / "programs" / "echo.s"])
    kernel_image = ROOT / "build" / "guestos.elf"
    if not kernel_image.exists():
        pytest.skip("make programs first")
    for vmm in (False, True):
        result = toyvm.run(kernel_image, [echo], input=b"one\ntwo\n", vmm=vmm, max_instructions=5_000_000)
        assert result.output == b"one\ntwo\n" and result.ok


def test_errors_carry_the_messages_the_command_lines_print(tmp_path):
    source = tmp_path / "bad.s"
    source.write_text("_start:\n    addi a0, a0\n    lw t0, nowhere\n")
    with pytest.raises(toyvm.AssemblyError) as caught:
        toyvm.assemble([source])
    cli = subprocess.run(TOYASM + ["build", str(source), "-o", str(tmp_path / "bad.elf")], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert cli.returncode == 1
    assert cli.stderr.startswith(str(caught.value) + "\n") and len(caught.value.errors) == 2
    truncated = tmp_path / "short.elf"
    truncated.write_bytes(b"\x7fELF\x01\x01\x01")
    with pytest.raises(toyvm.LoadError) as caught:
        toyvm.run(truncated)
    cli = subprocess.run(TOYVM + ["run", str(truncated)], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert cli.returncode == 1 and cli.stderr == f"toyvm: error: {caught.value}\n"
    with pytest.raises(toyvm.LoadError):
        toyvm.run(truncated, vmm=True)
    with pytest.raises(toyvm.UsageError, match="multiple of 4096"):
        toyvm.run(truncated, mem=5000)
    (tmp_path / "mine.py").write_text("")
    with pytest.raises(toyvm.UsageError, match="no class Nope"):
        toyvm.run(truncated, strategy=f"{tmp_path / 'mine.py'}:Nope")


def test_nine_guests_each_report_their_own_end(elves):
    endings = ["halt", "power_off", "halt", "crash", "halt", "halt", "halt", "halt", "limit"]
    result = toyvm.run_guests([toyvm.Guest(elves[e], name=f"g{i}") for i, e in enumerate(endings)],
                              max_instructions=5000)
    assert [(g.name, g.stopped, g.status) for g in result.guests] == \
           [(f"g{i}", *ENDINGS[e][1]) for i, e in enumerate(endings)]
    assert result.status == 0b10001010            # the command's mask: the ninth only in bit 7
    assert [g.summary() for g in result.guests][8] == "g8 (limit): ran out of instructions (status 124)"


def test_the_command_line_reports_each_of_nine_guests(elves, tmp_path):
    endings = ["halt"] * 7 + ["crash", "power_off"]
    guests = []
    for i, e in enumerate(endings):
        guests += ["--guest", f"{elves[e]}" + (f" --name n{i}" if i == 8 else "")]
    r = subprocess.run(TOYVM + ["run", "--max-instructions", "5000", "--guest-output", str(tmp_path / "out"),
                                "--results", str(tmp_path / "r.json"), *guests],
                       capture_output=True, text=True, cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0b10000000
    lines = [line for line in r.stderr.splitlines() if line.startswith("toyvm: ") and ": " in line[7:]][-9:]
    assert lines[7] == f"toyvm: guest8 ({elves['crash']}): crashed (status 125)"
    assert lines[8] == f"toyvm: n8 ({elves['power_off']}): powered off with status 3"
    data = json.loads((tmp_path / "r.json").read_text())
    assert [(g["name"], g["stopped"], g["status"]) for g in data["guests"]][7:] == \
           [("guest8", "crash", 125), ("n8", "power_off", 3)]
    assert data["status"] == r.returncode
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted([f"halt-{k}.out" for k in range(1, 8)] + ["crash.out", "n8.out"])
    assert (tmp_path / "out" / "n8.out").read_bytes() == b"k"
    assert data["guests"][8]["output_file"] == str(tmp_path / "out" / "n8.out")


def test_toyvm_run_takes_a_strategy_from_a_users_file(tmp_path):
    popf = toyvm.assemble([ROOT / "programs" / "kernels" / "popf.s"]).save(tmp_path / "popf.elf")
    (tmp_path / "mine.py").write_text("from vmm.monitor.strategies.hw import HardwareAssist\n"
                                      "class Mine(HardwareAssist):\n    name = 'mine'\n"
                                      "class NotOne:\n    pass\n")

    def run(strategy):
        return subprocess.run(TOYVM + ["run", "--strategy", strategy, str(popf)], capture_output=True, text=True,
                              cwd=ROOT, timeout=120, stdin=subprocess.DEVNULL)
    mine, trap = run(f"{tmp_path}/mine.py:Mine"), run("trap")
    assert (mine.returncode, trap.returncode) == (0, 1)
    assert "interrupts inside the critical section: 0" in mine.stdout
    for strategy, message in ((f"{tmp_path}/none.py:Mine", "none.py: no such file"),
                              (f"{tmp_path}/mine.py:Nope", "mine.py: no class Nope"),
                              (f"{tmp_path}/mine.py:NotOne", "must be a class derived from"),
                              ("fast", "unknown strategy 'fast'")):
        r = run(strategy)
        assert r.returncode == 2 and message in r.stderr and "Traceback" not in r.stderr, strategy
