"""``--timeline FILE`` (Chrome/Perfetto trace-event JSON) and ``toyvm timeline-plot``: the file
parses, spans never overlap on a track and cover the run exactly once, the trap instants and
monitor spans equal the --stats JSON, a guest's output is the same with and without it, and
the picture is drawn, the same bytes every time."""
from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from asm.api import assemble_files

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from guestos.build import build_kernel  # noqa: E402

TOYVM = [sys.executable, "-m", "vmm.cli"]


def toyvm(*args) -> subprocess.CompletedProcess:
    return subprocess.run(TOYVM + [str(a) for a in args], capture_output=True, timeout=300)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("timeline")
    files = {"guestos": build_kernel(out / "guestos.elf")}
    for name, src in (("hello", "programs/hello.s"), ("fault", "programs/fault.s"),
                      ("popf", "programs/kernels/popf.s")):
        files[name] = out / f"{name}.elf"
        files[name].write_bytes(assemble_files([str(ROOT / src)]).to_elf())
    return files


def guests(built, which: str) -> list[str]:
    if which == "two":
        kernel = built["guestos"]
        return ["--guest", f"{kernel} --module {built['hello']}",
                "--guest", f"{kernel} --module {built['fault']} --module {built['hello']}"]
    return ["--vmm", str(built["popf"])]


def timeline_run(tmp_path, built, which, strategy):
    path, stats = tmp_path / f"{which}-{strategy}.json", tmp_path / f"{which}-{strategy}-stats.json"
    r = toyvm("run", "--strategy", strategy, *guests(built, which), "--timeline", path, "--json",
              "--stats-file", stats)
    return r, json.loads(path.read_text()), json.loads(stats.read_text())


