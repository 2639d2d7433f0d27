"""How the monitor handles the sensitive-but-unprivileged instructions (``--strategy``).

Trap-and-emulate only works for instructions that trap. TOY32's ``rdpsw``/``wrpsw`` (SPEC §3)
do not: run directly in a deprivileged guest kernel, ``rdpsw`` reads the *real* psw (U = 1) and
``wrpsw`` is silently ignored. Each strategy is one way real systems got around it:

  ``trap``  pure trap-and-emulate: nothing is done, the two instructions misbehave (the lesson);
  ``bt``    binary translation, scan-and-patch (VMware, xvisor): bt.py;
  ``hw``    hardware assist (VT-x, AMD-V): the machine option of SPEC §3 makes them raise
            VIRTUALIZATION_TRAP in user mode, and the monitor emulates them: hw.py;
  ``para``  paravirtualization (Xen): the guest kernel is built to call the monitor with
            ``hypercall`` instead: para.py (the interface: isa/paravirt.py).

``trap`` is base.py, which every other strategy refines.
"""
from __future__ import annotations

from .base import TrapAndEmulate
from .bt import BinaryTranslation
from .hw import HardwareAssist
from .para import Paravirtualization

STRATEGIES: dict[str, type] = {cls.name: cls for cls in (TrapAndEmulate, BinaryTranslation, HardwareAssist,
                                                           Paravirtualization)}
STRATEGY_NAMES = tuple(STRATEGIES)
