"""``toyvm run --vmm --trace=events`` against ``--stats`` JSON: for every program and every
strategy, the number of each kind of monitor event in the trace equals the matching counter,
and a guest's output, exit status and counts are the same whether it is traced or not. The
full trace shows exactly one line per instruction the guest completed."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from asm.api import assemble_files
from vmm.monitor.events import KINDS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from guestos.build import build_kernel  # noqa: E402

TOYVM = [sys.executable, "-m", "vmm.cli"]
EVENT = re.compile(r"^(\S+)\s+-\s+[UK] [0-9a-f]{8}(?: <[^>]*>)?\s+(\S+)")
INSTRUCTION = re.compile(r"^(\S+)\s+(\d+) [UK] [0-9a-f]{8}")
BARE_INSTRUCTION = re.compile(r"^\s*(\d+) [UK] [0-9a-f]{8}")


def _sum(d: dict) -> int:
    return sum(d.values())


# The JSON number each kind of event is the count of (docs/stats.md), written out here, apart
# from events.py's own table, so that the two are checked against each other.
EXPECTED = {
    "trap": lambda g: g["monitor_entries"]["total"],
    "resume": lambda g: g["monitor_entries"]["total"],
    "emulate": lambda g: _sum(g["emulated"]["privileged"]),
    "sensitive": lambda g: _sum(g["emulated"]["sensitive"]),
    "hypercall": lambda g: _sum(g["emulated"]["hypercalls"]),
    "device": lambda g: _sum(g["emulated"]["devices"]),
    "bt-access": lambda g: g["binary_translation"]["faults"] - g["binary_translation"]["pages_scanned"],
    "scan": lambda g: g["binary_translation"]["pages_scanned"],
    "fill": lambda g: g["shadow_maps"]["fills"],
    "mmap-fill": lambda g: g["machine_map_fills"],
    "reflect": lambda g: _sum(g["true_faults"]) + g["reflected"]["system_calls"] + _sum(g["reflected"]["other"]),
    "inject": lambda g: _sum(g["interrupts_injected"]),
    "build": lambda g: g["shadow_maps"]["built"],
    "reuse": lambda g: g["shadow_maps"]["reused"],
    "resync": lambda g: g["shadow_maps"]["resyncs"],
    "evict": lambda g: g["shadow_maps"]["evicted"],
    "pmar": lambda g: g["pmar_switches"],
    "switch": lambda g: g["world_switches"],
    "slice": lambda g: g["time_slices"],
    "exit": lambda g: 1 if g["ended"] is not None else 0,
}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("trace")
    files = {"guestos": build_kernel(out / "guestos.elf"),
             "guestos-para": build_kernel(out / "guestos-para.elf", defsyms={"PARAVIRT": 1})}
    for name in ("hello", "fault"):
        files[name] = out / f"{name}.elf"
        files[name].write_bytes(assemble_files([str(ROOT / f"programs/{name}.s")]).to_elf())
    for name in ("popf", "redpill"):
        files[name] = out / f"{name}.elf"
        files[name].write_bytes(assemble_files([str(ROOT / f"programs/kernels/{name}.s")]).to_elf())
    files["popf-para"] = out / "popf-para.elf"
    files["popf-para"].write_bytes(assemble_files([str(ROOT / "programs/kernels/popf.s")],
                                                  defsyms={"PARAVIRT": 1}).to_elf())
    return files


def guests_of(built, program: str, strategy: str) -> list[str]:
    """--guest strings (several guests for 'two')."""
    para = strategy == "para"
    if program == "popf":
        return [str(built["popf-para" if para else "popf"])]
    if program == "redpill":
        return [str(built["redpill"])]
    kernel = built["guestos-para" if para else "guestos"]
    if program == "guestos":
        return [f"{kernel} --module {built['hello']} --module {built['fault']}"]
    return [f"{kernel} --module {built['hello']}", f"{kernel} --module {built['fault']} --module {built['hello']}"]


def toyvm(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(TOYVM + [str(a) for a in args], capture_output=True, timeout=300, cwd=cwd)


def run(tmp_path, built, program, strategy, *watch):
    args = ["run", "--strategy", strategy, "--max-instructions", "3000000"]
    for spec in guests_of(built, program, strategy):
        args += ["--guest", spec]
    stats = tmp_path / f"stats{len(list(tmp_path.iterdir()))}.json"
    r = toyvm(*args, "--json", "--stats-file", stats, *watch)
    return r, json.loads(stats.read_text())


CASES = [(p, s) for p in ("popf", "guestos") for s in ("trap", "bt", "hw", "para")] + [
    ("two", "trap"), ("two", "bt"), ("redpill", "trap"), ("redpill", "hw"), ("guestos", "vt"), ("two", "vt")]


@pytest.mark.parametrize("program, strategy", CASES)
def test_events_in_the_trace_equal_the_stats(tmp_path, built, program, strategy):
    trace = tmp_path / "trace.txt"
    watched, stats = run(tmp_path, built, program, strategy, "--trace=events", "--trace-file", trace)
    plain, plain_stats = run(tmp_path, built, program, strategy)
    # tracing changes nothing the guests or the user can see
    assert (watched.returncode, watched.stdout) == (plain.returncode, plain.stdout)
    assert stats == plain_stats
    counts: dict[str, Counter] = {}
    for line in trace.read_text().splitlines():
        m = EVENT.match(line)
        assert m, line
        counts.setdefault(m.group(1), Counter())[m.group(2)] += 1
    assert set(EXPECTED) == set(KINDS)         # every kind of the vocabulary is checked here
    for guest in stats["guests"]:
        seen = counts[guest["name"]]
        assert set(seen) <= set(KINDS)
        for kind, expected in EXPECTED.items():
            assert seen[kind] == expected(guest), (guest["name"], kind)
            if KINDS[kind].count is not None:      # events.py's own table says the same
                assert KINDS[kind].counter
        emulated = sum(seen[k] for k in ("emulate", "sensitive", "hypercall", "device", "bt-access"))
        assert emulated == guest["instructions"]["emulated"]
        assert seen["fill"] == guest["hidden_faults"]
        assert seen["trap"] > 0


@pytest.mark.parametrize("strategy", ["trap", "hw"])
def test_full_trace_has_a_line_per_completed_instruction(tmp_path, built, strategy):
    trace = tmp_path / "trace.txt"
    r, stats = run(tmp_path, built, "popf", strategy, "--trace-file", trace)
    lines = trace.read_text().splitlines()
    numbers = [int(m.group(2)) for m in map(INSTRUCTION.match, lines) if m]
    (guest,) = stats["guests"]
    assert numbers == list(range(1, guest["instructions"]["completed"] + 1))
    assert len(numbers) + sum(1 for line in lines if EVENT.match(line)) == len(lines)


def test_bare_trace_filters_and_symbols(tmp_path, built):
    """The bare machine's trace: a window by symbol, events only, symbols after the pc."""
    popf = built["popf"]
    whole = toyvm("run", "--trace", popf).stderr.decode().splitlines()
    handler = next(line for line in whole if "<handler>" in line and BARE_INSTRUCTION.match(line))
    window = toyvm("run", "--trace-from", "handler", "--trace-until", "disarm", popf).stderr.decode().splitlines()
    assert window[0] == handler                  # starts at the first instruction at 'handler'
    assert "<disarm>" in window[-1] and window[-1] in whole
    assert len(window) < len(whole)
    events = toyvm("run", "--trace=events", popf).stderr.decode().splitlines()
    assert events and all(" trap TIMER " in line for line in events)
    assert len(events) == sum(1 for line in whole if " trap " in line)
    counted = toyvm("run", "--trace=instructions", "--trace-from", "100", "--trace-until", "109", popf)
    assert [int(line.split()[0]) for line in counted.stderr.decode().splitlines()] == list(range(100, 110))


def test_guest_filter_and_errors(tmp_path, built):
    guests = guests_of(built, "two", "trap")
    args = ["run", "--max-instructions", "300000", "--guest", guests[0], "--guest", guests[1]]
    r = toyvm(*args, "--trace=events", "--trace-guest", "guest2")
    names = {line.split()[0] for line in r.stderr.decode().splitlines() if EVENT.match(line)}
    assert names == {"guest2"}
    r = toyvm(*args, "--trace", "--trace-guest", "guest9")
    assert r.returncode == 2 and "no guest named 'guest9'" in r.stderr.decode()
    r = toyvm("run", "--trace-from", "no_such_symbol", built["popf"])
    assert r.returncode == 2 and "no symbol 'no_such_symbol'" in r.stderr.decode()


def test_docs_list_every_kind_of_event():
    """docs/observe.md's table of events has exactly the kinds of vmm/monitor/events.py."""
    text = (ROOT / "docs/observe.md").read_text()
    section = text[text.index("### The events"):text.index("## The timeline")]
    assert set(re.findall(r"^\| `([\w-]+)` \|", section, re.M)) == set(KINDS)
