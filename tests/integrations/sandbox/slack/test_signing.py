"""v0 request signing, and signed slash commands, actions and events received by real Bolt."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from integrations.sandbox.base import Request, Response, SandboxServer
from integrations.sandbox.slack import signing
from integrations.sandbox.slack.server import SlackServer
from tests.support.slack_world import ALICE, CHANNEL, SIGNING_SECRET, TOKEN, make_world

PROTOCOL = Path(__file__).parents[5] / "shared" / "specs" / "slack" / "protocol.json"


def test_sign_matches_the_official_test_vector() -> None:
    if not PROTOCOL.exists():
        pytest.skip("shared/specs/slack not present")
    vector = json.loads(PROTOCOL.read_text())["request_signing"]["test_vector"]
    assert signing.sign(vector["signing_secret"], vector["timestamp"], vector["body"]) == (
        vector["expected_signature"])
    assert signing.sign(vector["signing_secret"], int(vector["timestamp"]),
                        vector["body"].encode()) == vector["expected_signature"]


def test_signed_headers_verify_with_slack_sdk_and_change_with_the_body() -> None:
    now = int(time.time())
    headers = signing.signed_headers("s3cret", b"a=1", timestamp=now)
    assert headers["X-Slack-Request-Timestamp"] == str(now)
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid(b"a=1", str(now), headers["X-Slack-Signature"])
    assert not verifier.is_valid(b"a=2", str(now), headers["X-Slack-Signature"])
    assert not SignatureVerifier("other").is_valid(b"a=1", str(now), headers["X-Slack-Signature"])


# ---- a Bolt app behind the sandbox's HTTP server -----------------------------------------


class BoltEndpoint(SandboxServer):
    """Serves ``/slack/events`` by handing the raw request to a Bolt ``App``."""

    name = "bolt"
    app: App

    def setup(self) -> None:
        self.route("POST", r"/slack/events", self._events)

    def _events(self, request: Request, match: re.Match[str]) -> Response:
        bolt = self.app.dispatch(BoltRequest(body=request.body.decode(),
                                             headers=dict(request.headers)))
        return Response(bolt.status, bolt.body.encode(),
                        {k: v[0] for k, v in bolt.headers.items()})


@pytest.fixture(scope="module")
def bolt() -> Iterator[tuple[BoltEndpoint, dict[str, Any]]]:
    seen: dict[str, Any] = {}
    done = threading.Event()
    slack = SlackServer(make_world()).start()  # Bolt's authorize step calls auth.test
    client = WebClient(token=TOKEN, base_url=slack.url + "/api/", timeout=5)
    app = App(signing_secret=SIGNING_SECRET, client=client, token_verification_enabled=False)

    @app.command("/crosswalk")
    def command(ack: Ack, command: dict[str, Any]) -> None:
        ack(text=f"got {command['text']}")
        seen["command"] = command

    @app.action("snooze")
    def action(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        seen["action"] = body

    @app.event("app_home_opened")
    def home(event: dict[str, Any]) -> None:
        seen["event"] = event
        done.set()

    endpoint = BoltEndpoint(make_world())
    endpoint.app = app
    with endpoint:
        seen["done"] = done
        yield endpoint, seen
    slack.stop()


def test_slash_command_is_verified_parsed_and_acked_by_bolt(
    bolt: tuple[BoltEndpoint, dict[str, Any]],
) -> None:
    endpoint, seen = bolt
    r = signing.send_slash_command(
        endpoint.url + "/slack/events", SIGNING_SECRET, command="/crosswalk",
        text="summary payments & <!channel>", user_id=ALICE, channel_id=CHANNEL,
        team_id="T0SANDBOX1", response_url="http://127.0.0.1:1/response/R000001",
        trigger_id="123.456.abc",
    )
    assert r.status_code == 200
    assert r.text == "got summary payments & <!channel>"  # Bolt acks bare text as text/plain
    assert (seen["command"]["user_id"], seen["command"]["channel_id"]) == (ALICE, CHANNEL)
    assert seen["command"]["response_url"] == "http://127.0.0.1:1/response/R000001"


def test_bad_secret_and_stale_timestamp_get_401_from_bolt(
    bolt: tuple[BoltEndpoint, dict[str, Any]],
) -> None:
    endpoint, _ = bolt
    args: dict[str, Any] = dict(command="/crosswalk", text="help", user_id=ALICE,
                                channel_id=CHANNEL, team_id="T0SANDBOX1",
                                response_url="http://127.0.0.1:1/r", trigger_id="1.2.3")
    url = endpoint.url + "/slack/events"
    assert signing.send_slash_command(url, "wrong-secret", **args).status_code == 401
    stale = int(time.time()) - 301
    assert signing.send_slash_command(url, SIGNING_SECRET, timestamp=stale,
                                      **args).status_code == 401


def test_block_action_payload_reaches_the_action_listener(
    bolt: tuple[BoltEndpoint, dict[str, Any]],
) -> None:
    endpoint, seen = bolt
    payload = {
        "type": "block_actions", "team": {"id": "T0SANDBOX1", "domain": "acme"},
        "user": {"id": ALICE, "username": "alice", "team_id": "T0SANDBOX1"},
        "api_app_id": "A0SANDBOX01", "token": "x", "trigger_id": "1.2.3",
        "channel": {"id": CHANNEL, "name": "payments"},
        "container": {"type": "message", "message_ts": "1795435200.000100"},
        "actions": [{"type": "button", "action_id": "snooze", "block_id": "b",
                     "value": "PAY-12", "action_ts": "1795435201.000000"}],
        "response_url": "http://127.0.0.1:1/response/R000002",
    }
    r = signing.send_block_action(endpoint.url + "/slack/events", SIGNING_SECRET, payload)
    assert r.status_code == 200
    assert seen["action"]["actions"][0]["value"] == "PAY-12"


def test_events_url_verification_and_event_callback(
    bolt: tuple[BoltEndpoint, dict[str, Any]],
) -> None:
    endpoint, seen = bolt
    url = endpoint.url + "/slack/events"
    r = signing.send_event(url, SIGNING_SECRET, {"type": "url_verification", "challenge": "c4"})
    assert (r.status_code, r.json()) == (200, {"challenge": "c4"})
    event = {"type": "app_home_opened", "user": ALICE, "channel": "D0HOME0001", "tab": "home",
             "event_ts": "1795435200.000100"}
    r = signing.send_event(url, SIGNING_SECRET, event, team_id="T0SANDBOX1")
    assert r.status_code == 200
    assert seen["done"].wait(5)  # Bolt runs event listeners after the ack
    assert seen["event"]["user"] == ALICE
