"""The trap panel (``toyvm run --vmm --stats``): per guest, where its instructions ran and why the
monitor was entered. The share of instructions executed directly is Popek and Goldberg's
efficiency property as a number: a VMM is efficient when almost every instruction runs on the
real processor without the monitor intervening.

``stats_dict(monitor)`` is the same numbers as a dict (``--stats-format json``, and the result
the Python API hands back); its schema is in docs/stats.md. Each counter is the one the panel
prints, and the count of one kind of monitor event (events.py names which), so the panel, the
JSON, ``--trace=events`` and ``--timeline`` cannot disagree.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from isa.machine import CAUSE_NAMES


@dataclass
class GuestStats:
    instructions: list[int] = field(default_factory=lambda: [0, 0])   # [virtual kernel, virtual user]
    emulated: int = 0                  # instructions the monitor performed for the guest
    emulated_user: int = 0             # ... of which in virtual user mode (bt, hw: rdpsw/wrpsw, loads)
    entries: int = 0                   # traps into the monitor while this guest ran
    privileged: Counter = field(default_factory=Counter)        # emulated, by mnemonic
    sensitive: Counter = field(default_factory=Counter)         # rdpsw/wrpsw emulated (bt, hw)
    hypercalls: Counter = field(default_factory=Counter)        # served (para), by name
    devices: Counter = field(default_factory=Counter)           # emulated accesses, by register
    hidden_faults: int = 0             # page faults a shadow fill satisfied
    bt_scans: int = 0                  # code pages scanned (bt)
    bt_patches: int = 0                # sensitive instructions patched (bt)
    bt_faults: int = 0                 # faults bt handled: first fetch, read or write of a scanned page
    true_faults: Counter = field(default_factory=Counter)       # reflected to the guest, by cause
    syscalls: int = 0                  # ecall from virtual user mode, reflected
    reflected: Counter = field(default_factory=Counter)         # other exceptions reflected, by cause
    interrupts: Counter = field(default_factory=Counter)        # injected, by cause
    shadow_fills: int = 0
    mmap_fills: int = 0                # nested paging: guest pages the machine map backed on an MMAP_FAULT
    shadow_builds: int = 0             # shadow maps built from nothing (a root seen first, or again)
    shadow_reuses: int = 0             # cached shadow maps installed again instead of built
    shadow_resyncs: int = 0            # cached shadows checked against the guest's maps after a flush
    shadow_dropped: int = 0            # entries a resync found changed and removed
    shadow_evictions: int = 0          # cached shadows dropped for want of frames
    pmar_switches: int = 0             # stpmar to a different root
    world_switches: int = 0            # times the monitor loaded this guest onto the processor
    slices: int = 0                    # time slices given

    def count_emulated(self, user: bool) -> None:
        """One instruction the monitor performed for the guest, in virtual user mode or not."""
        self.emulated += 1
        self.emulated_user += user

    @property
    def direct(self) -> tuple[int, int]:
        """Instructions run directly on the processor: (guest kernel, guest user)."""
        return (self.instructions[0] - (self.emulated - self.emulated_user),
                self.instructions[1] - self.emulated_user)

    def panel(self, name: str) -> str:
        kernel, user = self.direct
        total = kernel + user + self.emulated
        share = 100.0 * (kernel + user) / total if total else 100.0
        rows = [
            (f"--- {name} ---", None),
            ("instructions completed", total),
            ("  run directly, guest user", user),
            ("  run directly, guest kernel", kernel),
            ("  emulated by the monitor", self.emulated),
            ("monitor entries (traps)", self.entries),
            ("  privileged instructions", sum(self.privileged.values())),
            *((f"    {name}", n) for name, n in sorted(self.privileged.items())),
            ("  rdpsw/wrpsw emulated", sum(self.sensitive.values())),
            *((f"    {name}", n) for name, n in sorted(self.sensitive.items())),
            ("  hypercalls", sum(self.hypercalls.values())),
            *((f"    {name}", n) for name, n in sorted(self.hypercalls.items())),
            ("  device accesses emulated", sum(self.devices.values())),
            *((f"    {name}", n) for name, n in sorted(self.devices.items())),
            ("  hidden page faults", self.hidden_faults),
            ("  binary translation faults", self.bt_faults),
            ("  true faults reflected", sum(self.true_faults.values())),
            *((f"    {CAUSE_NAMES[c]}", n) for c, n in sorted(self.true_faults.items())),
            ("  system calls reflected", self.syscalls),
            ("  other exceptions reflected", sum(self.reflected.values())),
            *((f"    {CAUSE_NAMES[c]}", n) for c, n in sorted(self.reflected.items())),
            ("interrupts injected", sum(self.interrupts.values())),
            *((f"  {CAUSE_NAMES[c]}", n) for c, n in sorted(self.interrupts.items())),
            ("code pages scanned (bt)", self.bt_scans),
            ("  instructions patched", self.bt_patches),
            ("shadow fills", self.shadow_fills),
            ("machine-map fills (nested)", self.mmap_fills),
            ("shadow maps built", self.shadow_builds),
            ("shadow maps reused", self.shadow_reuses),
            ("shadow resyncs after flush", self.shadow_resyncs),
            ("  entries dropped", self.shadow_dropped),
            ("shadow maps evicted", self.shadow_evictions),
            ("page-map switches (stpmar)", self.pmar_switches),
            ("world switches", self.world_switches),
            ("time slices", self.slices),
        ]
        lines = [label if n is None else f"{label:<32}{n:>14,}" for label, n in rows]
        lines.append(f"{'run directly (P&G efficiency)':<32}{share:>13.2f}%")
        return "\n".join(lines) + "\n"

    def entries_by_reason(self) -> dict[str, int]:
        """Monitor entries by reason, as ``toyvm compare`` shows them (a trap may count under two
        reasons: bt's first fetch of a page is a binary translation fault and a hidden fault)."""
        return {
            "privileged instructions": sum(self.privileged.values()),
            "sensitive instructions": sum(self.sensitive.values()),
            "hypercalls": sum(self.hypercalls.values()),
            "device accesses": sum(self.devices.values()),
            "hidden page faults": self.hidden_faults,
            "binary translation faults": self.bt_faults,
            "machine-map fills": self.mmap_fills,
            "system calls reflected": self.syscalls,
            "faults reflected": sum(self.true_faults.values()) + sum(self.reflected.values()),
            "total": self.entries,
        }

    def to_dict(self) -> dict:
        """The panel's numbers (docs/stats.md): field names in snake_case; the keys of a count map
        are the names the panel shows (mnemonics, device registers, cause names, reasons)."""
        kernel, user = self.direct
        total = kernel + user + self.emulated
        return {
            "instructions": {
                "completed": total, "direct_user": user, "direct_kernel": kernel, "emulated": self.emulated,
                "guest_kernel": self.instructions[0], "guest_user": self.instructions[1],
            },
            "efficiency_percent": round(100.0 * (kernel + user) / total, 4) if total else 100.0,
            "monitor_entries": self.entries_by_reason(),
            "emulated": {
                "privileged": _names(self.privileged), "sensitive": _names(self.sensitive),
                "hypercalls": _names(self.hypercalls), "devices": _names(self.devices),
            },
            "hidden_faults": self.hidden_faults,
            "true_faults": _causes(self.true_faults),
            "reflected": {"system_calls": self.syscalls, "other": _causes(self.reflected)},
            "interrupts_injected": _causes(self.interrupts),
            "shadow_maps": {
                "fills": self.shadow_fills, "built": self.shadow_builds, "reused": self.shadow_reuses,
                "resyncs": self.shadow_resyncs, "entries_dropped": self.shadow_dropped,
                "evicted": self.shadow_evictions,
            },
            "machine_map_fills": self.mmap_fills,
            "binary_translation": {"faults": self.bt_faults, "pages_scanned": self.bt_scans,
                                   "instructions_patched": self.bt_patches},
            "pmar_switches": self.pmar_switches,
            "world_switches": self.world_switches,
            "time_slices": self.slices,
        }


def _names(counter: Counter) -> dict[str, int]:
    return {name: n for name, n in sorted(counter.items())}


def _causes(counter: Counter) -> dict[str, int]:
    return {CAUSE_NAMES.get(c, hex(c)): n for c, n in sorted(counter.items())}


SCHEMA = "toyvm-stats/1"       # bumped when a field changes meaning or goes (docs/stats.md)


def exit_dict(stop) -> dict:
    """How a run ended, as ``toyvm compare --json`` says it: ``ended`` (halt, power_off, crash,
    limit, ...; null while still running) and ``exit_status``."""
    if stop is None:
        return {"ended": None, "exit_status": None}
    return {"ended": stop.kind, "exit_status": stop.exit_status}


def stats_dict(monitor) -> dict:
    """Every guest's statistics as plain data (what ``toyvm run --vmm --stats-format json``
    prints; docs/stats.md). A stable name: the Python API returns this dict too."""
    return {
        "schema": SCHEMA,
        "machine": "monitor",
        "strategy": monitor.strategy.name,
        "guests": [{"name": guest.name, "image": guest.config.image, **exit_dict(guest.exit),
                    **guest.stats.to_dict()} for guest in monitor.guests],
    }
