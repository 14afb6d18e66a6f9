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
import tomllib
import zipfile
from pathlib import Path

import yaml

from bot.config.env import DESCRIPTIONS, SECRET_VARIABLES

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
    # The postgres extra comes with the dependency layer.
    assert "['optional-dependencies']['postgres']" in DOCKERFILE


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
    [wheel] = list((tmp_path / "dist").glob("crosswalk_flow-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        scripts = archive.read(entry_points).decode()
    assert "bot/store/migrations/env.py" in names
    assert "bot/store/migrations/versions/0001_initial.py" in names
    assert "bot/cli/serve.py" in names and "integrations/sandbox/runner.py" in names
    assert "crosswalk = bot.cli.entry:run" in scripts


def test_dependencies_are_installed_in_a_layer_before_the_code() -> None:
    lines = DOCKERFILE.splitlines()
    code = next(i for i, line in enumerate(lines) if line.startswith("COPY bot "))
    deps = next(i for i, line in enumerate(lines) if "pip install -c constraints.txt" in line)
    first_copy = next(i for i, line in enumerate(lines) if line.startswith("COPY "))
    assert lines[first_copy] == "COPY pyproject.toml constraints.txt ./"
    assert first_copy < deps < code
    assert "RUN pip install --no-deps ." in lines[code:]


def test_the_dependency_layer_reads_exactly_the_runtime_dependencies(tmp_path: Path) -> None:
    # The RUN line's own snippet, run here against the real pyproject.toml.
    run = DOCKERFILE.split('RUN python -c "', 1)[1].split('" > /tmp/requirements.txt', 1)[0]
    snippet = run.replace("\\\n", "")  # the line continuation; its "\\n" stays Python's
    out = subprocess.run([sys.executable, "-c", snippet], cwd=ROOT, capture_output=True,
                         text=True, check=True, timeout=30).stdout.split("\n")
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    assert [x for x in out if x] == (project["dependencies"]
                                     + project["optional-dependencies"]["postgres"])


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_constraints_pin_every_declared_dependency() -> None:
    with (ROOT / "pyproject.toml").open("rb") as f:
        project = tomllib.load(f)["project"]
    declared = set(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        declared.update(extra)
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pinned[_name(name)] = version
    wanted = {_name(r) for r in declared} - {"setuptools", "wheel"}
    assert sorted(wanted - pinned.keys()) == []
    assert all(pinned.values())


def test_compose_runs_crosswalk_on_a_healthy_postgres_with_a_volume() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    postgres, app = compose["services"]["postgres"], compose["services"]["crosswalk"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(v.startswith("postgres-data:") for v in postgres["volumes"])
    assert "postgres-data" in compose["volumes"]
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "/healthz" in " ".join(app["healthcheck"]["test"])
    assert app["env_file"] == "crosswalk.env"
    assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://crosswalk:")
    assert app["stop_grace_period"] == "10s"
    assert app["build"] == "."


def test_the_env_template_names_every_variable() -> None:
    template = (ROOT / "crosswalk.env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z_]+)=", template, flags=re.MULTILINE))
    assert named == set(DESCRIPTIONS)
    for secret in SECRET_VARIABLES - {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"}:
        assert re.search(rf"^#? ?{secret}=$", template, flags=re.MULTILINE), secret
