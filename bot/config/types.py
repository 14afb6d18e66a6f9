"""Value types of the config file: durations, clock times, weekdays, zones and patterns.

Each type parses the YAML scalar, raises a ``PydanticCustomError`` whose message says what
was expected and what was found (the loader prefixes the key path), and documents itself in
the generated JSON schema.
"""

from __future__ import annotations

import re
import zoneinfo
from datetime import time
from functools import cache
from typing import Annotated, Any

from holidays.registry import EntityLoader
from pydantic import (
    AfterValidator,
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    WithJsonSchema,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from bot.flow.model import Weekday

_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60}
_DURATION_RE = re.compile(r"^([1-9][0-9]*)([dhm])$")
# No duration in the config means more than a century; beyond it dates overflow.
MAX_DURATION_DAYS = 36500


class FrozenDict(dict[str, str]):
    """A dict that cannot be changed (settings are immutable), yet copies and pickles."""

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise TypeError("settings cannot be changed after loading")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]
    __ior__ = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def __deepcopy__(self, memo: dict[int, object]) -> FrozenDict:
        return self

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, str]]]:
        return FrozenDict, (dict(self),)


def shown(value: object) -> str:
    """How a bad value is quoted in a message: strings in double quotes, others as in YAML."""
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fail(kind: str, expected: str, value: object) -> PydanticCustomError:
    return PydanticCustomError(
        kind, "{expected}, got {got}", {"expected": expected, "got": shown(value)}
    )


class Duration:
    """A config duration such as ``2d``, ``72h`` or ``10m`` (immutable, hashable)."""

    # Not a dataclass: pydantic would then write defaults into the JSON schema as objects.
    __slots__ = ("amount", "unit")
    amount: int
    unit: str  # "d" | "h" | "m"

    def __init__(self, amount: int, unit: str) -> None:
        if unit not in _UNIT_SECONDS or amount < 1:
            raise ValueError(f"not a duration: {amount}{unit}")
        if amount * _UNIT_SECONDS[unit] > MAX_DURATION_DAYS * 86400:
            raise ValueError(f"{amount}{unit} is longer than {MAX_DURATION_DAYS}d (100 years)")
        object.__setattr__(self, "amount", amount)
        object.__setattr__(self, "unit", unit)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Duration is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Duration):
            return NotImplemented
        return (self.amount, self.unit) == (other.amount, other.unit)

    def __hash__(self) -> int:
        return hash((self.amount, self.unit))

    def __repr__(self) -> str:
        return f"Duration({self.amount!r}, {self.unit!r})"

    @classmethod
    def parse(cls, text: str) -> Duration:
        """Parse ``Nd``/``Nh``/``Nm``; raise ``ValueError`` on anything else."""
        match = _DURATION_RE.match(text.strip())
        if match is None:
            raise ValueError(f"not a duration: {text!r}")
        return cls(int(match.group(1)), match.group(2))

    @property
    def calendar_seconds(self) -> float:
        """Elapsed time: ``1d`` is 24 hours."""
        return float(self.amount * _UNIT_SECONDS[self.unit])

    def working_seconds(self, working_day_seconds: float) -> float:
        """Working time: ``1d`` is one working day, ``1h`` one working hour."""
        if self.unit == "d":
            return self.amount * working_day_seconds
        return self.calendar_seconds

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"

    @classmethod
    def _validate(cls, value: object) -> Duration:
        if isinstance(value, Duration):
            return value
        if isinstance(value, str):
            match = _DURATION_RE.match(value.strip())
            if match is not None:
                try:
                    return cls(int(match.group(1)), match.group(2))
                except ValueError:
                    longest = f"a duration of at most {MAX_DURATION_DAYS}d (100 years)"
                    raise _fail("duration", longest, value) from None
        raise _fail("duration", 'expected a duration like "2d"', value)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._validate, serialization=core_schema.to_string_ser_schema()
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "pattern": _DURATION_RE.pattern, "examples": ["2d", "72h", "10m"]}


# ------------------------------------------------------------------ clock time


_CLOCK_RE = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def _parse_clock(value: object) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str):
        match = _CLOCK_RE.match(value.strip())
        if match is not None:
            return time(int(match.group(1)), int(match.group(2)))
    raise _fail("clock_time", 'expected a time like "09:00"', value)


ClockTime = Annotated[
    time,
    BeforeValidator(_parse_clock),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": _CLOCK_RE.pattern, "examples": ["09:00"]}),
]

# ------------------------------------------------------------------ weekdays

WEEKDAY_NAMES: dict[str, Weekday] = {day.name.lower(): day for day in Weekday}


def _parse_weekday(value: object) -> str:
    if isinstance(value, str) and value.strip().lower() in WEEKDAY_NAMES:
        return value.strip().lower()
    raise _fail("weekday", "expected a weekday (mon, tue, wed, thu, fri, sat, sun)", value)


