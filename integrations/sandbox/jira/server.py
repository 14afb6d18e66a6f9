"""The Jira sandbox: a loopback server that speaks enough Jira Cloud (and Server) REST.

It serves ``world.jira`` under ``/rest/api/{2,3}``: serverInfo, myself, projects and their
versions, issues with their changelogs, the enhanced search (``/search/jql`` with
``nextPageToken``) and the approximate count. The retired ``/search`` answers 410 on Cloud
as Cloud does; on a ``Server``/``DataCenter`` deployment it is the classic
``startAt``/``total`` search and ``/search/jql`` does not exist. Inline changelogs are
truncated like Cloud's, so clients must page the rest from ``/issue/{key}/changelog``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Any
from zoneinfo import ZoneInfo

from integrations.sandbox.base import Fault, Request, Response, SandboxServer
from integrations.sandbox.jira.jql import JqlError, parse
from integrations.sandbox.jira.payloads import ALL_FIELDS, JiraPayloads, errors, jira_time
from integrations.sandbox.jira.workflows import project_statuses
from integrations.sandbox.world import JiraIssue, World

API = r"/rest/api/(?P<v>2|3|latest)"
REMOVED_SEARCH = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at "
    "https://developer.atlassian.com/changelog/#CHANGE-2046"
)
UNBOUNDED = ("Unbounded JQL queries are not allowed here. "
             "Please add a search restriction to your query.")


class JiraServer(SandboxServer):
    """Jira Cloud (or Server/DC, by ``world.jira.deployment_type``) REST on loopback."""

    name = "jira"
    search_changelog_cap = 40  # histories inline per issue in search results (Cloud: ~40)
    issue_changelog_cap = 100  # histories inline on GET /issue/{key}?expand=changelog
    search_page_cap = 100  # maxResults cap when more than id/key are asked for
    id_page_cap = 5000  # maxResults cap for fields=id/key only
    server_search_cap = 1000  # classic /search cap on Server/DC

    def __init__(self, world: World, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.rate_limit_headers = True  # add X-RateLimit-*/RateLimit-Reason to injected 429s
        self.thin_versions = False  # embed issue fixVersions without released/releaseDate
        super().__init__(world, host=host, port=port)

    def start(self) -> JiraServer:
        """Start listening; answers leave at once (no Nagle delay between header and body)."""
        super().start()
        # The base handler writes headers and body separately; with Nagle on, every
        # keep-alive answer waits ~40 ms for the client's delayed ACK.
        if self._httpd is not None:
            setattr(self._httpd.RequestHandlerClass, "disable_nagle_algorithm", True)  # noqa: B010
        return self

    def revoke_token(self, replacement: str = "revoked-by-test") -> None:
        """Rotate the site's token: requests with the old one now get 401."""
        with self.world.lock:
            self.world.jira.api_token = replacement

    # ---- wiring ----------------------------------------------------------------------

    @property
    def cloud(self) -> bool:
        """Whether the site claims ``deploymentType: Cloud``."""
        return self.world.jira.deployment_type == "Cloud"

    @property
    def tz(self) -> ZoneInfo:
        """The searching (and rendering) user's timezone."""
        return ZoneInfo(self.world.jira.myself.time_zone)

    def setup(self) -> None:
        """Register the Jira routes."""
        r = self.route
        r("GET", API + r"/serverInfo", self.server_info)
        r("GET", API + r"/myself", self.myself)
        r("GET", API + r"/field", self.fields)
        r("GET", API + r"/project", self.projects)
        r("GET", API + r"/project/(?P<key>[^/]+)", self.project)
        r("GET", API + r"/project/(?P<key>[^/]+)/versions", self.versions)
        r("GET", API + r"/project/(?P<key>[^/]+)/version", self.versions_page)
        r("GET", API + r"/project/(?P<key>[^/]+)/statuses", self.statuses)
        r("GET", API + r"/version/(?P<id>[^/]+)", self.version)
        r("GET", API + r"/issue/(?P<key>[^/]+)", self.issue)
        r("GET", API + r"/issue/(?P<key>[^/]+)/changelog", self.changelog)
        r("GET", API + r"/search/jql", self.search_jql)
        r("POST", API + r"/search/jql", self.search_jql)
        r("POST", API + r"/search/approximate-count", self.approximate_count)
        r("GET", API + r"/search", self.search_classic)
        r("POST", API + r"/search", self.search_classic)

    def authorize(self, request: Request) -> Response | None:
        """Cloud: basic ``email:api_token``; Server/DC: bearer PAT (or basic)."""
        jira = self.world.jira
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                user, _, secret = base64.b64decode(value).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, secret = "", ""
            if user == jira.email and secret == jira.api_token:
                return None
        elif scheme.lower() == "bearer" and not self.cloud and value == jira.api_token:
            return None
        response = errors("Client must be authenticated to access this resource.", status=401)
        response.headers["WWW-Authenticate"] = 'Basic realm="protected-area"'
        return response

    def error_response(self, fault: Fault) -> Response:
        """Injected faults in Jira's ErrorCollection shape, with its rate-limit headers."""
        headers = dict(fault.headers)
        if fault.retry_after is not None:
            headers["Retry-After"] = str(max(0, round(fault.retry_after)))
        if fault.status == 429 and self.rate_limit_headers:
            headers.setdefault("X-RateLimit-Limit", "100")
            headers.setdefault("X-RateLimit-Remaining", "0")
            headers.setdefault("X-RateLimit-NearLimit", "true")
            headers.setdefault("X-RateLimit-Reset", self.world.now.strftime("%Y-%m-%dT%H:%MZ"))
            headers.setdefault("RateLimit-Reason", "jira-burst-based")
        messages = {429: "Rate limit exceeded.", 503: "Service Unavailable"}
        body = fault.body if fault.body is not None else {
            "errorMessages": [messages.get(fault.status, "Internal server error")], "errors": {}}
        return Response.json(body, fault.status, headers)

    def not_found(self, request: Request) -> Response:
        """Jira's 404 for an unknown path."""
        return errors("null for uri: " + request.path, status=404)

    # ---- rendering -------------------------------------------------------------------

    def base(self, request: Request) -> str:
        """The base URL the client used (so ``self`` links point back here)."""
        return "http://" + request.headers.get("host", "127.0.0.1")

    def render(self, request: Request) -> JiraPayloads:
        """The payload renderer for this request."""
        return JiraPayloads(self.world, self.base(request), thin_versions=self.thin_versions)

    # ---- plain resources -------------------------------------------------------------

    def server_info(self, request: Request, match: re.Match[str]) -> Response:
        """``GET serverInfo``: Cloud claims ``deploymentType: Cloud``."""
        numbers = [1001, 0, 0] if self.cloud else [9, 12, 0]
        return Response.json({
            "baseUrl": self.base(request), "displayUrl": self.base(request),
            "version": ".".join(map(str, numbers)) + ("-SNAPSHOT" if self.cloud else ""),
            "versionNumbers": numbers, "deploymentType": self.world.jira.deployment_type,
            "buildNumber": 100_300, "buildDate": "2026-11-01T00:00:00.000+0000",
            "serverTime": jira_time(self.world.now, self.tz),
            "scmInfo": "0f8e7d6c5b4a39281706f5e4d3c2b1a098765432", "serverTitle": "Jira",
        })

    def myself(self, request: Request, match: re.Match[str]) -> Response:
        """``GET myself``: the token's user, with ``timeZone``."""
        return Response.json(self.render(request).user_json(self.world.jira.myself, full=True))

    def fields(self, request: Request, match: re.Match[str]) -> Response:
        """``GET field``: the system fields (the library maps JQL names through it)."""
        names = {"fixVersions": "Fix versions", "issuetype": "Issue Type",
                 "resolutiondate": "Resolved"}
        return Response.json([
            {"id": f, "key": f, "name": names.get(f, f.capitalize()), "custom": False,
             "navigable": True, "searchable": True, "clauseNames": [f]}
            for f in ALL_FIELDS
        ])

    def projects(self, request: Request, match: re.Match[str]) -> Response:
        """``GET project``: every project, as a plain list."""
        render = self.render(request)
        return Response.json([render.project_json(k) for k in self.world.jira.projects])

    def project(self, request: Request, match: re.Match[str]) -> Response:
        """``GET project/{key}``."""
        key = self._project_key(match["key"])
        if key is None:
            return errors(f"No project could be found with key '{match['key']}'.", status=404)
        return Response.json(self.render(request).project_json(key))

    def statuses(self, request: Request, match: re.Match[str]) -> Response:
        """``GET project/{key}/statuses``: each issue type with its workflow's statuses."""
        key = self._project_key(match["key"])
        if key is None:
            return errors(f"No project could be found with key '{match['key']}'.", status=404)
        return Response.json(project_statuses(self.world, key, self.render(request),
                                              self.base(request)))

    def _project_key(self, key_or_id: str) -> str | None:
        for project in self.world.jira.projects.values():
            if key_or_id.upper() == project.key or key_or_id == project.id:
                return project.key
        return None

    def _project_versions(self, request: Request, key: str) -> list[dict[str, Any]]:
        return [self.render(request).version_json(v) for v in
                sorted(self.world.jira.versions.values(), key=lambda v: int(v.id))
                if v.project == key]

    def versions(self, request: Request, match: re.Match[str]) -> Response:
        """``GET project/{key}/versions``: a plain, unpaginated list."""
        key = self._project_key(match["key"])
        if key is None:
            return errors(f"No project could be found with key '{match['key']}'.", status=404)
        return Response.json(self._project_versions(request, key))

    def versions_page(self, request: Request, match: re.Match[str]) -> Response:
        """``GET project/{key}/version``: PageBeanVersion (startAt/maxResults/total)."""
        key = self._project_key(match["key"])
        if key is None:
            return errors(f"No project could be found with key '{match['key']}'.", status=404)
        values = self._project_versions(request, key)
        start, size = _int(request.arg("startAt"), 0), min(_int(request.arg("maxResults"), 50), 50)
        page = values[start:start + size]
        return Response.json({"self": self.base(request) + request.path, "maxResults": size,
                              "startAt": start, "total": len(values),
                              "isLast": start + len(page) >= len(values), "values": page})

    def version(self, request: Request, match: re.Match[str]) -> Response:
        """``GET version/{id}``."""
        version = self.world.jira.versions.get(match["id"])
        if version is None:
            return errors(f"Could not find version for id '{match['id']}'", status=404)
        return Response.json(self.render(request).version_json(version))

    def _issue(self, key_or_id: str) -> JiraIssue | None:
        jira = self.world.jira
        found = jira.issues.get(key_or_id.upper())
        return found or next((i for i in jira.issues.values() if i.id == key_or_id), None)

    def issue(self, request: Request, match: re.Match[str]) -> Response:
        """``GET issue/{key}``: all fields unless ``fields`` says otherwise."""
        issue = self._issue(match["key"])
        if issue is None:
            return errors("Issue does not exist or you do not have permission to see it.",
                          status=404)
        fields = _fields(request.query.get("fields"), default=set(ALL_FIELDS))
        expand = _expand(request.arg("expand"))
        return Response.json(self.render(request).issue_json(
            issue, fields, expand=expand, changelog_cap=self.issue_changelog_cap))

    def changelog(self, request: Request, match: re.Match[str]) -> Response:
        """``GET issue/{key}/changelog``: PageBeanChangelog, oldest first."""
        issue = self._issue(match["key"])
        if issue is None:
            return errors("Issue does not exist or you do not have permission to see it.",
                          status=404)
        start = _int(request.arg("startAt"), 0)
        size = max(1, min(_int(request.arg("maxResults"), 100), 100))
        page = issue.histories[start:start + size]
        total = len(issue.histories)
        url = f"{self.base(request)}{request.path}?maxResults={size}&startAt="
        out: dict[str, Any] = {"self": url + str(start), "maxResults": size, "startAt": start,
                               "total": total, "isLast": start + len(page) >= total,
                               "values": [self.render(request).history_json(h) for h in page]}
        if not out["isLast"]:
            out["nextPage"] = url + str(start + size)
        return Response.json(out)

    # ---- search ----------------------------------------------------------------------

    def _matching(self, jql: str, *, bounded: bool = False) -> list[JiraIssue]:
        query = parse(jql, tz=self.tz, now=self.world.now, projects=self.world.jira.projects)
        if bounded and query.where is None:  # Cloud's enhanced search refuses these
            raise JqlError(UNBOUNDED)
        return query.sort([i for i in self.world.jira.issues.values() if query.matches(i)])

    def search_jql(self, request: Request, match: re.Match[str]) -> Response:
        """``GET|POST search/jql``: enhanced search paged by ``nextPageToken`` (Cloud only)."""
        if not self.cloud:
            return self.not_found(request)
        params = _search_params(request)
        jql = str(params.get("jql") or "")
        try:
            issues = self._matching(jql, bounded=True)
        except JqlError as error:
            return errors(str(error), status=400)
        fields = _fields(params.get("fields"), default={"id"})
        offset = _decode_token(params.get("nextPageToken"), jql)
        if offset is None:
            return errors("The provided next page token is invalid or expired.", status=400)
        cap = self.id_page_cap if fields <= {"id", "key"} else self.search_page_cap
        size = max(1, min(_int(params.get("maxResults"), 50), cap))
        page = issues[offset:offset + size]
        expand = _expand(params.get("expand"))
        render = self.render(request)
        out: dict[str, Any] = {"issues": [
            render.issue_json(i, fields, expand=expand, changelog_cap=self.search_changelog_cap)
            for i in page
        ]}
        if offset + size < len(issues):
            out["nextPageToken"] = _encode_token(offset + size, jql)
        out["isLast"] = offset + size >= len(issues)
        return Response.json(out)

    def approximate_count(self, request: Request, match: re.Match[str]) -> Response:
        """``POST search/approximate-count`` → ``{count}``."""
        if not self.cloud:
            return self.not_found(request)
        try:
            return Response.json({"count": len(self._matching(str(request.json().get("jql", ""))))})
        except JqlError as error:
            return errors(str(error), status=400)

    def search_classic(self, request: Request, match: re.Match[str]) -> Response:
        """``GET|POST search``: 410 on Cloud; the classic startAt/total search on Server/DC."""
        if self.cloud:
            return errors(REMOVED_SEARCH, status=410)
        params = _search_params(request)
        try:
            issues = self._matching(str(params.get("jql") or ""))
        except JqlError as error:
            return errors(str(error), status=400)
        fields = _fields(params.get("fields"), default=set(ALL_FIELDS))
        start = _int(params.get("startAt"), 0)
        size = max(0, min(_int(params.get("maxResults"), 50), self.server_search_cap))
        expand = _expand(params.get("expand"))
        render = self.render(request)
        return Response.json({
            "expand": "schema,names", "startAt": start, "maxResults": size,
            "total": len(issues),
            "issues": [render.issue_json(i, fields, expand=expand,
                                         changelog_cap=self.issue_changelog_cap)
                       for i in issues[start:start + size]],
        })


