"""No module of the product grows past 400 lines (migrations, generated once, aside).

A module that long has become two: split it along its seams before adding to it.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 400


def too_long(root: Path) -> list[str]:
    """``path: N lines`` for every module over the limit under ``root``'s packages."""
    found = []
    for package in ("bot", "integrations"):
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > LIMIT:
                found.append(f"{path.relative_to(root).as_posix()}: {lines} lines")
    return found


def test_every_module_stays_within_400_lines() -> None:
    assert too_long(ROOT) == []


def test_a_planted_long_module_is_caught(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "big.py").write_text("x = 1\n" * (LIMIT + 1), encoding="utf-8")
    (tmp_path / "bot" / "ok.py").write_text("x = 1\n" * LIMIT, encoding="utf-8")
    assert too_long(tmp_path) == [f"bot/big.py: {LIMIT + 1} lines"]
