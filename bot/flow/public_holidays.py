"""A country's public holidays, loading that one country's module of ``holidays``.

``holidays.country_holidays`` imports the whole ``holidays.countries`` package (about 250
modules, ~75 ms) to find one class; a command that reports on one team pays that on every
start. ``country`` loads only the module the registry names for the code, and falls back to
``holidays.country_holidays`` whenever that shortcut does not apply, so the holidays are the
same either way (a test compares them).
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from collections.abc import Container
from datetime import date
from pathlib import Path
from types import ModuleType

import holidays as holidays_lib
from holidays.registry import COUNTRIES

_LOCK = threading.Lock()  # two threads building calendars must not load one module twice


def country(code: str) -> Container[date]:
    """The public holidays of the country ``code`` (ISO 3166 alpha-2 or alpha-3)."""
    found = next(((module, names[0]) for module, names in COUNTRIES.items()
                  if code in names[1:]), None)
    if found is not None:
        module = _load(found[0])
        if module is not None:
            holidays: Container[date] = getattr(module, found[1])()
            return holidays
    return holidays_lib.country_holidays(code)


def _load(module: str) -> ModuleType | None:
    """``holidays.countries.<module>``, run without its package's ``__init__``."""
    name = f"holidays.countries.{module}"
    with _LOCK:
        loaded = sys.modules.get(name)
        if loaded is not None:
            return loaded
        path = Path(holidays_lib.__file__).parent / "countries" / f"{module}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            return None
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        try:
            spec.loader.exec_module(loaded)
        except Exception:  # noqa: BLE001 (any surprise: the library's own loader instead)
            del sys.modules[name]
            return None
        return loaded
