"""How guestos is built is said once, in guestos/build.mk: the Makefile includes it, and bench/
and tests/ read it through guestos/build.py."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from guestos_run import GUESTOS, ROOT
from guestos.build import layout, sources


def test_every_kernel_source_is_listed_once_boot_first_then_sorted():
    names = [path.name for path in sources()]
    assert names[0] == "boot.s"
    assert names[1:] == sorted(names[1:])
    assert sorted(names) == sorted(path.name for path in GUESTOS.glob("*.s"))


def test_the_kernel_is_linked_at_kernbase_plus_its_load_address():
    kernbase = 0x80000000                                   # guestos/kernel.inc
    assert set(layout()) == {"text_base", "phys_base"}
    assert layout()["text_base"] == kernbase + layout()["phys_base"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make not installed")
def test_the_makefile_builds_the_kernel_from_the_same_file():
    dry = subprocess.run(["make", "-n", "-B", "build/guestos.elf"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout
    (command,) = [line for line in dry.splitlines() if " build " in line and "guestos.elf" in line]
    options = " ".join(f"--{name.replace('_', '-')} {value:#x}" for name, value in layout().items())
    files = " ".join(str(path.relative_to(ROOT)) for path in sources())
    assert command.split(" build ", 1)[1] == f"{options} {files} -o build/guestos.elf"
