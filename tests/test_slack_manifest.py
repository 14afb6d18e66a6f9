"""config/slack-app-manifest.yaml grants exactly the scopes the code needs.

The Web API methods the code calls are found in the source (every Slack call goes through
``Messenger._call("method", ...)`` or ``translate_errors("method")`` in
``bot/slack/client.py``); each needs the bot scopes Slack's method reference names. A
method without its scope in the manifest, or a scope no method needs, fails this test.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "config" / "slack-app-manifest.yaml"

# Bot scopes per Web API method, from Slack's method reference (api.slack.com/methods).
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    # Slack grants users:read.email only together with users:read.
    "users.lookupByEmail": frozenset({"users:read.email", "users:read"}),
    # slack_sdk's files_upload_v2: files.getUploadURLExternal + files.completeUploadExternal.
    "files.upload_v2": frozenset({"files:write"}),
    "views.publish": frozenset(),
    "conversations.info": frozenset({"channels:read", "groups:read"}),
    "conversations.list": frozenset({"channels:read", "groups:read"}),
    "conversations.history": frozenset({"channels:history", "groups:history", "im:history"}),
    "conversations.open": frozenset({"im:write"}),
}
_CALL = re.compile(r"""(?:_call|translate_errors)\(\s*["']([a-zA-Z_.0-9]+)["']""")


def called_methods(root: Path) -> set[str]:
    """Every Web API method named in a Slack call under ``root/bot``."""
    found: set[str] = set()
    for path in (root / "bot").rglob("*.py"):
        found.update(_CALL.findall(path.read_text(encoding="utf-8")))
    return found


def manifest_scopes(manifest: dict[str, Any]) -> set[str]:
    """The manifest's bot scopes."""
    return set(manifest["oauth_config"]["scopes"]["bot"])


def problems(methods: set[str], scopes: set[str], has_command: bool) -> list[str]:
    """What is missing or too much, one line each (empty when the manifest fits)."""
    out = [f"{m}: not in METHOD_SCOPES (add its scopes from Slack's method reference)"
           for m in sorted(methods - METHOD_SCOPES.keys())]
    needed = {s for m in methods & METHOD_SCOPES.keys() for s in METHOD_SCOPES[m]}
    if has_command:
        needed.add("commands")
    out += [f"{s}: needed but not in the manifest" for s in sorted(needed - scopes)]
    out += [f"{s}: in the manifest but no call needs it" for s in sorted(scopes - needed)]
    return out


def load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return data


def test_the_manifest_grants_exactly_the_scopes_the_code_calls_need() -> None:
    manifest = load()
    methods = called_methods(ROOT)
    assert {"chat.postMessage", "users.lookupByEmail", "files.upload_v2"} <= methods
    has_command = bool(manifest["features"]["slash_commands"])
    assert problems(methods, manifest_scopes(manifest), has_command) == []


def test_each_scope_line_names_the_methods_that_need_it() -> None:
    text = MANIFEST.read_text(encoding="utf-8")
    for scope in manifest_scopes(load()) - {"commands", "users:read"}:
        line = next(x for x in text.splitlines() if x.strip().startswith(f"- {scope} "))
        methods = [m for m, needs in METHOD_SCOPES.items() if scope in needs]
        named = [m.split(".")[1] for m in methods if m != "files.upload_v2"]
        assert any(n in line for n in named) or "files." in line, line


def test_a_planted_call_or_scope_is_caught() -> None:
    scopes = manifest_scopes(load())
    methods = called_methods(ROOT)
    assert problems(methods | {"reactions.add"}, scopes, True) == [
        "reactions.add: not in METHOD_SCOPES (add its scopes from Slack's method reference)"]
    assert problems(methods, scopes | {"reactions:write"}, True) == [
        "reactions:write: in the manifest but no call needs it"]
    assert problems(methods, scopes - {"files:write"}, True) == [
        "files:write: needed but not in the manifest"]


def test_the_command_events_and_interactivity_match_the_bolt_app() -> None:
    manifest = load()
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == Settings.model_fields["slash_command"].default
    assert command["url"].endswith("/slack/events")
    source = (ROOT / "bot" / "slack" / "app.py").read_text(encoding="utf-8")
    events = set(re.findall(r"""\.event\(\s*["']([a-z_]+)["']""", source))
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == events
    assert ".action(" in source and manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    urls = [manifest["settings"]["event_subscriptions"]["request_url"],
            manifest["settings"]["interactivity"]["request_url"]]
    assert all(u == "https://crosswalk.example.com/slack/events" for u in urls)


def test_check_compares_the_token_with_the_manifests_scopes() -> None:
    from bot.slack.scopes import BOT_SCOPES
    from integrations.sandbox.slack.state import BOT_SCOPES as SANDBOX_SCOPES

    assert manifest_scopes(load()) == set(BOT_SCOPES) == set(SANDBOX_SCOPES)
