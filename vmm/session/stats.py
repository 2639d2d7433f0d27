"""The ``--stats`` figures of a run as a dict: exactly what ``toyvm run --stats-format json``
prints (docs/stats.md), from the functions that print it -- vmm/machine/stats.py's
``stats_dict`` for the bare machine, vmm/monitor/stats.py's for the monitor."""
from __future__ import annotations

from ..machine import Stop
from ..machine.stats import stats_dict as machine_stats_dict


def bare_stats(machine, stopped: str, status: int) -> dict:
    return machine_stats_dict(machine, Stop(stopped, status))


def monitor_stats(monitor) -> dict:
    from ..monitor.stats import stats_dict
    return stats_dict(monitor)


def guest_stats(guest) -> dict:
    """One guest's entry of ``monitor_stats``' ``guests`` (for toyvm run --results)."""
    from ..monitor.stats import exit_dict
    return {"name": guest.name, "image": guest.config.image, **exit_dict(guest.exit), **guest.stats.to_dict()}
