"""What a user gives for one guest (``--guest "IMAGE --module M --mem 2M --input F"``, a
``[[guest]]`` table of vms.toml): plain data the command line builds before any monitor exists."""
from __future__ import annotations

from dataclasses import dataclass, field

from isa.machine import DEFAULT_RAM_SIZE
from isa.privileged import DEFAULT_REPEAT_LIMIT

# How guest page maps reach the processor (``--paging``): shadow maps the monitor builds
# (shadow.py), or the machine map the processor walks itself (nested.py; SPEC §9).
PAGING = ("shadow", "nested")

# The ways of virtualizing set side by side (``toyvm compare``, bench/): name -> (strategy, paging).
# Paging None is the strategy's own: shadow maps, nested paging for vt (SPEC §9).
CONFIGURATIONS: dict[str, tuple[str, str | None]] = {
    "trap": ("trap", None), "bt": ("bt", None), "hw": ("hw", None), "para": ("para", None),
    "hw+nested": ("hw", "nested"), "vt": ("vt", None), "vt+shadow": ("vt", "shadow"),
}


@dataclass
class GuestConfig:
    """What a user gives for one guest: ``--guest "IMAGE --module M --mem 2M --input F"``."""
    image: str
    modules: list[str] = field(default_factory=list)
    mem: int = DEFAULT_RAM_SIZE
    input: str | None = None              # console input file (None: see the CLI)
    max_instructions: int | None = None
    repeat_limit: int = DEFAULT_REPEAT_LIMIT   # the no-progress rule (isa/privileged.py)
    name: str | None = None               # what reports and --guest-output call it (None: guestK)
