"""The rings of STYLE.md, enforced by walking every module's imports (AST, nothing imported).

- nothing outside ``integrations/`` imports ``jira``, ``github`` or ``httpx``;
- nothing outside the Slack surfaces (``bot/slack/``) imports ``slack_bolt`` or ``slack_sdk``;
- ``bot/flow`` imports only the standard library, ``holidays`` and ``bot.flow`` itself;
- ``bot/core`` imports only ``bot.core`` and ``bot.flow`` of the project;
- ``bot/render`` (Block Kit and charts, pure) imports only ``bot.render`` and ``bot.flow``
  of the project, and no vendor library but matplotlib and numpy;
- the inner rings (core, config, flow, render, store, sync, use-cases) never import the
  surfaces (``bot.slack``, ``bot.cli``) or the composition root (``bot.app``);
- the sandbox imports nothing of ``bot`` (the test oracle lives in ``tests/support``);
- the use-cases (``bot/usecases``) never take the whole store: they import neither
  ``bot.store.Store`` nor ``bot.store.repo`` nor the tables, only record types, and each
  declares the narrow Protocol it needs (``bot/usecases/stores.py``);
- the sync (``bot/sync``) never touches the store's tables: it imports neither SQLAlchemy
  nor ``bot.store.tables``, and reaches every row through ``Store`` methods;
- nothing below the CLI (``bot/cli/``) reads the process environment.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "integrations")

ADAPTER_ONLY = frozenset({"jira", "github", "httpx"})
SLACK_ONLY = frozenset({"slack_bolt", "slack_sdk"})
FLOW_THIRD_PARTY = frozenset({"holidays"})
RENDER_THIRD_PARTY = frozenset({"matplotlib", "numpy"})
INNER = ("bot/core", "bot/config", "bot/flow", "bot/render", "bot/store", "bot/sync",
         "bot/usecases")
SURFACES = ("bot.slack", "bot.cli", "bot.app")


@dataclass(frozen=True)
class Import:
    """One imported module, as an absolute dotted name, and where the import is."""

    module: str
    path: Path
    line: int


def module_name(path: Path, root: Path) -> str:
    """``bot/flow/model.py`` → ``bot.flow.model``; a package's ``__init__`` is the package."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> Iterator[Import]:
    """Every import in ``path``, relative ones resolved, including those under TYPE_CHECKING."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name, path, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base = ".".join(base_parts[: len(base_parts) - (node.level - 1)])
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            # `from .. import store` imports bot.store: name each imported member.
            for alias in node.names:
                member = "" if alias.name == "*" else f".{alias.name}"
                yield Import(f"{target}{member}", path, node.lineno)


def _top(module: str) -> str:
    return module.split(".")[0]


def _within(path: Path, root: Path, folder: str) -> bool:
    return path.relative_to(root).as_posix().startswith(folder + "/")


def violations(root: Path) -> list[str]:
    """Every ring crossing under ``root``, as ``path:line: message``."""
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            for imp in imports_of(path, root):
                where = f"{path.relative_to(root).as_posix()}:{imp.line}"
                top = _top(imp.module)
                if top in ADAPTER_ONLY and not _within(path, root, "integrations"):
                    found.append(f"{where}: imports {imp.module} outside integrations/")
                if top in SLACK_ONLY and not _within(path, root, "bot/slack"):
                    found.append(f"{where}: imports {imp.module} outside bot/slack/")
                if _within(path, root, "bot/flow"):
                    allowed = (
                        top in sys.stdlib_module_names
                        or top in FLOW_THIRD_PARTY
                        or imp.module == "bot.flow"
                        or imp.module.startswith("bot.flow.")
                    )
                    if not allowed:
                        found.append(f"{where}: bot/flow imports {imp.module}")
                found += _ring_rules(path, root, imp, where)
    return found


def _project(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def _ring_rules(path: Path, root: Path, imp: Import, where: str) -> list[str]:
    top, module = _top(imp.module), imp.module
    found = []
    if _within(path, root, "bot/core") and top == "bot" and not _project(
            module, "bot.core", "bot.flow"):
        found.append(f"{where}: bot/core imports {module}")
    if _within(path, root, "bot/render"):
        if top == "bot" and not _project(module, "bot.render", "bot.flow"):
            found.append(f"{where}: bot/render imports {module}")
        elif top not in sys.stdlib_module_names and top not in RENDER_THIRD_PARTY | {"bot"}:
            found.append(f"{where}: bot/render imports {module}")
    if any(_within(path, root, ring) for ring in INNER) and _project(module, *SURFACES):
        found.append(f"{where}: an inner ring imports the surface {module}")
    if _within(path, root, "bot/usecases") and (
            _project(module, "bot.store.Store", "bot.store.repo", "bot.store.tables")
            or top == "sqlalchemy"):
        found.append(f"{where}: a use-case bypasses its store Protocol: {module}")
    if _within(path, root, "bot/sync") and (
            top == "sqlalchemy" or _project(module, "bot.store.tables")):
        found.append(f"{where}: the sync touches the store's tables through {module}")
    if _within(path, root, "integrations/sandbox") and top == "bot":
        found.append(f"{where}: the sandbox imports {module}")
    return found


def environment_reads(root: Path) -> list[str]:
    """``os.environ``/``os.getenv`` uses outside the CLI modules, as ``path:line``."""
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            if relative.startswith("bot/cli"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                reads = (
                    isinstance(node, ast.Attribute)
                    and node.attr in {"environ", "getenv", "environb"}
                    and isinstance(node.value, ast.Name)
                    and node.value.id == "os"
                ) or (
                    isinstance(node, ast.ImportFrom)
                    and node.module == "os"
                    and any(a.name in {"environ", "getenv", "environb"} for a in node.names)
                )
                if reads:
                    found.append(f"{relative}:{getattr(node, 'lineno', 0)}")
    return found


def test_the_project_keeps_its_rings() -> None:
    assert violations(ROOT) == []


def test_only_the_cli_reads_the_environment(tmp_path: Path) -> None:
    assert environment_reads(ROOT) == []
    root = _tree(
        tmp_path,
        {
            "bot/cli/main.py": "import os\nos.environ.get('X')\n",
            "bot/sync/run.py": "import os\ntoken = os.environ['GITHUB_TOKEN']\n",
            "integrations/jira/client.py": "from os import getenv\n",
        },
    )
    assert environment_reads(root) == ["bot/sync/run.py:2", "integrations/jira/client.py:1"]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for relative, text in {"bot/__init__.py": "", "integrations/__init__.py": "", **files}.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_checker_flags_a_forbidden_import_added_to_a_temporary_tree(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/usecases/digest.py": "import httpx\nfrom slack_sdk import WebClient\n",
            "bot/flow/__init__.py": "",
            "bot/flow/metrics.py": (
                "from __future__ import annotations\n"
                "import statistics\n"
                "import holidays\n"
                "from . import model\n"
                "from .. import store\n"
                "from bot.config.settings import Settings\n"
                "if True:\n"
                "    from github import Github\n"
            ),
            "bot/flow/model.py": "from bot.flow.calendar import x\nimport sqlalchemy\n",
            "bot/slack/app.py": "from slack_bolt import App\n",
            "integrations/jira/client.py": "from jira import JIRA\nimport httpx\n",
            "integrations/github/poll.py": "import github.PullRequest\n",
        },
    )
    # Run first: the rules of the flow ring and the vendors, as before.
    assert [v for v in violations(root) if "inner ring" not in v and "bot/core" not in v
            and "bot/render" not in v and "sandbox" not in v] == [
        "bot/flow/metrics.py:5: bot/flow imports bot.store",
        "bot/flow/metrics.py:6: bot/flow imports bot.config.settings.Settings",
        "bot/flow/metrics.py:8: imports github.Github outside integrations/",
        "bot/flow/metrics.py:8: bot/flow imports github.Github",
        "bot/flow/model.py:2: bot/flow imports sqlalchemy",
        "bot/usecases/digest.py:1: imports httpx outside integrations/",
        "bot/usecases/digest.py:2: imports slack_sdk.WebClient outside bot/slack/",
    ]


def test_a_clean_temporary_tree_has_no_violations(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/flow/__init__.py": "from .model import WorkItem\n",
            "bot/flow/model.py": "import dataclasses\nfrom datetime import datetime\n",
            "bot/cli/main.py": "import click\nfrom bot.flow import model\n",
        },
    )
    assert violations(root) == []


def test_each_ring_rule_catches_a_planted_violation(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "bot/core/ports.py": "from bot.store import Store\nfrom bot.flow import model\n",
            "bot/render/digest.py": (
                "from bot.usecases.digest import x\nimport sqlalchemy\n"
                "import matplotlib\nfrom bot.flow import stages\n"
            ),
            "bot/usecases/home.py": (
                "from bot.slack.client import Messenger\nfrom bot.store import Store\n"
                "from bot.store.repo import Store\nfrom bot.store.ledgers import AlertEntry\n"
            ),
            "bot/sync/engine.py": "import bot.cli.main\n",
            "bot/sync/reads.py": (
                "from sqlalchemy import select\nfrom bot.store import tables as t\n"
                "from bot.store import Connection, Store\n"
            ),
            "bot/store/repo.py": "from bot.app import Crosswalk\n",
            "integrations/sandbox/runner.py": "from bot.config.settings import Settings\n",
            "integrations/sandbox/world.py": "from bot.flow.model import WorkItem\n",
            "bot/slack/app.py": "from bot.usecases.alerts import AlertService\n",
        },
    )
    assert violations(root) == [
        "bot/core/ports.py:1: bot/core imports bot.store.Store",
        "bot/render/digest.py:1: bot/render imports bot.usecases.digest.x",
        "bot/render/digest.py:2: bot/render imports sqlalchemy",
        "bot/store/repo.py:1: an inner ring imports the surface bot.app.Crosswalk",
        "bot/sync/engine.py:1: an inner ring imports the surface bot.cli.main",
        "bot/sync/reads.py:1: the sync touches the store's tables through sqlalchemy.select",
        "bot/sync/reads.py:2: the sync touches the store's tables through bot.store.tables",
        "bot/usecases/home.py:1: an inner ring imports the surface bot.slack.client.Messenger",
        "bot/usecases/home.py:2: a use-case bypasses its store Protocol: bot.store.Store",
        "bot/usecases/home.py:3: a use-case bypasses its store Protocol: bot.store.repo.Store",
        "integrations/sandbox/runner.py:1: the sandbox imports bot.config.settings.Settings",
        "integrations/sandbox/world.py:1: the sandbox imports bot.flow.model.WorkItem",
    ]
