"""``toyvm timeline-plot``: a static picture of one or more ``--timeline`` files (SVG or PNG, by
the output's extension), for the docs and the README: who ran when, in which virtual mode,
where the monitor was entered, where the guest's virtual IE was off and where virtual
interrupts landed. One panel per file, stacked, sharing nothing but the style.

It reads only the JSON, so the picture shows what any trace viewer shows. matplotlib is an
optional dependency (``pip install 'toyvm[plot]'``); without it the command says so. The
figure is built on its own ``Figure`` (no pyplot, no global backend) and saved without a date
and with a fixed hash salt, so the same timeline gives the same SVG bytes.
"""
from __future__ import annotations

import json
from collections import defaultdict

COLOURS = {"user": "#4c9f38", "kernel": "#f0a30a", "monitor": "#d62728", "ie": "#7f7f7f"}
MAX_EVENTS = 2_000_000          # trace events read from one file


class PlotError(Exception):
    """A timeline that cannot be drawn; the message says why."""


def read_timeline(path: str) -> dict:
    """Tracks and events of a ``--timeline`` file: {"tracks": {tid: name}, "spans": {tid: [(ts, dur,
    name, cat)]}, "instants": {tid: [(ts, name, cat)]}, "end": last tick}."""
    try:
        with open(path) as f:
            data = json.load(f)
    except OSError as e:
        raise PlotError(f"{path}: {e.strerror}") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise PlotError(f"{path}: not a timeline (JSON): {e}") from None
    events = data.get("traceEvents") if isinstance(data, dict) else None
    if not isinstance(events, list):
        raise PlotError(f"{path}: not a timeline: no traceEvents list")
    tracks, spans, instants, end = {}, defaultdict(list), defaultdict(list), 0
    for event in events[:MAX_EVENTS]:
        if not isinstance(event, dict):
            continue
        ph, tid = event.get("ph"), event.get("tid")
        try:
            if ph == "M" and event.get("name") == "thread_name":
                tracks[tid] = str(event["args"]["name"])
            elif ph == "X":
                spans[tid].append((int(event["ts"]), int(event["dur"]), event.get("name", ""), event.get("cat", "")))
                end = max(end, int(event["ts"]) + int(event["dur"]))
            elif ph == "i":
                instants[tid].append((int(event["ts"]), event.get("name", ""), event.get("cat", "")))
                end = max(end, int(event["ts"]))
        except (KeyError, TypeError, ValueError):
            raise PlotError(f"{path}: a malformed trace event: {json.dumps(event)[:200]}") from None
    return {"tracks": tracks, "spans": spans, "instants": instants, "end": end,
            "title": (data.get("otherData") or {}).get("title", "")}


def _rows(timeline: dict) -> list[tuple[int, str]]:
    """(tid, label) from top to bottom: the monitor, then each guest with its IE track."""
    tracks = timeline["tracks"]
    rows = [(tid, name) for tid, name in sorted(tracks.items(), key=lambda t: t[0]) if tid == 0]
    for tid, name in sorted(tracks.items(), key=lambda t: t[0]):
        if 0 < tid < 100:
            rows.append((tid, name))
            if tid + 100 in tracks:
                rows.append((tid + 100, tracks[tid + 100]))
    return rows


def plot(paths: list[str], out: str, titles: list[str] = (), start: int | None = None,
         until: int | None = None, width: float = 10.0) -> None:
    """Draw the timelines in ``paths`` (one panel each) into ``out`` (.svg or .png)."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch
    except ImportError:
        raise PlotError("timeline-plot needs matplotlib: pip install 'toyvm[plot]'") from None
    timelines = [read_timeline(p) for p in paths]
    heights = [0.5 + 0.4 * len(_rows(t)) for t in timelines]
    with matplotlib.rc_context({"svg.hashsalt": "toyvm", "svg.fonttype": "none", "font.size": 8}):
        fig = Figure(figsize=(width, sum(heights) + 0.8), layout="constrained")
        axes = fig.subplots(len(timelines), 1, squeeze=False, height_ratios=heights)[:, 0]
        for i, (ax, timeline) in enumerate(zip(axes, timelines)):
            _panel(ax, timeline, titles[i] if i < len(titles) else timeline["title"], start, until)
        axes[-1].set_xlabel("time: instructions completed + monitor entries (deterministic)")
        fig.legend(handles=[Patch(color=COLOURS["user"], label="guest user mode"),
                            Patch(color=COLOURS["kernel"], label="guest kernel mode"),
                            Patch(color=COLOURS["monitor"], label="monitor (a trap handled)"),
                            Patch(color=COLOURS["ie"], label="guest's virtual IE off")],
                   loc="outside lower center", ncols=4, frameon=False)
        kind = "svg" if out.endswith(".svg") else "png"
        metadata = {"Date": None} if kind == "svg" else {"Software": None}
        try:
            fig.savefig(out, format=kind, metadata=metadata)
        except OSError as e:
            raise PlotError(f"{out}: {e.strerror}") from None


def _panel(ax, timeline: dict, title: str, start, until) -> None:
    rows = _rows(timeline)
    lo = start or 0
    hi = until if until is not None else max(timeline["end"], lo + 1)
    for y, (tid, label) in enumerate(rows):
        bars = defaultdict(list)
        for ts, dur, name, cat in timeline["spans"].get(tid, ()):
            if ts + dur < lo or ts > hi:
                continue
            colour = COLOURS["monitor"] if cat == "monitor" else COLOURS["ie"] if cat == "ie" else COLOURS.get(name)
            bars[colour].append((ts, max(dur, (hi - lo) / 2000)))     # a one-tick trap stays visible
        for colour, xs in bars.items():
            ax.broken_barh(xs, (y - 0.35, 0.7), color=colour, linewidth=0)
        marks = [ts for ts, name, cat in timeline["instants"].get(tid, ()) if lo <= ts <= hi and cat == "interrupt"]
        if marks:
            ax.plot(marks, [y - 0.5] * len(marks), linestyle="none", marker="^", markersize=5, color="black",
                    label="virtual interrupt")
    ax.set_yticks(range(len(rows)), [label for _, label in rows])
    ax.set_ylim(len(rows) - 0.4, -0.7)
    ax.set_xlim(lo, hi)
    ax.set_title(title, loc="left")
    ax.grid(axis="x", linewidth=0.3)