# ---- request helpers ---------------------------------------------------------------------


def _int(value: Any, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default


def _search_params(request: Request) -> dict[str, Any]:
    """Query parameters (GET, lists kept) or the JSON body (POST)."""
    if request.method == "POST":
        body = request.json()
        return body if isinstance(body, dict) else {}
    params: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
    if "fields" in request.query:
        params["fields"] = request.query["fields"]
    return params


def _fields(raw: Any, *, default: set[str]) -> set[str]:
    """The asked fields: lists or comma strings; ``*all``/``*navigable`` mean everything."""
    if raw is None:
        return set(default)
    items = raw if isinstance(raw, list) else [raw]
    names = {part.strip() for item in items for part in str(item).split(",") if part.strip()}
    if names & {"*all", "*navigable"}:
        names |= set(ALL_FIELDS)
    return names


def _expand(raw: Any) -> set[str]:
    items = raw if isinstance(raw, list) else [raw or ""]
    return {part.strip() for item in items for part in str(item).split(",") if part.strip()}


def _query_tag(jql: str) -> str:
    return hashlib.sha256(jql.encode()).hexdigest()[:12]


def _encode_token(offset: int, jql: str) -> str:
    """An opaque page token bound to its query (like Cloud's, it is not a number)."""
    raw = json.dumps({"o": offset, "q": _query_tag(jql)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: Any, jql: str) -> int | None:
    if not token:
        return 0
    try:
        text = str(token)
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        offset = int(data["o"]) if data.get("q") == _query_tag(jql) else -1
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return offset if offset >= 0 else None


