"""Strategies from a user's file: ``--strategy path/to/file.py:ClassName`` (docs/api.md, the labs).

The class is a strategy as the built-in ones are (base.py's ``TrapAndEmulate`` is the interface
and the usual base): per guest, constructed with the guest; asked at a VIRTUALIZATION_TRAP, a
page fault the guest's maps allow, the flags of each shadow leaf and after each reflected trap.
Two class attributes plug in the rest of the monitor's policy:

    shadows_class     the guest's shadow-map builder (default shadow.py's ``Shadows``; nested
                      paging brings another with the same interface)
    dispatcher_class  the trap dispatcher (default dispatch.py's ``Dispatcher``)

A subclass of either overrides the methods it teaches (``Shadows.fill``, ``Shadows.flush``,
``Dispatcher.on_trap``, ...). The file is imported once per load under a private module name;
it runs with the user's own rights, as any Python program of theirs would.
"""
from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path

_counter = itertools.count(1)


def load_strategy(spec) -> type:
    """A strategy class: ``spec`` is a built-in name (trap, bt, hw, para), ``FILE.py:CLASS``, or
    already a class. ValueError says what is wrong, naming the file and the class."""
    from . import STRATEGIES
    from .base import TrapAndEmulate

    if isinstance(spec, type):
        cls = spec
    elif not isinstance(spec, str):
        raise ValueError(f"a strategy is a name or FILE.py:CLASS, not {spec!r}")
    elif spec in STRATEGIES:
        return STRATEGIES[spec]
    else:
        path, colon, name = spec.rpartition(":")
        if not colon or not path.endswith(".py") or not name.isidentifier():
            raise ValueError(f"unknown strategy {spec!r}: one of {', '.join(STRATEGIES)}, or FILE.py:CLASS")
        cls = _load_class(Path(path), name)
    if not (isinstance(cls, type) and issubclass(cls, TrapAndEmulate)):
        raise ValueError(f"{spec}: a strategy must be a class derived from "
                         "vmm.monitor.strategies.base.TrapAndEmulate")
    from ..dispatch import Dispatcher
    from ..shadow import Shadows
    for attribute, base in (("shadows_class", Shadows), ("dispatcher_class", Dispatcher)):
        part = getattr(cls, attribute, base)
        if not isinstance(part, type):    # usually derived from base; a different builder may stand in
            raise ValueError(f"{spec}: {attribute} must be a class, like {base.__module__}.{base.__name__}")
    return cls


def _load_class(path: Path, name: str) -> type:
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    module_name = f"toyvm_user_strategy_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module     # dataclasses and pickling look modules up by name
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        del sys.modules[module_name]
        raise ValueError(f"{path}:{e.lineno}: {e.msg}") from None
    except Exception as e:
        del sys.modules[module_name]
        raise ValueError(f"{path}: importing it failed: {type(e).__name__}: {e}") from None
    cls = getattr(module, name, None)
    if cls is None:
        raise ValueError(f"{path}: no class {name}")
    return cls
