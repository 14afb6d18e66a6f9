"""Every log call names an event and passes its fields as fields, never inside the message.

``log.info("digest.posted team=%s", team)`` puts the team in the text, where a JSON log
reader cannot find it and a redaction pass sees it only as prose; ``event(log,
"digest.posted", team=team)`` keeps it a field. Checked on the source (AST).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LEVELS = {"debug", "info", "warning", "error", "exception", "critical", "log"}
EVENT = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")


def offenders(root: Path) -> list[str]:
    """``path:line: message`` of each log call whose message is not a bare event name."""
    found = []
    for package in ("bot", "integrations"):
        for path in sorted((root / package).rglob("*.py")):
            if path.relative_to(root).as_posix() == "bot/core/logs.py":
                continue  # event() itself passes the name it was given
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and isinstance(node.func.value, ast.Name)
                        and node.func.value.id in {"log", "logger"}
                        and node.func.attr in LEVELS and node.args):
                    continue
                message = node.args[1 if node.func.attr == "log" else 0]
                if isinstance(message, ast.Constant) and isinstance(message.value, str):
                    if EVENT.match(message.value) and len(node.args) <= 2:
                        continue
                where = f"{path.relative_to(root).as_posix()}:{node.lineno}"
                found.append(f"{where}: {ast.unparse(message)[:60]}")
    return found


def test_log_calls_pass_fields_as_fields() -> None:
    assert offenders(ROOT) == []


def test_a_planted_formatted_message_is_caught(tmp_path: Path) -> None:
    (tmp_path / "bot").mkdir()
    (tmp_path / "bot" / "x.py").write_text(
        'log.info("digest.posted team=%s", team)\n'
        'log.info("digest.posted", extra={"fields": {"team": team}})\n'
        'log.warning(f"sync failed for {team}")\n', encoding="utf-8")
    assert offenders(tmp_path) == [
        "bot/x.py:1: 'digest.posted team=%s'",
        "bot/x.py:3: f'sync failed for {team}'",
    ]
