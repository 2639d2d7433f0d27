"""``--timeline FILE``: the run in the Chrome/Perfetto trace-event JSON format, for
ui.perfetto.dev or chrome://tracing (and ``toyvm timeline-plot`` for a static picture).

Tracks (all in process 1, "toyvm"): thread 0 is the monitor, thread k the guest k. A guest's
track has a span per stretch it ran directly in one virtual mode (name ``user`` or
``kernel``, category ``guest``) and an instant per virtual interrupt injected (category
``interrupt``, args: the pc it interrupted); thread 100 + k, "guestk IE off", has a span
(category ``ie``) while the guest's *virtual* IE is off as the monitor knows it -- under trap,
a ``wrpsw`` the monitor never saw draws nothing there (docs/observe.md); the monitor's track has a span per trap it handled (named after the cause,
category ``monitor``, args: the guest, pc, tval and what the monitor did) and an instant per
trap (category ``trap``, named after the cause).

Time is deterministic: one tick per instruction completed on the real machine, plus one per
monitor entry (the monitor's work is drawn one tick wide, plus the instruction it emulated).
The viewers show a tick as 1 µs. Spans on a track never overlap. The file is written as the run
goes (an event at a time), so a long run costs disk, not memory; what the monitor did in one
trap is listed up to MAX_DID items.
"""
from __future__ import annotations

import json

from isa.machine import CAUSE_NAMES, PSW_IE

from ..machine.trace import Tracer
from .monitor_trace import describe

MAX_DID = 16
MONITOR = 0
IE_TRACKS = 100                             # + k: guest k's "IE off" track


