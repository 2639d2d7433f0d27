"""The ``--stats`` figures of a run as a dict (the schema of ``toyvm run --stats`` JSON)."""
from __future__ import annotations

from dataclasses import asdict


def bare_stats(machine) -> dict:
    stats = machine.stats
    return {"instructions": sum(stats.instructions), "kernel": stats.instructions[0],
            "user": stats.instructions[1], "traps": {str(k): v for k, v in sorted(stats.traps.items())}}


def guest_stats(guest) -> dict:
    data = asdict(guest.stats)
    return {k: (dict(sorted((str(a), b) for a, b in v.items())) if isinstance(v, dict) else v)
            for k, v in data.items()}
