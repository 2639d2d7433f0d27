"""``--strategy bt``: binary translation by scan-and-patch (work in progress)."""
from __future__ import annotations

from .strategy import TrapAndEmulate


class BinaryTranslation(TrapAndEmulate):
    name = "bt"