class Timeline:
    """The observer (vmm/monitor/events.py) writing the trace-event JSON to ``out``."""

    def __init__(self, out, monitor, title: str = ""):
        self.out = out
        self.machine = monitor.machine
        self.entries = 0
        self.current = None                 # the guest on the processor
        self.open: dict[str, tuple[str, int]] = {}   # guest name -> (mode, start) of its running span
        self.trap = None                    # (start, cause, pc, tval, guest, did) while the monitor works
        self.first = True
        self.track = {guest.name: i + 1 for i, guest in enumerate(monitor.guests)}
        self.ie_off: dict[str, int] = {}    # guest name -> since when its virtual IE is off
        out.write('{"displayTimeUnit": "ns", "otherData": ' + json.dumps(
            {"tool": "toyvm", "clock": "instructions completed + monitor entries", "title": title,
             "strategy": monitor.strategy.name}) + ', "traceEvents": [\n')
        self._write({"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "toyvm"}})
        self._write({"ph": "M", "pid": 1, "tid": MONITOR, "name": "thread_name", "args": {"name": "monitor"}})
        for guest in monitor.guests:
            self._write({"ph": "M", "pid": 1, "tid": self.track[guest.name], "name": "thread_name",
                         "args": {"name": guest.name}})
            self._write({"ph": "M", "pid": 1, "tid": IE_TRACKS + self.track[guest.name], "name": "thread_name",
                         "args": {"name": f"{guest.name} IE off"}})

    def now(self) -> int:
        return self.machine.count + self.entries

    def _write(self, event: dict) -> None:
        self.out.write(("" if self.first else ",\n") + json.dumps(event, separators=(",", ":")))
        self.first = False

    # --- spans -----------------------------------------------------------------------------------
    def _close(self, name: str, at: int) -> None:
        span = self.open.pop(name, None)
        if span is not None and at > span[1]:
            self._write({"ph": "X", "pid": 1, "tid": self.track[name], "name": span[0], "cat": "guest",
                         "ts": span[1], "dur": at - span[1]})

    def _run(self, guest, at: int) -> None:
        """The guest runs on from ``at`` in its virtual mode (closing a span in the other)."""
        mode = "user" if guest.vcpu.user else "kernel"
        span = self.open.get(guest.name)
        if span is not None and span[0] == mode:
            return
        self._close(guest.name, at)
        if guest.exit is None:
            self.open[guest.name] = (mode, at)

    def _ie(self, guest, at: int) -> None:
        """Open or close the guest's "IE off" span as its virtual IE now says."""
        off = not guest.vcpu.psw & PSW_IE and guest.exit is None
        since = self.ie_off.get(guest.name)
        if off and since is None:
            self.ie_off[guest.name] = at
        elif not off and since is not None:
            del self.ie_off[guest.name]
            if at > since:
                self._write({"ph": "X", "pid": 1, "tid": IE_TRACKS + self.track[guest.name], "name": "IE off",
                             "cat": "ie", "ts": since, "dur": at - since})

    def on_event(self, guest, kind: str, fields: dict) -> None:
        self._event(guest, kind, fields)
        self._ie(guest, self.now())

    def _event(self, guest, kind: str, fields: dict) -> None:
        now = self.now()
        if kind == "trap":
            self._close(guest.name, now)
            cause = CAUSE_NAMES.get(fields["cause"], hex(fields["cause"]))
            self.trap = (now, cause, fields["pc"], fields["tval"], guest.name, [])
            self._write({"ph": "i", "s": "t", "pid": 1, "tid": MONITOR, "name": cause, "cat": "trap", "ts": now,
                         "args": {"guest": guest.name, "pc": f"{fields['pc']:08x}"}})
            return
        if kind == "resume":
            self.entries += 1
            now = self.now()
            start, cause, pc, tval, name, did = self.trap
            self.trap = None
            self._write({"ph": "X", "pid": 1, "tid": MONITOR, "name": cause, "cat": "monitor", "ts": start,
                         "dur": now - start, "args": {"guest": name, "pc": f"{pc:08x}",
                                                       "tval": f"{tval & 0xFFFFFFFF:08x}", "did": did}})
            if guest is self.current:
                self._run(guest, now)
            return
        if kind == "inject":
            self._write({"ph": "i", "s": "t", "pid": 1, "tid": self.track[guest.name], "cat": "interrupt",
                         "name": CAUSE_NAMES.get(fields["cause"], hex(fields["cause"])), "ts": now,
                         "args": {"pc": f"{fields['pc']:08x}"}})
        if self.trap is not None:
            did = self.trap[5]
            if len(did) < MAX_DID and kind != "exit":
                did.append(f"{kind} {describe(guest, kind, fields)}")
            elif len(did) == MAX_DID:
                did.append("...")
            if kind == "exit":
                self._close(guest.name, now)
            return
        if kind == "switch":
            if self.current is not None and self.current is not guest:
                self._close(self.current.name, now)
            self.current = guest
            self._run(guest, now)
        elif kind == "exit":
            self._close(guest.name, now)
        elif guest is self.current:
            self._run(guest, now)

    def finish(self) -> None:
        """Close every span and the JSON (once, at the end of the run)."""
        now = self.now()
        for name in list(self.open):
            self._close(name, now)
        for name, since in list(self.ie_off.items()):
            if now > since:
                self._write({"ph": "X", "pid": 1, "tid": IE_TRACKS + self.track[name], "name": "IE off",
                             "cat": "ie", "ts": since, "dur": now - since})
        self.ie_off.clear()
        self.out.write("\n]}\n")
        self.out.flush()


class BareTimeline(Tracer):
    """``--timeline`` of the bare machine: one track, "machine" (thread 1), with a span per
    stretch in one mode (``user``/``kernel``, category ``guest``, as a guest's) and an instant
    per trap (category ``trap``, named after the cause; interrupts also as ``interrupt``), and
    "machine IE off" (thread 101). Time is the instruction count. It is the machine's tracer, so
    the run goes an instruction at a time, as under --trace."""

    def __init__(self, out, title: str = ""):
        super().__init__(out, instructions=False, traps=False)
        self.first = True
        self.span: tuple[str, int] | None = None       # (mode, start)
        self.ie_off: int | None = None
        self.count = 0
        out.write('{"displayTimeUnit": "ns", "otherData": ' + json.dumps(
            {"tool": "toyvm", "clock": "instructions completed", "title": title, "strategy": None})
            + ', "traceEvents": [\n')
        for tid, name in ((1, "machine"), (IE_TRACKS + 1, "machine IE off")):
            self._write({"ph": "M", "pid": 1, "tid": tid, "name": "thread_name", "args": {"name": name}})

    _write = Timeline._write

    def _mode(self, mode: str, ie: bool, at: int) -> None:
        if self.span is None or self.span[0] != mode:
            self._close_span(at)
            self.span = (mode, at)
        if not ie and self.ie_off is None:
            self.ie_off = at
        elif ie and self.ie_off is not None:
            self._close_ie(at)

    def _close_span(self, at: int) -> None:
        if self.span is not None and at > self.span[1]:
            self._write({"ph": "X", "pid": 1, "tid": 1, "name": self.span[0], "cat": "guest", "ts": self.span[1],
                         "dur": at - self.span[1]})
        self.span = None

    def _close_ie(self, at: int) -> None:
        if self.ie_off is not None and at > self.ie_off:
            self._write({"ph": "X", "pid": 1, "tid": IE_TRACKS + 1, "name": "IE off", "cat": "ie",
                         "ts": self.ie_off, "dur": at - self.ie_off})
        self.ie_off = None

    def snapshot(self, machine) -> tuple:
        return machine.psw

    def instruction(self, machine, before, pc: int, word) -> None:
        """An instruction completed: it ran in the mode of ``before`` (the psw before it)."""
        self._mode("user" if before & 1 else "kernel", bool(before & PSW_IE), machine.count - 1)
        self.count = machine.count

    def trap(self, machine, cause: int, tval: int) -> None:
        name = CAUSE_NAMES.get(cause, hex(cause))
        event = {"ph": "i", "s": "t", "pid": 1, "tid": 1, "name": name, "cat": "trap", "ts": machine.count,
                 "args": {"pc": f"{machine.pc:08x}", "tval": f"{tval & 0xFFFFFFFF:08x}"}}
        self._write(event)
        if cause & 0x80000000:
            self._write({**event, "cat": "interrupt"})

    def finish(self, machine) -> None:
        self._close_span(machine.count)
        self._close_ie(machine.count)
        self.out.write("\n]}\n")
        self.out.flush()
