"""Run statistics for ``--stats``: instructions by mode, traps by cause, TLB activity, speed.

``stats_dict(machine, stop)`` gives the same numbers as a dict (``--stats-format json``), in the
schema of the monitor's (vmm/monitor/stats.py, docs/stats.md)."""
from __future__ import annotations

from dataclasses import dataclass, field

from isa.machine import CAUSE_NAMES


@dataclass
class Stats:
    instructions: list[int] = field(default_factory=lambda: [0, 0])   # [kernel, user]
    traps: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0

    def report(self, machine) -> str:
        total = sum(self.instructions)
        mips = total / self.wall / 1e6 if self.wall else 0.0
        lines = [
            "--- toyvm stats ---",
            f"instructions      {total:>14,}",
            f"  kernel mode     {self.instructions[0]:>14,}",
            f"  user mode       {self.instructions[1]:>14,}",
            f"traps             {sum(self.traps.values()):>14,}",
        ]
        for cause, n in sorted(self.traps.items()):
            lines.append(f"  {CAUSE_NAMES.get(cause, hex(cause)):<16}{n:>14,}")
        lines += [
            f"TLB misses        {machine.mmu.misses:>14,}",
            f"TLB flushes       {machine.mmu.flushes:>14,}",
            f"regions translated{machine.code.translations:>14,}",
            f"wall time         {self.wall:>14.3f} s",
            f"speed             {mips:>14.2f} MIPS",
        ]
        return "\n".join(lines) + "\n"


SCHEMA = "toyvm-stats/1"       # the same schema as vmm/monitor/stats.py's (docs/stats.md)


def stats_dict(machine, stop=None) -> dict:
    """The bare machine's statistics as plain data; ``stop``: how the run ended (None: running)."""
    stats = machine.stats
    kernel, user = stats.instructions
    return {
        "schema": SCHEMA,
        "machine": "bare",
        "ended": stop.kind if stop is not None else None,
        "exit_status": stop.exit_status if stop is not None else None,
        "instructions": {"completed": kernel + user, "kernel": kernel, "user": user},
        "traps": {CAUSE_NAMES.get(c, hex(c)): n for c, n in sorted(stats.traps.items())},
        "traps_total": sum(stats.traps.values()),
        "tlb": {"misses": machine.mmu.misses, "flushes": machine.mmu.flushes},
        "regions_translated": machine.code.translations,
        "wall_seconds": round(stats.wall, 6),
    }
