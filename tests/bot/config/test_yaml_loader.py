"""The config loader reads the same documents, and fails the same way, on libyaml and on the
pure-Python parser (``read_yaml`` takes libyaml when PyYAML has it)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import loading
from bot.config.loading import yaml_loader

ROOT = Path(__file__).resolve().parents[3]
PARSERS = [pytest.param(yaml.SafeLoader, id="python")]
if hasattr(yaml, "CSafeLoader"):
    PARSERS.append(pytest.param(yaml.CSafeLoader, id="libyaml"))


def load(base: type, text: str) -> object:
    return yaml.load(text, Loader=yaml_loader(base))  # noqa: S506 - a SafeLoader


def test_read_yaml_uses_libyaml_when_pyyaml_has_it() -> None:
    assert yaml.__with_libyaml__, "PyYAML's wheels bundle libyaml; this install has none"
    assert issubclass(loading._Loader, yaml.CSafeLoader)


@pytest.mark.parametrize("base", PARSERS)
def test_example_config_reads_the_same_on_both_parsers(base: type) -> None:
    text = (ROOT / "config" / "crosswalk.example.yaml").read_text(encoding="utf-8")
    assert load(base, text) == load(yaml.SafeLoader, text)
    assert isinstance(load(base, text), dict)


@pytest.mark.parametrize("base", PARSERS)
def test_yaml_1_2_scalars(base: type) -> None:
    assert load(base, "a: 17:00\nb: NO\nc: yes\nd: true\ne: 010\nf: 1.5\ng: 0x1F\n") == {
        "a": "17:00", "b": "NO", "c": "yes", "d": True, "e": "010", "f": 1.5, "g": "0x1F",
    }


@pytest.mark.parametrize("base", PARSERS)
def test_duplicate_key_names_its_line(base: type) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        load(base, "timezone: UTC\nteams: {}\ntimezone: Europe/London\n")
    assert caught.value.problem == "duplicate key 'timezone'"
    assert caught.value.problem_mark is not None
    assert (caught.value.problem_mark.line, caught.value.problem_mark.column) == (2, 0)


@pytest.mark.parametrize("base", PARSERS)
def test_nested_duplicate_key_is_refused_too(base: type) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        load(base, "teams:\n  a: {x: 1}\n  a: {x: 2}\n")
    assert caught.value.problem_mark is not None
    assert caught.value.problem_mark.line == 2


@pytest.mark.parametrize("base", PARSERS)
def test_syntax_error_names_the_same_line(base: type) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        load(base, "teams:\n  payments: [\n")
    mark = caught.value.problem_mark or caught.value.context_mark
    assert mark is not None
    assert mark.line == 2


@pytest.mark.parametrize("base", PARSERS)
def test_unsafe_tags_are_refused(base: type) -> None:
    with pytest.raises(yaml.constructor.ConstructorError):
        load(base, "x: !!python/object/apply:os.system ['true']\n")
