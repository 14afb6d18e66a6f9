"""Logging: key=value on a terminal, JSON lines elsewhere, secrets never written."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Iterator

import pytest

from bot.core.logs import QUIET_LOGGERS, REDACTED, configure_logging, event, redact, register_secret

log = logging.getLogger("tests.bot.test_logs")


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def capture(tty: bool) -> io.StringIO:
    stream = io.StringIO()
    configure_logging(tty, "DEBUG", stream=stream)
    return stream


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "json"])
def test_a_planted_token_never_appears_in_the_output(restore_root: None, tty: bool) -> None:
    token = "tok-" + secrets.token_hex(16)
    register_secret(token)
    stream = capture(tty)
    log.info("jira.request url=%s", f"https://acme.atlassian.net/?t={token}")
    log.warning("plain %s", token)
    event(log, "github.poll", header=f"token {token}", nested={"auth": token}, count=3)
    log.info("in the message itself: " + token)
    try:
        raise RuntimeError(f"401 for {token}")
    except RuntimeError:
        log.exception("sync.failed")
    output = stream.getvalue()
    assert token not in output
    assert output.count(REDACTED) >= 6
    assert "github.poll" in output and "sync.failed" in output


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("headers={'Authorization': 'Basic Ym90OnNlY3JldA=='}", "Ym90OnNlY3JldA=="),
        ("Authorization: token ghs_abcdefABCDEF0123456789", "ghs_abcdef"),
        ("sent Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "eyJhbGciOiJIUzI1NiJ9"),
        ("slack said xoxb-123-456-abcdefSECRET", "abcdefSECRET"),
        ("socket xapp-1-A0-123-deadbeef", "deadbeef"),
        ("gh ghp_ABCDEFGHIJKLMNOPQRSTUVWXYZ012345 used", "ghp_ABCDEFGHIJ"),
        ("url postgresql://crosswalk:hunter22@db:5432/cw", "hunter22"),
    ],
)
def test_credential_shaped_text_is_redacted_without_registration(text: str, leak: str) -> None:
    assert leak not in redact(text)
    assert REDACTED in redact(text)


def test_ordinary_words_survive_redaction() -> None:
    text = "basic information about token expiry for team payments"
    assert redact(text) == text


def test_short_values_are_not_registered_as_secrets() -> None:
    register_secret("abc")
    register_secret(None)
    assert redact("abc def") == "abc def"


def test_json_lines_carry_event_and_fields(restore_root: None) -> None:
    stream = capture(tty=False)
    event(log, "sync.page_committed", team="payments", source="github", items=100, event="x")
    record = json.loads(stream.getvalue().splitlines()[-1])
    assert record["event"] == "sync.page_committed"
    assert record["level"] == "info"
    assert record["logger"] == "tests.bot.test_logs"
    assert (record["team"], record["source"], record["items"]) == ("payments", "github", 100)
    assert record["field.event"] == "x"  # a field never overwrites the record's own keys
    assert record["ts"].endswith("+00:00")


def test_terminal_lines_are_key_value(restore_root: None) -> None:
    stream = capture(tty=True)
    log.info("sync.page_committed", extra={"fields": {"team": "payments", "note": "two words"}})
    line = stream.getvalue().splitlines()[-1]
    assert line.endswith('INFO    sync.page_committed team=payments note="two words"')


def test_http_library_loggers_are_kept_at_warning(restore_root: None) -> None:
    stream = capture(tty=False)
    for name in QUIET_LOGGERS:
        assert logging.getLogger(name).getEffectiveLevel() == logging.WARNING
    logging.getLogger("httpx").info("HTTP Request: GET https://api.github.com/x")
    assert "api.github.com" not in stream.getvalue()


def test_configuring_twice_leaves_one_handler(restore_root: None) -> None:
    capture(tty=False)
    stream = capture(tty=True)
    log.info("once")
    assert stream.getvalue().count("once") == 1
    ours = [h for h in logging.getLogger().handlers if h.get_name() == "crosswalk"]
    assert len(ours) == 1