WeekdayName = Annotated[
    str,
    BeforeValidator(_parse_weekday),
    WithJsonSchema({"type": "string", "enum": list(WEEKDAY_NAMES)}),
]

# ------------------------------------------------------------------ zones, countries, regexes


def _check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise _fail("timezone", 'expected an IANA timezone like "Europe/London"', value) from None
    return value


Timezone = Annotated[
    str,
    AfterValidator(_check_timezone),
    WithJsonSchema({"type": "string", "examples": ["Europe/London", "America/New_York"]}),
]


@cache
def _countries() -> frozenset[str]:
    # The registry's codes (aliases such as UK included), the same as
    # holidays.list_supported_countries() lists, without importing 250 country modules.
    return frozenset(EntityLoader.get_country_codes(include_aliases=True))


def _check_country(value: str) -> str:
    code = value.strip().upper()
    if code not in _countries():
        raise _fail(
            "country", 'expected a country code the holidays package knows, like "GB"', value
        )
    return code


CountryCode = Annotated[
    str,
    AfterValidator(_check_country),
    WithJsonSchema({"type": "string", "examples": ["GB", "US", "DE"]}),
]


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise PydanticCustomError(
            "regex",
            "expected a regular expression, got {got} ({reason})",
            {"got": shown(value), "reason": str(exc)},
        ) from None
    return value


Regex = Annotated[
    str, AfterValidator(_check_regex), WithJsonSchema({"type": "string", "format": "regex"})
]


def _matcher(kind: str, regex: str, expected: str) -> AfterValidator:
    """A validator that requires ``regex`` to match the whole value."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise _fail(kind, expected, value)
        return value

    return AfterValidator(check)


def _schema(regex: str, *examples: str) -> WithJsonSchema:
    return WithJsonSchema(
        {"type": "string", "pattern": f"^(?:{regex})$", "examples": list(examples)}
    )


# Jira keys are matched as [A-Z][A-Z0-9]+-\d+ when linking, so project keys follow that shape.
_PROJECT = r"[A-Z][A-Z0-9]+"
_REPO = r"[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+"
_CHANNEL = r"[CG][A-Z0-9]{2,}|#[a-z0-9][a-z0-9._-]{0,79}"
_USER = r"[UW][A-Z0-9]{2,}"
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_LOGIN = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_SLASH = r"/[a-z0-9_-]{1,31}"
_TEAM = r"[a-z0-9][a-z0-9_-]{0,39}"
_TEXT = r".*\S.*"

ProjectKey = Annotated[
    str,
    _matcher("project_key", _PROJECT, 'expected a Jira project key like "PAY"'),
    _schema(_PROJECT, "PAY"),
]
RepoName = Annotated[
    str,
    _matcher("repo", _REPO, 'expected a repository like "acme/payments-api"'),
    _schema(_REPO, "acme/payments-api"),
]
SlackChannel = Annotated[
    str,
    _matcher(
        "slack_channel",
        _CHANNEL,
        'expected a channel id like "C0PAYMENTS" or a name like "#payments"',
    ),
    _schema(_CHANNEL, "C0PAYMENTS", "#payments"),
]
SlackUserId = Annotated[
    str,
    _matcher("slack_user", _USER, 'expected a Slack user id like "U012ABCDEF"'),
    _schema(_USER, "U012ABCDEF"),
]
Email = Annotated[
    str,
    _matcher("email", _EMAIL, 'expected an email address like "alice@acme.example"'),
    _schema(_EMAIL, "alice@acme.example"),
]
GitHubLogin = Annotated[
    str,
    _matcher("github_login", _LOGIN, 'expected a GitHub login like "bob-smith"'),
    _schema(_LOGIN, "bob-smith"),
]
SlashCommand = Annotated[
    str,
    _matcher("slash_command", _SLASH, 'expected a slash command like "/crosswalk"'),
    _schema(_SLASH, "/crosswalk"),
]
TeamName = Annotated[
    str,
    _matcher(
        "team_name",
        _TEAM,
        'expected a team name of lowercase letters, digits, "-" and "_" like "payments"',
    ),
    _schema(_TEAM, "payments"),
]
StatusName = Annotated[
    str, _matcher("status", _TEXT, "expected a status name"), _schema(_TEXT, "Done")
]


# ------------------------------------------------------------------ percentages


_PERCENT_RE = re.compile(r"^([0-9]+(?:\.[0-9]+)?)\s*%$")


def _parse_percent(value: object) -> float:
    """``"15%"`` → 0.15 (a fraction in [0, 1])."""
    if isinstance(value, str):
        match = _PERCENT_RE.match(value.strip())
        if match is not None and float(match.group(1)) <= 100:
            return float(match.group(1)) / 100
    raise _fail("percent", 'expected a percentage from 0% to 100% like "15%"', value)


Percent = Annotated[
    float,
    BeforeValidator(_parse_percent),
    PlainSerializer(lambda v: f"{v * 100:g}%", return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?\s*%$", "examples": ["15%"]}
    ),
]
