"""config/crosswalk.schema.json is current, and the example config loads and shows every key."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from pydantic import BaseModel

from bot.config.loading import unwrap_type
from bot.config.settings import Settings, load_settings, schema_text

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "config" / "crosswalk.schema.json"
EXAMPLE = ROOT / "config" / "crosswalk.example.yaml"
REGENERATE = "python -m bot.config.settings --schema > config/crosswalk.schema.json"


def test_schema_file_matches_the_models() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == schema_text(), f"stale schema: run {REGENERATE}"


def test_schema_is_regenerated_by_the_documented_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.config.settings", "--schema"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.stdout == SCHEMA.read_text(encoding="utf-8")


def test_example_loads_and_validates_against_the_schema() -> None:
    load_settings(EXAMPLE)
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_schema_rejects_an_unknown_key() -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["teams"]["payments"]["alert"] = {}
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert not validator.is_valid(data)


def model_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    """Every key path the models accept; a team is ``teams.*``."""
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        yield path
        inner = unwrap_type(field.annotation)
        args: tuple[Any, ...] = getattr(inner, "__args__", ())
        if name == "teams":
            inner, path = unwrap_type(args[1]), f"{path}.*"
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from model_keys(inner, f"{path}.")


def example_keys(data: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}{key}"
            yield path
            if prefix == "" and key == "teams":
                for team in value.values():
                    yield from example_keys(team, "teams.*.")
            else:
                yield from example_keys(value, f"{path}.")


def test_example_documents_every_key() -> None:
    shown = set(example_keys(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))))
    missing = sorted(set(model_keys(Settings)) - shown)
    assert missing == [], f"add these keys to {EXAMPLE.name}: {missing}"
