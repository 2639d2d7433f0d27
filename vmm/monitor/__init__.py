"""The trap-and-emulate virtual machine monitor (``toyvm run --vmm``), SPEC §8.

Parts, named after the concepts: ``vcpu`` (the virtual processor state), ``emulate`` (privileged
instructions), ``machine_map`` (guest-physical -> host-physical), ``shadow`` (shadow page maps),
``dispatch`` (every trap to its place), ``vdevices`` (per-guest devices), ``scheduler`` (time
slices), ``allocator`` (host memory), ``stats`` (the trap panel), ``guest`` (one guest's parts
together), ``config`` (what a user gives for a guest) and ``monitor`` (all of it on one real machine). docs/vmm.md tells the story.

``Guest``, ``GuestConfig`` and ``Monitor`` are imported on first use, so that a command that only
needs the strategies' names does not load the whole monitor.
"""
from __future__ import annotations

__all__ = ["Guest", "GuestConfig", "Monitor"]


def __getattr__(name: str):
    if name == "Guest":
        from .guest import Guest
        return Guest
    if name == "GuestConfig":
        from .config import GuestConfig
        return GuestConfig
    if name == "Monitor":
        from .monitor import Monitor
        return Monitor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
