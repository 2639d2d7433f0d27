"""Every command of toyvm and toyasm answers --help with its usage, through the installed
entry points (a help text that crashes is what a new user meets first)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest

from asm.cli import main as toyasm_main
from vmm.cli import main as toyvm_main

BIN = Path(sys.executable).parent


def commands(tool: str, group: click.Group) -> list[tuple[str, str]]:
    ctx = click.Context(group)
    return [(tool, name) for name in group.list_commands(ctx)]


@pytest.mark.parametrize("tool,command", commands("toyvm", toyvm_main) + commands("toyasm", toyasm_main))
def test_help_of_every_command(tool, command):
    done = subprocess.run([str(BIN / tool), command, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Usage: {tool} {command} ")
    assert "Traceback" not in done.stderr


def test_run_help_names_every_strategy():
    done = subprocess.run([str(BIN / "toyvm"), "run", "--help"], capture_output=True, text=True, timeout=60)
    assert "[trap|bt|hw|para|vt|FILE.py:CLASS]" in done.stdout
