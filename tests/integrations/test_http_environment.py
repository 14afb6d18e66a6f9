"""The adapters consult proxy variables only when the CLI says one is set (``Env.trust_env``).

Without it, requests would look the environment up on every request (about 170 µs each);
with it, a configured proxy must be honoured. Both adapters (PyGithub and httpx for
GitHub, the jira library for Jira) are driven against the sandbox: once with a proxy
variable naming a port nobody listens on, which an adapter that still consulted the
environment would try and fail on, and once through a loopback forwarding proxy that
counts what passes.
"""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from bot.config.env import Env
from integrations.github import GitHubConfig, GitHubHost, Policy
from integrations.jira import JiraConfig, JiraSource, RetryPolicy
from integrations.sandbox.github.server import GitHubServer
from integrations.sandbox.jira.server import JiraServer
from tests.support.gh_world import REPO, TOKEN
from tests.support.gh_world import build_world as github_world
from tests.support.jira_world import EMAIL
from tests.support.jira_world import TOKEN as JIRA_TOKEN
from tests.support.jira_world import build_world as jira_world

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}


class Forwarding(BaseHTTPRequestHandler):
    """A plain-HTTP forward proxy: the request line carries the absolute URL."""

    seen: list[str]

    def _forward(self) -> None:
        self.seen.append(self.path)
        target = urlsplit(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection(target.hostname or "", target.port, timeout=10)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(self.command, path, body=body or None, headers=headers)
        answer = upstream.getresponse()
        data = answer.read()
        self.send_response(answer.status)
        for key, value in answer.getheaders():
            if key.lower() not in HOP_BY_HOP | {"content-length"}:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        upstream.close()

    do_GET = do_POST = _forward

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    handler = type("Counting", (Forwarding,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def set_proxy(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, url)


@pytest.fixture(scope="module")
def github() -> Iterator[GitHubServer]:
    with GitHubServer(github_world(pulls=3, releases=1)) as running:
        yield running


@pytest.fixture(scope="module")
def jira() -> Iterator[JiraServer]:
    server = JiraServer(jira_world(issues=3))
    server.start()
    yield server
    server.stop()


def github_host(server: GitHubServer, *, trust_env: bool) -> GitHubHost:
    config = GitHubConfig(token=TOKEN, api_url=server.url, timeout=5, throttle=0,
                          graphql=False, trust_env=trust_env)
    return GitHubHost(config, policy=Policy(tries=1, base_delay=0.01))


def use_github(host: GitHubHost) -> None:
    """One request through httpx (the events feed) and one through PyGithub (reviews)."""
    try:
        assert host.poll_activity(REPO, None).changed
        assert host.reviews(REPO, [1]).requests == 1
    finally:
        host.close()


def jira_source(server: JiraServer, *, trust_env: bool) -> JiraSource:
    config = JiraConfig(server.url, EMAIL, JIRA_TOKEN, timeout=5, trust_env=trust_env)
    return JiraSource(config, retry=RetryPolicy(tries=1, base_delay=0.01))


def use_jira(source: JiraSource) -> int:
    return sum(len(page.items) for page in source.fetch_updated("project in (PAY, WEB)", None,
                                                          overlap=timedelta(0)))


def test_the_env_trusts_the_environment_only_when_a_proxy_or_ca_variable_is_set() -> None:
    assert Env.from_mapping({}).trust_env is False
    assert Env.from_mapping({"https_proxy": "http://proxy:3128"}).trust_env is True
    assert Env.from_mapping({"REQUESTS_CA_BUNDLE": "/etc/ca.pem"}).trust_env is True
    assert Env.from_mapping({"HTTP_PROXY": "  "}).trust_env is False
    proxied = Env.from_mapping({"HTTPS_PROXY": "http://me:pr0xy-secret@proxy:3128"})
    assert "pr0xy-secret" in proxied.secrets() and "pr0xy-secret" not in repr(proxied)


def test_without_trust_env_a_proxy_variable_is_not_consulted(
    github: GitHubServer, jira: JiraServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_proxy(monkeypatch, f"http://127.0.0.1:{dead_port()}")
    use_github(github_host(github, trust_env=False))
    assert use_jira(jira_source(jira, trust_env=False)) == 3


def test_with_trust_env_every_adapter_goes_through_the_configured_proxy(
    github: GitHubServer, jira: JiraServer, monkeypatch: pytest.MonkeyPatch,
    proxy: tuple[str, list[str]],
) -> None:
    url, seen = proxy
    set_proxy(monkeypatch, url)
    use_github(github_host(github, trust_env=True))
    assert any(f"/repos/{REPO}/events" in path for path in seen)  # httpx
    assert any(f"/repos/{REPO}/pulls/1/reviews" in path for path in seen)  # PyGithub
    seen.clear()
    assert use_jira(jira_source(jira, trust_env=True)) == 3
    assert any("/rest/api/" in path for path in seen)
