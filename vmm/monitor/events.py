"""The monitor's events: one small vocabulary for everything the monitor does, which the trace
(``--trace=events``), the timeline (``--timeline``) and the statistics all speak.

Each place in the monitor that bumps a counter of the trap panel (stats.py) also reports an
event of the kind that counter counts, with the details (cause, pc, tval, the instruction, its
effect on the virtual CPU, the shadow leaf and the entries it came from, ...). ``KINDS`` says,
as data, which counter each kind is the count of, so a test can hold every program's trace to
its panel, and a reader knows what a line means.

Observers: ``attach(monitor, observer)`` gives every guest an emitter (``guest.events``, also
``guest.shadows.events``) that calls ``observer.on_event(guest, kind, fields)``. With nothing
attached ``guest.events`` is None, and each place costs one attribute test: the untraced trap
path stays as it was. An observer must not change the guest (it only reads).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from isa.machine import ABI_NAMES


@dataclass(frozen=True)
class EventKind:
    name: str                            # as the trace prints it
    counter: str                         # the panel's counter it is the count of ('' : none)
    count: Callable | None               # GuestStats -> that number
    meaning: str


def _total(field: str) -> Callable:
    return lambda s: sum(getattr(s, field).values())


KINDS: dict[str, EventKind] = {k.name: k for k in (
    EventKind("trap", "entries", lambda s: s.entries,
              "the processor trapped into the monitor: cause, pc, tval, virtual and real mode"),
    EventKind("emulate", "privileged", _total("privileged"),
              "a privileged instruction performed on the virtual CPU, and what it changed"),
    EventKind("sensitive", "sensitive", _total("sensitive"),
              "rdpsw/wrpsw performed on the virtual psw (bt, hw)"),
    EventKind("hypercall", "hypercalls", _total("hypercalls"), "a paravirtual guest's hypercall served"),
    EventKind("device", "devices", _total("devices"),
              "a load or store of a device register performed on the guest's own devices"),
    EventKind("bt-access", "bt_faults - bt_scans", lambda s: s.bt_faults - s.bt_scans,
              "bt: a load or store of a scanned code page performed on its original words"),
    EventKind("scan", "bt_scans", lambda s: s.bt_scans,
              "bt: a guest code page scanned, its rdpsw/wrpsw patched"),
    EventKind("fill", "shadow_fills", lambda s: s.shadow_fills,
              "a hidden page fault: a shadow leaf written from the guest's entries and the machine map"),
    EventKind("mmap-fill", "mmap_fills", lambda s: s.mmap_fills,
              "nested paging: an MMAP_FAULT on guest RAM, the page backed in the guest's machine map"),
    EventKind("reflect", "true_faults + syscalls + reflected",
              lambda s: sum(s.true_faults.values()) + s.syscalls + sum(s.reflected.values()),
              "an exception delivered to the guest kernel at its tvec (virtual trap entry)"),
    EventKind("inject", "interrupts", _total("interrupts"),
              "a virtual interrupt delivered to the guest kernel at its tvec"),
    EventKind("build", "shadow_builds", lambda s: s.shadow_builds, "a shadow map built, empty"),
    EventKind("reuse", "shadow_reuses", lambda s: s.shadow_reuses, "a cached shadow map installed again"),
    EventKind("resync", "shadow_resyncs", lambda s: s.shadow_resyncs,
              "a cached shadow checked against the guest's maps after a flush (stale leaves dropped)"),
    EventKind("evict", "shadow_evictions", lambda s: s.shadow_evictions,
              "a shadow map dropped (or emptied) for want of monitor frames"),
    EventKind("pmar", "pmar_switches", lambda s: s.pmar_switches, "the guest switched page-map root"),
    EventKind("switch", "world_switches", lambda s: s.world_switches, "the monitor loaded this guest"),
    EventKind("slice", "slices", lambda s: s.slices, "the scheduler gave this guest a time slice"),
    EventKind("resume", "", None, "the monitor returns to the guest (the end of a trap's handling)"),
    EventKind("exit", "", None, "the guest is finished: halt, power-off, crash or limit"),
)}

SPECIAL_NAMES = ("psw", "pmar", "epc", "cause", "tval", "tvec", "scratch")


class GuestEvents:
    """One guest's emitter: what the monitor calls at each event (``emit``)."""

    __slots__ = ("observer", "guest")

    def __init__(self, observer, guest):
        self.observer = observer
        self.guest = guest

    def emit(self, kind: str, **fields) -> None:
        self.observer.on_event(self.guest, kind, fields)


def attach(monitor, observer) -> None:
    """Report every guest's events to ``observer`` from now on (None: stop reporting)."""
    for guest in monitor.guests:
        events = GuestEvents(observer, guest) if observer is not None else None
        guest.events = events
        guest.shadows.events = events


class Observers:
    """Several observers as one (the trace and the timeline of one run)."""

    def __init__(self, *observers):
        self.observers = [o for o in observers if o is not None]

    def on_event(self, guest, kind: str, fields: dict) -> None:
        for observer in self.observers:
            observer.on_event(guest, kind, fields)


# --- what an instruction the monitor performed changed ----------------------------------------------
def cpu_state(guest) -> tuple:
    """The guest's registers (real, it is on the processor) and virtual special registers."""
    vcpu = guest.vcpu
    return tuple(guest.machine.regs), tuple(getattr(vcpu, name) for name in SPECIAL_NAMES)


def effect(guest, before: tuple) -> str:
    """``name=value`` of each register the monitor's work changed since ``cpu_state``."""
    regs, srs = before
    now_regs, now_srs = cpu_state(guest)
    changes = [f"{ABI_NAMES[i]}={new:08x}" for i, (old, new) in enumerate(zip(regs, now_regs)) if old != new]
    changes += [f"{name}={new:08x}" for name, old, new in zip(SPECIAL_NAMES, srs, now_srs) if old != new]
    return " ".join(changes) or "no change"