@pytest.mark.parametrize("which, strategy", [("popf", "trap"), ("popf", "hw"), ("two", "trap")])
def test_timeline_spans_and_traps_agree_with_the_stats(tmp_path, built, which, strategy):
    r, timeline, stats = timeline_run(tmp_path, built, which, strategy)
    plain = toyvm("run", "--strategy", strategy, *guests(built, which))
    assert (r.returncode, r.stdout) == (plain.returncode, plain.stdout)
    events = timeline["traceEvents"]
    names = {e["tid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
    assert names[0] == "monitor"
    spans = defaultdict(list)
    for e in events:
        if e["ph"] == "X":
            assert e["dur"] > 0 and e["ts"] >= 0
            spans[e["tid"]].append((e["ts"], e["dur"]))
    for tid, track in spans.items():             # one thing at a time on a track
        track.sort()
        for (ts, dur), (next_ts, _) in zip(track, track[1:]):
            assert ts + dur <= next_ts, (names[tid], ts, dur, next_ts)
    # every tick is a guest's instruction or the monitor's work, exactly once
    running = sorted(span for tid, track in spans.items() if tid < 100 for span in track)
    for (ts, dur), (next_ts, _) in zip(running, running[1:]):
        assert ts + dur <= next_ts
    total = sum(g["instructions"]["completed"] for g in stats["guests"])
    entries = sum(g["monitor_entries"]["total"] for g in stats["guests"])
    assert sum(dur for _, dur in running) == total + entries
    # the monitor's spans and trap instants are its entries, per guest
    traps = Counter(e["args"]["guest"] for e in events if e["ph"] == "i" and e["cat"] == "trap")
    handled = Counter(e["args"]["guest"] for e in events if e["ph"] == "X" and e["cat"] == "monitor")
    interrupts = Counter(names[e["tid"]] for e in events if e["ph"] == "i" and e["cat"] == "interrupt")
    for g in stats["guests"]:
        assert traps[g["name"]] == handled[g["name"]] == g["monitor_entries"]["total"]
        assert interrupts[g["name"]] == sum(g["interrupts_injected"].values())
        cause_counts = Counter(e["name"] for e in events if e["ph"] == "i" and e["cat"] == "trap"
                               and e["args"]["guest"] == g["name"])
        assert cause_counts["PRIVILEGED_INSTRUCTION"] == g["monitor_entries"]["privileged instructions"]


def test_hw_shows_the_critical_sections_trap_never_learns_of(tmp_path, built):
    """popf: under hw each wrpsw traps, so the guest's virtual IE is off for every critical
    section; under trap the monitor never hears of them: IE is off only in the handler."""
    ie_off = {}
    for strategy in ("trap", "hw"):
        _, timeline, stats = timeline_run(tmp_path, built, "popf", strategy)
        ie_off[strategy] = sum(1 for e in timeline["traceEvents"] if e["ph"] == "X" and e["cat"] == "ie")
        ticks = stats["guests"][0]["interrupts_injected"]["TIMER"]
        if strategy == "trap":                    # IE off once per tick handled, and at reset
            assert ie_off[strategy] <= ticks + 1
    assert ie_off["hw"] > ie_off["trap"] + 900       # 1000 critical sections


def test_plot_draws_the_same_picture_every_time(tmp_path, built):
    pytest.importorskip("matplotlib")
    timeline_run(tmp_path, built, "popf", "trap")
    timeline_run(tmp_path, built, "popf", "hw")
    args = ["timeline-plot", tmp_path / "popf-trap.json", tmp_path / "popf-hw.json", "--title", "popf under trap",
            "--title", "popf under hw", "--from", "1000", "--until", "1400"]
    first = toyvm(*args, "-o", tmp_path / "a.svg")
    second = toyvm(*args, "-o", tmp_path / "b.svg")
    assert first.returncode == second.returncode == 0, first.stderr
    svg = (tmp_path / "a.svg").read_bytes()
    assert svg == (tmp_path / "b.svg").read_bytes()
    root = ET.fromstring(svg)
    text = "".join(root.itertext())
    assert "popf under trap" in text and "popf under hw" in text and "guest1 IE off" in text
    png = toyvm(*args, "-o", tmp_path / "c.png")
    assert png.returncode == 0 and (tmp_path / "c.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_of_a_bad_file_is_a_message(tmp_path):
    (tmp_path / "bad.json").write_text("{\"traceEvents\": 3}")
    r = toyvm("timeline-plot", tmp_path / "bad.json", "-o", tmp_path / "x.svg")
    assert r.returncode == 1 and "no traceEvents list" in r.stderr.decode() and "Traceback" not in r.stderr.decode()


def test_bare_timeline_has_a_span_per_mode_and_every_trap(built, tmp_path):
    """The bare machine's timeline: spans cover every instruction once, in the mode the trace
    shows it ran in, and there is an instant per trap of the --json statistics."""
    popf = built["popf"]
    r = toyvm("run", "--timeline", tmp_path / "t.json", "--trace=instructions", "--trace-file", tmp_path / "trace",
              "--json", "--stats-file", tmp_path / "s.json", popf)
    plain = toyvm("run", popf)
    assert (r.returncode, r.stdout) == (plain.returncode, plain.stdout)
    events = json.loads((tmp_path / "t.json").read_text())["traceEvents"]
    stats = json.loads((tmp_path / "s.json").read_text())
    spans = sorted((e["ts"], e["dur"], e["name"]) for e in events if e["ph"] == "X" and e["cat"] == "guest")
    for (ts, dur, _), (next_ts, _, _) in zip(spans, spans[1:]):
        assert ts + dur == next_ts
    assert spans[0][0] == 0 and sum(d for _, d, _ in spans) == stats["instructions"]["completed"]
    modes = [line.split()[1] for line in (tmp_path / "trace").read_text().splitlines()]
    assert sum(d for _, d, name in spans if name == "kernel") == modes.count("K")
    traps = Counter(e["name"] for e in events if e["ph"] == "i" and e["cat"] == "trap")
    assert traps == Counter(stats["traps"])
