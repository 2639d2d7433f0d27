"""The trap-and-emulate virtual machine monitor (``toyvm run --vmm``), SPEC §8.

Parts, named after the concepts: ``vcpu`` (the virtual processor state), ``emulate`` (privileged
instructions), ``machine_map`` (guest-physical -> host-physical), ``shadow`` (shadow page maps),
``dispatch`` (every trap to its place), ``vdevices`` (per-guest devices), ``scheduler`` (time
slices), ``allocator`` (host memory), ``stats`` (the trap panel), ``guest`` (one guest's parts
together) and ``monitor`` (all of it on one real machine). docs/vmm.md tells the story.
"""
from .guest import Guest, GuestConfig
from .monitor import Monitor

__all__ = ["Guest", "GuestConfig", "Monitor"]
