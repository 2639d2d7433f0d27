"""The symbols every TOY32 assembly program may use without defining them (SPEC §7),
generated from the machine tables, the boot contract (isa/boot.py) and the paravirtual
interface (isa/paravirt.py) so that no program
ever hard-codes a number."""
from __future__ import annotations

from . import boot, paravirt
from . import machine as m


def _build() -> dict[str, tuple[int, str]]:
    table: dict[str, tuple[int, str]] = {}
    for cause in m.CAUSES:
        table["CAUSE_" + cause.name] = (cause.value, cause.description)
    table.update(m.PSW_BITS)
    table["PMAR_ON"] = (m.PMAR_ON, "pmar bit: translation on")
    table.update(m.PTE_FLAGS)
    table["PAGE_SIZE"] = (m.PAGE_SIZE, "bytes in a page")
    for dev in m.DEVICE_REGISTERS:
        table[dev.name] = (dev.address, dev.description)
    table.update(m.DEVICE_BITS)
    table.update(boot.symbols())
    table.update(paravirt.symbols())
    return table


PREDEFINED: dict[str, tuple[int, str]] = _build()
PREDEFINED_VALUES: dict[str, int] = {name: value for name, (value, _) in PREDEFINED.items()}
