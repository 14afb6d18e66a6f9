"""The Jira adapter: an :class:`~bot.core.ports.IssueSource` over the ``jira`` library.

Cloud (email + API token) searches with ``enhanced_search_issues`` (``/search/jql``,
``nextPageToken``); Server/Data Center (a PAT) with ``search_issues`` (``startAt``). Both
ask for an explicit field list, expand the changelog inline, and complete truncated
changelogs from ``/issue/{key}/changelog``. The library's own 429/503 retries are off
(``max_retries=0``) so :class:`RetryPolicy` alone bounds the total.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jira import JIRA

from bot.core.errors import ConfigError
from bot.core.logs import event
from bot.core.ports import IssueAccount, IssuePage, MemberKeys
from bot.flow.model import FixVersion
from integrations.jira import convert
from integrations.jira.retry import RetryPolicy

log = logging.getLogger(__name__)
CHANGELOG_PAGE = 100  # the changelog endpoint's maximum page
KEY_FIELDS = ("key",)
KEYS_PAGE_CLOUD = 5000  # /search/jql's page when only id/key are asked for
KEYS_PAGE_SERVER = 1000  # Server/DC's default jira.search.views.default.max
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class JiraConfig:
    """Where Jira is and how to authenticate (the secrets are kept out of ``repr``)."""

    url: str
    email: str | None = None
    api_token: str | None = field(default=None, repr=False)  # Cloud: basic auth password
    pat: str | None = field(default=None, repr=False)  # Server/DC: bearer token
    timeout: float = 20.0
    trust_env: bool = False  # consult proxy/CA variables per request (requests' default)

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], *, timeout: float = 20.0, trust_env: bool = False
    ) -> JiraConfig:
        """Read JIRA_URL with JIRA_PAT, or with JIRA_EMAIL and JIRA_API_TOKEN."""
        url = env.get("JIRA_URL", "").strip()
        if not url:
            raise ConfigError("JIRA_URL is not set (e.g. https://acme.atlassian.net)")
        pat = env.get("JIRA_PAT", "").strip()
        if pat:
            return cls(url=url, pat=pat, timeout=timeout, trust_env=trust_env)
        email, token = env.get("JIRA_EMAIL", "").strip(), env.get("JIRA_API_TOKEN", "").strip()
        if not email or not token:
            raise ConfigError(
                "Jira credentials missing: set JIRA_EMAIL and JIRA_API_TOKEN (Cloud) "
                "or JIRA_PAT (Server/Data Center)"
            )
        return cls(url=url, email=email, api_token=token, timeout=timeout, trust_env=trust_env)

    @property
    def credential_var(self) -> str:
        """The environment variable that holds the secret in use (for error messages)."""
        return "JIRA_PAT" if self.pat else "JIRA_API_TOKEN"


class JiraSource:
    """Jira as an IssueSource: incremental pages of WorkItems, StatusChanges, FixVersions."""

    def __init__(
        self, config: JiraConfig, *, retry: RetryPolicy | None = None, page_size: int = 100
    ) -> None:
        self.config = config
        self.retry = retry or RetryPolicy()
        self.page_size = page_size
        self._client: JIRA | None = None
        self._tz: ZoneInfo | None = None
        self.sent = 0  # HTTP requests sent so far, retries included
        self.server_total: int | None = None  # "total" of the last classic search page

    # ---- plumbing --------------------------------------------------------------------

    def _call(self, operation: str, fn: Callable[[], T]) -> T:
        return self.retry.call(operation, self.config.credential_var, fn)

    def _jira(self) -> JIRA:
        # Built on first use, inside the retry policy: connecting asks for serverInfo.
        if self._client is None:
            self._client = self._call("connect", self._connect)
        return self._client

    def _connect(self) -> JIRA:
        c = self.config
        auth: dict[str, Any] = ({"token_auth": c.pat} if c.pat
                                else {"basic_auth": (c.email or "", c.api_token or "")})
        # No request yet (get_server_info=False): the session is set up before the first.
        client = JIRA(server=c.url, timeout=c.timeout, max_retries=0, get_server_info=False,
                      **auth)
        # requests reads proxy and CA variables on every request unless told not to (about
        # 170 µs each); the CLI keeps it on when such a variable is set (Env.trust_env).
        client._session.trust_env = c.trust_env
        client._session.hooks["response"].append(self._count)
        # What the constructor does with get_server_info=True: the version and the kind of
        # deployment decide which API calls the library makes.
        info = client.server_info()
        client._version = tuple(info["versionNumbers"])
        client.deploymentType = info.get("deploymentType")
        return client

    def _count(self, response: Any, *args: Any, **kwargs: Any) -> None:
        self.sent += 1

    @property
    def is_cloud(self) -> bool:
        """Whether serverInfo says Cloud (then the old ``/search`` is gone)."""
        return self._jira().deploymentType == "Cloud"

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        client = self._jira()
        # The library has no wrapper for these endpoints; _get_json keeps its session,
        # auth and error handling (JIRAError) rather than a second HTTP stack.
        return self._call(f"GET {path.split('?')[0]}", lambda: client._get_json(path, params))

    # ---- IssueSource -----------------------------------------------------------------

    def myself(self) -> IssueAccount:
        """The account the credentials belong to."""
        client = self._jira()
        raw = self._call("myself", client.myself)
        return IssueAccount(
            account_id=str(raw.get("accountId") or raw.get("key") or raw.get("name") or ""),
            display_name=str(raw.get("displayName") or ""), email=raw.get("emailAddress"),
            time_zone=str(raw.get("timeZone") or "UTC"),
        )

    def timezone(self) -> ZoneInfo:
        """The Jira user's timezone: JQL dates are read in it."""
        if self._tz is None:
            name = self.myself().time_zone
            try:
                self._tz = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                event(log, "jira.unknown_timezone", logging.WARNING, tz=name, using='UTC')
                self._tz = ZoneInfo("UTC")
        return self._tz

    def check_project(self, key: str) -> str:
        """The project's name; NotFound when it is missing or hidden from us."""
        raw = self._get(f"project/{quote(key, safe='')}")
        return str(raw.get("name") or key)

    def check_search(self, key: str) -> str:
        """That the search answers for the project with changelogs: what a sync reads
        (one page of one issue)."""
        jql = f'project = "{key}" ORDER BY updated DESC'
        pages = (self._cloud_pages(jql, size=1) if self.is_cloud
                 else self._server_pages(jql, size=1))
        issues = next(iter(pages), [])
        if not issues:
            return "search answers (no issue yet)"
        histories = len(((issues[0].get("changelog") or {}).get("histories")) or [])
        return f"search and changelog answer ({issues[0].get('key')}: {histories} changes)"

    def projects(self) -> list[tuple[str, str]]:
        """Every project the credentials can browse: (key, name), by key."""
        raw = self._get("project")
        found = [(str(p["key"]), str(p.get("name") or p["key"]))
                 for p in raw if isinstance(p, dict) and p.get("key")]
        return sorted(found)

    def project_statuses(self, project: str) -> list[tuple[str, str]]:
        """(status, category key: ``new``/``indeterminate``/``done``) of the project's
        workflows (``GET project/{key}/statuses``, every issue type), each status once."""
        raw = self._get(f"project/{quote(project, safe='')}/statuses")
        found: dict[str, str] = {}
        for issue_type in raw if isinstance(raw, list) else []:
            for status in issue_type.get("statuses") or []:
                name = str(status.get("name") or "")
                if name and name not in found:
                    found[name] = str((status.get("statusCategory") or {}).get("key", ""))
        return list(found.items())

    def statuses_in_use(self, project: str, rounds: int = 25) -> list[tuple[str, str]]:
        """(status, category key: ``new``/``indeterminate``/``done``) of every status the
        project's issues are in, the most used of the recent ones first: what ``crosswalk
        init`` maps. One page of recent issues, then one query per round for issues in a
        status not seen yet (``status NOT IN (...)``), until none is left."""
        counts: Counter[str] = Counter()
        categories: dict[str, str] = {}
        for _ in range(rounds):
            seen = ", ".join(f'"{name}"' for name in categories)
            where = f' AND status NOT IN ({seen})' if seen else ""
            jql = f'project = "{project}"{where} ORDER BY updated DESC'
            pages = (self._cloud_pages(jql, ["status"], 50, None) if self.is_cloud
                     else self._server_pages(jql, ["status"], 50, None))
            issues = next(iter(pages), [])
            for issue in issues:
                status = (issue.get("fields") or {}).get("status") or {}
                name = str(status.get("name") or "")
                if name:
                    counts[name] += 1
                    categories[name] = str((status.get("statusCategory") or {}).get("key", ""))
            if not issues:
                break
        return [(name, categories[name]) for name, _ in counts.most_common()]

    def versions(self, project: str) -> list[FixVersion]:
        """Every version of ``project`` with its release date (one unpaginated request)."""
        raw = self._get(f"project/{quote(project, safe='')}/versions")
        return [convert.fix_version(v, project) for v in raw]

    def fetch_updated(
        self, team_query: str, since: datetime | None, *, overlap: timedelta,
        count: bool = False,
    ) -> Iterator[IssuePage]:
        """Pages of issues updated at or after ``since - overlap``, oldest update first.

        Each page says the search's ``total`` where Jira does: Server/Data Center in every
        answer; Cloud only through its approximate count, one more request, asked with
        ``count`` (a progress bar wants it; a quiet poll does not)."""
        mark = self.sent  # the first page also carries the connection's start-up requests
        jql = convert.incremental_jql(team_query, since, overlap, self.timezone())
        event(log, "jira.search", since=since.isoformat() if since else "beginning")
        total: int | None = None
        if count and self.is_cloud:
            client = self._jira()
            total = int(cast(int, self._call("approximate count",
                                             lambda: client.approximate_issue_count(jql))))
        pages = self._cloud_pages(jql) if self.is_cloud else self._server_pages(jql)
        for issues in pages:
            page = self._page(issues)  # changelog and version pages it needed are its cost
            total = total if self.is_cloud else self.server_total
            yield replace(page, requests=self.sent - mark, total=total)
            mark = self.sent

    def member_keys(self, team_query: str) -> MemberKeys:
        """Every key the team's query matches now: keys only, so Jira Cloud sends up to
        5,000 a page (Server/Data Center: its search cap, 1,000 by default)."""
        mark = self.sent
        jql = convert.member_jql(team_query)
        size = KEYS_PAGE_CLOUD if self.is_cloud else KEYS_PAGE_SERVER
        pages = (self._cloud_pages(jql, KEY_FIELDS, size, None) if self.is_cloud
                 else self._server_pages(jql, KEY_FIELDS, size, None))
        keys: set[str] = set()
        for issues in pages:
            keys.update(str(issue["key"]) for issue in issues)
        return MemberKeys(frozenset(keys), self.sent - mark)

    # ---- searching -------------------------------------------------------------------

    def _cloud_pages(
        self, jql: str, fields: Sequence[str] = convert.SEARCH_FIELDS, size: int | None = None,
        expand: str | None = "changelog",
    ) -> Iterator[list[dict[str, Any]]]:
        client = self._jira()
        token: str | None = None
        while True:
            def search(token: str | None = token) -> Any:
                return client.enhanced_search_issues(
                    jql, nextPageToken=token, maxResults=size or self.page_size,
                    fields=list(fields), expand=expand, json_result=True,
                )

            result = cast(dict[str, Any], self._call("search", search))
            yield list(result.get("issues") or [])
            token = result.get("nextPageToken")
            if not token or result.get("isLast", False):
                return

    def _server_pages(
        self, jql: str, fields: Sequence[str] = convert.SEARCH_FIELDS, size: int | None = None,
        expand: str | None = "changelog",
    ) -> Iterator[list[dict[str, Any]]]:
        client = self._jira()
        start = 0
        while True:
            def search(start: int = start) -> Any:
                return client.search_issues(
                    jql, startAt=start, maxResults=size or self.page_size,
                    fields=list(fields), expand=expand, json_result=True,
                )

            result = cast(dict[str, Any], self._call("search", search))
            issues = list(result.get("issues") or [])
            self.server_total = int(result.get("total") or 0)
            yield issues
            start += len(issues)
            if not issues or start >= int(result.get("total") or 0):
                return

    def _page(self, issues: list[dict[str, Any]]) -> IssuePage:
        base = self.config.url
        items = [convert.work_item(raw, base) for raw in issues]
        changes = []
        versions: dict[str, FixVersion] = {}
        thin: set[str] = set()  # projects whose embedded versions lack release facts
        for raw in issues:
            changes += convert.status_changes(str(raw["key"]), self._histories(raw))
            versions.update((v.version_id, v) for v in convert.issue_fix_versions(raw))
            if any("released" not in v for v in raw["fields"].get("fixVersions") or ()):
                thin.add(str(raw["fields"]["project"]["key"]))
        for project in sorted(thin):
            wanted = {v.version_id: v for v in self.versions(project) if v.version_id in versions}
            versions.update(wanted)
        return IssuePage(items=items, changes=changes, fix_versions=list(versions.values()),
                         cursor=convert.max_updated(items))

    def _histories(self, raw: dict[str, Any]) -> list[dict[str, Any]]:
        """The complete changelog: inline histories plus any the inline page left out."""
        inline = raw.get("changelog") or {}
        histories: list[dict[str, Any]] = list(inline.get("histories") or [])
        total = int(inline.get("total") or len(histories))
        if len(histories) >= total and not inline.get("startAt"):
            return histories
        # Cloud keeps only the latest histories inline: read the rest, oldest first.
        seen = {str(h["id"]) for h in histories}
        missing = total - len(histories)
        start, older = 0, []
        while start < missing:
            page = self._get(f"issue/{quote(str(raw['key']), safe='')}/changelog",
                             {"startAt": start, "maxResults": CHANGELOG_PAGE})
            values = list(page.get("values") or [])
            older += [h for h in values if str(h["id"]) not in seen]
            start += len(values)
            if not values or page.get("isLast", False):
                break
        event(
            log, "jira.changelog_completed", logging.DEBUG, key=raw["key"], inline=len(histories),
            fetched=len(older)
        )
        return older + histories
