"""The Dockerfile cannot be built here (no Docker engine); what it relies on is tested.

The image installs the package from exactly the paths it COPYs, so the test builds a wheel
from those paths alone and checks the wheel carries what ``crosswalk serve`` needs at run
time (migrations, the console script).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions(name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in DOCKERFILE.splitlines()
            if line.startswith(f"{name} ")]


def test_image_runs_serve_as_a_non_root_user_with_a_healthcheck() -> None:
    assert re.match(r"python:3\.1[1-9]-slim", _instructions("FROM")[0])
    users = _instructions("USER")
    assert users and users[-1] not in {"root", "0"}
    assert _instructions("CMD")[-1] == '["crosswalk", "serve"]'
    assert "/healthz" in DOCKERFILE and "HEALTHCHECK" in DOCKERFILE
    assert any('.[postgres]' in run for run in _instructions("RUN"))


def test_the_package_builds_from_only_the_paths_the_image_copies(tmp_path: Path) -> None:
    context = tmp_path / "context"
    context.mkdir()
    for copy in _instructions("COPY"):
        *sources, _target = copy.split()
        for source in sources:
            origin = ROOT / source
            assert origin.exists(), f"Dockerfile copies {source}, which does not exist"
            if origin.is_dir():
                shutil.copytree(origin, context / source,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                (context / source).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(origin, context / source)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(tmp_path / "dist"), str(context)],
        check=True, capture_output=True, timeout=300,
    )
    [wheel] = list((tmp_path / "dist").glob("crosswalk-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    assert "bot/store/migrations/env.py" in names
    assert "bot/store/migrations/versions/0001_initial.py" in names
    assert "bot/cli/serve.py" in names and "integrations/sandbox/runner.py" in names
    assert "crosswalk = bot.cli.main:main" in scripts
