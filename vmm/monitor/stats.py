"""The trap panel (``toyvm run --vmm --stats``): per guest, where its instructions ran and why the
monitor was entered. The share of instructions executed directly is Popek and Goldberg's
efficiency property as a number: a VMM is efficient when almost every instruction runs on the
real processor without the monitor intervening.
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
    shadow_builds: int = 0             # shadow maps built from nothing (a root seen first, or again)
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
            ("shadow maps built", self.shadow_builds),
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
