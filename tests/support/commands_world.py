"""Shared fixtures of the slash-command, App Home, Bolt and serve tests (no tests here).

A small workspace from the Slack sandbox tests (alice: product, bob: engineering, carol: a
stranger; channel C0PAYMENTS), one team ``payments`` (PAY, acme/api), a migrated SQLite
store filled with plain records and facts through ``Store`` upserts, and the real Bolt app
served by ``HttpServer`` on 127.0.0.1 and driven with signed requests.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.app import Clients, Crosswalk, build_app
from bot.config.env import Env
from bot.config.settings import Settings, parse_settings
from bot.flow.facts import HandoffEnd, HandoffFact, ItemFact, PrFact, ReleaseFact, StatusSpan
from bot.flow.model import (
    Containment,
    ItemLink,
    PullRequest,
    Release,
    Review,
    ReviewState,
    WorkItem,
)
from bot.slack.app import build_bolt_app
from bot.slack.client import Messenger, make_web_client
from bot.slack.http import HttpServer, make_wsgi_app
from bot.store import migrate
from bot.store.db import make_engine
from bot.store.repo import Store
from integrations.sandbox.slack.server import SlackServer
from integrations.sandbox.slack.signing import signed_headers, slash_command_body
from tests.support.slack_world import (
    ALICE,
    BOB,
    CAROL,
    CHANNEL,
    SIGNING_SECRET,
    TOKEN,
    make_world,
)

__all__ = ["ALICE", "BOB", "CAROL", "CHANNEL", "SIGNING_SECRET", "TOKEN", "make_world"]

# Thursday 19 Nov 2026, 14:00 UTC (London is on UTC in November); week 2026-W47.
NOW = datetime(2026, 11, 19, 14, 0, tzinfo=UTC)
HOSTILE = "<!channel> <!here> urgent <https://evil.example|click me> & more"
REPO = "acme/api"


def utc(day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant in November 2026, UTC."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def config(
    *, admins: tuple[str, ...] = (), command: str = "/crosswalk",
    github_people: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One team (payments: PAY, acme/api, C0PAYMENTS; alice product, bob engineering)."""
    return {
        "timezone": "Europe/London",
        "slash_command": command,
        "admins": list(admins),
        "teams": {
            "payments": {
                "jira": {"project": "PAY"},
                "github": {"repos": [REPO]},
                "slack": {"channel": CHANNEL},
                "people": {"product": ["alice@acme.example"],
                           "engineering": ["bob@acme.example"],
                           "github": dict(github_people or {})},
                "workflow": {
                    "handoff": ["Ready for Development"], "started": ["In Progress"],
                    "returned": ["Needs Clarification"], "done": ["Done"],
                },
            },
            "search": {
                "github": {"repos": ["acme/search"]},
                "slack": {"channel": "#search"},
            },
        },
    }


def settings(**kwargs: Any) -> Settings:
    """``config(**kwargs)`` validated."""
    return parse_settings(config(**kwargs))


_TEMPLATE: dict[str, Path] = {}


def new_store(tmp_path: Path, template_dir: Path) -> tuple[Store, str]:
    """A Store over a fresh copy of a migrated SQLite file, and its URL."""
    if "db" not in _TEMPLATE:
        path = template_dir / "template.db"
        migrate.upgrade(f"sqlite:///{path}")
        _TEMPLATE["db"] = path
    target = tmp_path / "crosswalk.db"
    shutil.copy(_TEMPLATE["db"], target)
    url = f"sqlite:///{target}"
    return Store(make_engine(url)), url


