"""How the monitor handles the sensitive-but-unprivileged instructions (``--strategy``).

Trap-and-emulate only works for instructions that trap. TOY32's ``rdpsw``/``wrpsw`` (SPEC §3)
do not: run directly in a deprivileged guest kernel, ``rdpsw`` reads the *real* psw (U = 1) and
``wrpsw`` is silently ignored. Each strategy is one way real systems got around it:

  ``trap``  pure trap-and-emulate: nothing is done, the two instructions misbehave (the lesson);
  ``bt``    binary translation, scan-and-patch (VMware, xvisor): bt.py;
  ``hw``    hardware assist (VT-x, AMD-V): the machine option of SPEC §3 makes them raise
            VIRTUALIZATION_TRAP in user mode, and the monitor emulates them: hw.py;
  ``para``  paravirtualization (Xen): the guest kernel is built to call the monitor with
            ``hypercall`` instead: para.py (the interface: isa/paravirt.py);
  ``vt``    the hardware guest mode (SPEC §9): the guest kernel runs in a kernel mode the
            processor knows, with nested paging (``--paging shadow`` to compare): vt.py.

``trap`` is base.py, which every other strategy refines.
"""
from __future__ import annotations

from .base import TrapAndEmulate
from .bt import BinaryTranslation
from .hw import HardwareAssist
from .para import Paravirtualization


def __getattr__(name: str):
    """STRATEGIES and STRATEGY_NAMES, made on first use: vt.py brings the dispatcher and the
    nested maps with it, which import the guest, which imports base.py from this package."""
    if name in ("STRATEGIES", "STRATEGY_NAMES"):
        from .vt import HardwareGuestMode
        table = {cls.name: cls for cls in (TrapAndEmulate, BinaryTranslation, HardwareAssist, Paravirtualization,
                                           HardwareGuestMode)}
        globals().update(STRATEGIES=table, STRATEGY_NAMES=tuple(table))
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
