"""Reading the config file and turning validation errors into ``key.path: problem`` lines.

The YAML loader is PyYAML's safe loader with YAML 1.2 scalars, because YAML 1.1 reads an
unquoted ``17:00`` as the number 1020 and the Norwegian holiday code ``NO`` as false; it
also refuses duplicate keys, which would otherwise silently keep the last one.
"""

from __future__ import annotations

import collections.abc
import difflib
import re
import types
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from bot.config.types import shown
from bot.core.errors import ConfigError

_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"


class SettingsError(ConfigError):
    """Invalid configuration; ``problems`` holds one ``key.path: problem`` line each."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        count = f"{len(self.problems)} problem" + ("s" if len(self.problems) != 1 else "")
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{source}: {count}\n{lines}")


def yaml_loader(base: type[Any]) -> type[Any]:
    """A safe loader on ``base`` with YAML 1.2 booleans and numbers, and no duplicate keys."""

    class Loader(base):  # type: ignore[misc]  # base is a parameter
        def construct_mapping(
            self, node: yaml.MappingNode, deep: bool = False
        ) -> dict[Any, Any]:
            seen: set[Hashable] = set()
            for key_node, _value in node.value:
                key = self.construct_object(key_node, deep=deep)
                if isinstance(key, Hashable):
                    if key in seen:
                        raise yaml.constructor.ConstructorError(
                            None, None, f"duplicate key {key!r}", key_node.start_mark
                        )
                    seen.add(key)
            mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return mapping

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag not in {_BOOL, _INT, _FLOAT}]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    Loader.add_implicit_resolver(
        _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    Loader.add_implicit_resolver(
        _INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
    )
    Loader.add_implicit_resolver(
        _FLOAT,
        re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
        list("-+0123456789."),
    )
    return Loader


# libyaml's parser when PyYAML was built with it (its wheels are): the same documents and
# marks, parsed about ten times faster than the pure-Python one (~20 ms of a report's start).
_Loader = yaml_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def read_yaml(path: Path) -> object:
    """Parse a YAML file; raise ``SettingsError`` naming the file and line when it cannot."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(
            str(path), ["no such file (pass --config PATH or set CROSSWALK_CONFIG)"]
        ) from None
    except OSError as exc:
        raise SettingsError(str(path), [f"cannot be read: {exc.strerror}"]) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SettingsError(str(path), [f"{where}not valid YAML: {exc.problem}"]) from None
    except yaml.YAMLError as exc:
        raise SettingsError(str(path), [f"not valid YAML: {exc}"]) from None


# ------------------------------------------------------------------ validation errors


def key_path(loc: Sequence[str | int]) -> str:
    """``("teams", "payments", "github", "repos", 0)`` → ``teams.payments.github.repos[0]``."""
    text = ""
    for part in loc:
        if part == "[key]":  # pydantic marks a bad dict key by appending this to its loc
            continue
        if isinstance(part, int):
            text += f"[{part}]"
            continue
        name = part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else shown(part)
        text += f".{name}" if text else name
    return text or "(top level)"


_PLAIN = {
    "missing": "required key is missing",
    "extra_forbidden": "unknown key",
}
_EXPECTED = {
    "string_type": "expected a text",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "set_type": "expected a list",
    "frozen_set_type": "expected a list",
    "dict_type": "expected a mapping (key: value)",
    "model_type": "expected a mapping (key: value)",
    "model_attributes_type": "expected a mapping (key: value)",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
}


def unwrap_type(tp: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` down to the type that holds keys or items."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            rest = [arg for arg in get_args(tp) if arg is not type(None)]
            if len(rest) != 1:
                return tp
            tp = rest[0]
        else:
            return tp


def _keys_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """The keys a mapping at ``loc`` accepts, for a "did you mean" hint."""
    current: Any = model
    for part in loc:
        current = unwrap_type(current)
        origin = get_origin(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return []
            current = field.annotation
        elif origin in (dict, collections.abc.Mapping):
            current = get_args(current)[1]
        elif origin is tuple:
            current = get_args(current)[0]
        else:
            return []
    current = unwrap_type(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _problem(error: ErrorDetails, model: type[BaseModel]) -> str:
    loc = list(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "at_key":  # a cross-field check on a model names the key it is about
        loc.extend(str(ctx["key"]).split("."))  # a dotted path from a whole-file check
    path = key_path(loc)
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), _keys_at(model, loc[:-1]), n=1)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        return f"{path}: unknown key{hint}"
    if kind in _PLAIN:
        return f"{path}: {_PLAIN[kind]}"
    got = shown(error.get("input"))
    if kind in _EXPECTED:
        return f"{path}: {_EXPECTED[kind]}, got {got}"
    if kind == "literal_error":
        options = str(ctx.get("expected", "")).replace("'", "")
        return f"{path}: expected {options}, got {got}"
    if kind == "too_short":
        least, actual = ctx.get("min_length", 1), ctx.get("actual_length", 0)
        return f"{path}: expected at least {least} item(s), got {actual}"
    message = error["msg"]
    if kind == "at_key" or "got " in message:  # our own messages already say what was found
        return f"{path}: {message}"
    return f"{path}: {message[:1].lower()}{message[1:]}, got {got}"


def problems_from(exc: ValidationError, model: type[BaseModel]) -> list[str]:
    """One ``key.path: problem`` line per pydantic error, in document order."""
    errors = exc.errors()
    item_locs = {
        tuple(error["loc"][:-1])
        for error in errors
        if error["loc"] and isinstance(error["loc"][-1], int)  # () for a whole-file check
    }
    # A list whose only item is bad is also "too short"; the item's own problem says it all.
    return [
        _problem(error, model)
        for error in errors
        if not (error["type"] == "too_short" and tuple(error["loc"]) in item_locs)
    ]