def fill(store: Store) -> None:
    """PAY-1 waiting (hostile title), PAY-2 delivered through acme/api#5 in v1.4.0, PRs."""
    pay1 = WorkItem("PAY-1", "PAY", "Story", f"Refunds {HOSTILE}", "Ready for Development",
                    utc(2), utc(16, 10), url="https://acme.atlassian.net/browse/PAY-1")
    pay2 = WorkItem("PAY-2", "PAY", "Story", "Card vault", "Done", utc(2), utc(18, 12),
                    url="https://acme.atlassian.net/browse/PAY-2")
    store.upsert_work_items([pay1, pay2])
    store.add_team_items("payments", ["PAY-1", "PAY-2"])
    store.upsert_handoffs([
        HandoffFact("PAY-1", 0, utc(16, 10), None, None),
        HandoffFact("PAY-2", 0, utc(16, 9), utc(16, 15), HandoffEnd.PICKED_UP, f"{REPO}#5"),
    ])
    store.upsert_item_facts([ItemFact("PAY-2", utc(16, 9), utc(18, 12))])
    store.upsert_status_spans([
        StatusSpan("PAY-2", 0, "Ready for Development", utc(16, 9), utc(16, 15)),
        StatusSpan("PAY-2", 1, "In Progress", utc(16, 15), utc(18, 12)),
        StatusSpan("PAY-2", 2, "Done", utc(18, 12), None),
    ])
    pr5 = PullRequest(REPO, 5, "PAY-2 card vault", "", "PAY-2-vault", "bob", False, "closed",
                      False, utc(16, 15), utc(17, 11), utc(17, 11), utc(17, 11), "sha5",
                      url=f"https://github.com/{REPO}/pull/5")
    pr7 = PullRequest(REPO, 7, f"Waiting {HOSTILE}", "", "feature", "bob", False, "open",
                      False, utc(18, 9), utc(18, 9), requested_reviewers=("carol",),
                      url=f"https://github.com/{REPO}/pull/7")
    pr8 = PullRequest(REPO, 8, "Merged, not released", "", "fix", "bob", False, "closed",
                      False, utc(18, 9), utc(18, 10), utc(18, 10), utc(18, 10), "sha8",
                      url=f"https://github.com/{REPO}/pull/8")
    store.upsert_pull_requests([pr5, pr7, pr8])
    store.upsert_reviews([Review(REPO, 5, 501, "carol", False, ReviewState.APPROVED,
                                 utc(16, 17))])
    release = Release(REPO, 900, "v1.4.0", "v1.4.0", False, False, utc(18, 12), utc(18, 12),
                      url=f"https://github.com/{REPO}/releases/tag/v1.4.0")
    store.upsert_releases([release])
    store.upsert_containments([Containment(REPO, 900, 5)])
    store.upsert_item_links([ItemLink("PAY-2", REPO, 5)])
    store.upsert_pr_facts([
        PrFact(REPO, 5, False, utc(16, 15), utc(17, 11), utc(16, 17), 900, utc(18, 12)),
        PrFact(REPO, 7, False, utc(18, 9), None, None, None, None),
        PrFact(REPO, 8, False, utc(18, 9), utc(18, 10), None, None, None),
    ])
    store.upsert_release_facts([
        ReleaseFact(REPO, 900, "v1.4.0", utc(18, 12), False, False, (), None),
    ])


def messenger(server: SlackServer) -> Messenger:
    """The real ``slack_sdk`` client and Messenger against the sandbox."""
    return Messenger(make_web_client(TOKEN, server.url + "/api", timeout=10),
                     response_timeout=10)


def crosswalk(
    store: Store, server: SlackServer, config_settings: Settings | None = None,
    clock: Callable[[], datetime] = lambda: NOW,
) -> Crosswalk:
    """The composition root over test clients."""
    env = Env(slack_signing_secret=SIGNING_SECRET, slack_bot_token=TOKEN,
              slack_api_url=server.url + "/api/")
    clients = Clients(store=store, messenger=messenger(server), clock=clock)
    return build_app(config_settings or settings(), env, clients)


@dataclass
class Served:
    """The Bolt app behind ``HttpServer`` on loopback."""

    url: str
    slack: SlackServer
    app: Crosswalk
    http: httpx.Client  # one client: a new one per request costs ~0.1 s of TLS set-up

    def command(self, text: str, *, user: str = ALICE, channel: str = CHANNEL,
                timestamp: int | None = None, secret: str = SIGNING_SECRET,
                command: str = "/crosswalk", team: str = "T0SANDBOX1",
                ) -> tuple[httpx.Response, str]:
        """Send a signed slash command; returns the HTTP answer and the response_url id."""
        response_url = self.slack.new_response_url()
        body = slash_command_body(
            command=command, text=text, user_id=user, channel_id=channel,
            team_id=team, response_url=response_url, trigger_id="1.2.3",
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   **signed_headers(secret, body, timestamp)}
        answer = self.http.post(self.url, content=body.encode(), headers=headers)
        return answer, response_url.rsplit("/", 1)[1]

    def reply(self, response_id: str, timeout: float = 15.0) -> dict[str, Any]:
        """The first body posted to one response_url (waits for it)."""
        found: list[dict[str, Any]] = wait_for(lambda: self.slack.responses_to(response_id),
                                               timeout)
        return found[0]


def wait_for(probe: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll ``probe`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("timed out waiting")


@contextmanager
def slack_server() -> Iterator[SlackServer]:
    """The Slack sandbox over ``make_world()``, typed as what it is."""
    server = SlackServer(make_world())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def served(app: Crosswalk, slack: SlackServer) -> Iterator[Served]:
    """Serve ``app``'s Bolt app on 127.0.0.1 until the block ends (then drain and stop)."""
    from concurrent.futures import ThreadPoolExecutor

    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="test-bolt")
    bolt = build_bolt_app(app, executor=executor)
    server = HttpServer(make_wsgi_app(bolt, app.health, signing_secret=app.signing_secret),
                        host="127.0.0.1", port=0,
                        grace_seconds=10)
    thread = threading.Thread(target=server.serve, kwargs={"install_signals": False},
                              daemon=True)
    thread.start()
    try:
        with httpx.Client(timeout=30) as http:
            yield Served(f"http://127.0.0.1:{server.port}/slack/events", slack, app, http)
    finally:
        server.stop()
        thread.join(15)
        executor.shutdown(wait=True)


def texts(reply: dict[str, Any]) -> str:
    """All text of a reply: its ``text`` and every text object in its blocks."""
    found = [str(reply.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(reply.get("blocks", []))
    return "\n".join(found)


ONE_DAY = timedelta(days=1)
