"""The repository events feed of the GitHub sandbox (``GET /repos/{owner}/{repo}/events``).

GitHub documents this feed as "optimized for polling with the ETag header": a poll that
finds no new event is a ``304 Not Modified`` that leaves the rate limit untouched, and
``X-Poll-Interval`` says how often to poll. The timeline holds at most 300 events, newest
first. The event types and actions are those of GitHub's "event types" page:

- ``PullRequestEvent``: opened, edited, closed (merged or not), reopened, synchronize,
  review_requested, review_request_removed: *not* a draft turned ready for review;
- ``PullRequestReviewEvent``: created (pending reviews are private, so never shown);
- ``ReleaseEvent``: published only (an edited release shows nothing), with the
  ``CreateEvent`` of its tag;
- ``CreateEvent`` of a tag pushed without a release (one no release of the repository
  uses), at the annotated tag's date, else at the tagged commit's. Deployments and their
  statuses never show: GitHub's feed leaves them out.

The feed is observed from the world rather than written by it, so a test that mutates the
world directly still shows up: each request compares every pull request, review, release
and tag with what the feed saw last and puts what changed at the head, in time order. The
first look at a repository lays out its history the same way. ``hold()`` stops observing
(the feed stays as it was) to play GitHub's documented latency of 30 s to 6 h.
"""

from __future__ import annotations

import threading
from collections import deque
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import datetime

from integrations.sandbox.github.common import Json, ts
from integrations.sandbox.github.payloads import Payloads
from integrations.sandbox.world import GhPull, GhRelease, GhRepo, GhReview

TIMELINE = 300  # events a timeline holds
POLL_INTERVAL = 60  # seconds, GitHub's usual X-Poll-Interval
FIRST_ID = 40_000_000_000  # event ids are large, increasing numbers sent as strings

PullVersion = tuple[str, str | None, str, str, str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Event:
    """One observed event, rendered to JSON only when a page shows it. It keeps copies of
    what it is about, as GitHub's events do: a release deleted later still renders."""

    id: int
    type: str
    at: datetime
    actor: str
    action: str | None = None
    pull: GhPull | None = None
    base_sha: str = ""
    review: GhReview | None = None
    release: GhRelease | None = None
    ref: str | None = None


@dataclass(slots=True)
class _Seen:
    pulls: dict[int, PullVersion] = field(default_factory=dict)
    reviews: set[int] = field(default_factory=set)
    published: set[int] = field(default_factory=set)  # release ids seen published
    tags: set[str] = field(default_factory=set)  # tags whose CreateEvent was shown
    pushed: set[str] = field(default_factory=set)  # of those, the ones without a release
    timeline: deque[Event] = field(default_factory=lambda: deque(maxlen=TIMELINE))


class EventFeed:
    """Per repository, the timeline of events observed so far."""

    def __init__(self) -> None:
        self._seen: dict[str, _Seen] = {}
        self._next = FIRST_ID
        self._held = False
        self._lock = threading.Lock()

    def hold(self) -> None:
        """Stop observing: every timeline stays as it is until :meth:`resume`."""
        self._held = True

    def resume(self) -> None:
        """Observe again: what changed while held appears at the next request."""
        self._held = False

    def timeline(self, r: GhRepo) -> list[Event]:
        """The repository's events, newest first (call with the world's lock held)."""
        with self._lock:
            seen = self._seen.get(r.full_name)
            if seen is None:
                seen = self._seen[r.full_name] = _Seen()
                self._observe(r, seen)  # the history, even while held: the repo existed
            elif not self._held:
                self._observe(r, seen)
            return list(reversed(seen.timeline))

    def _observe(self, r: GhRepo, seen: _Seen) -> None:
        found: list[tuple[datetime, int, Event]] = []

        def add(
            kind: str, at: datetime, actor: str, *, action: str | None = None,
            pull: GhPull | None = None, review: GhReview | None = None,
            release: GhRelease | None = None, ref: str | None = None,
        ) -> None:
            base = r.branches.get(pull.base_ref, "") if pull is not None else ""
            event = Event(0, kind, at, actor, action, copy(pull), base, copy(review),
                          copy(release), ref)
            found.append((at, len(found), event))

        for pull in r.pulls.values():
            version = _version(pull)
            before = seen.pulls.get(pull.number)
            if before is None:
                add("PullRequestEvent", pull.created_at, pull.user, action="opened", pull=pull)
                if pull.state == "closed":
                    add("PullRequestEvent", pull.closed_at or pull.updated_at, pull.user,
                        action="closed", pull=pull)
            elif before != version:
                action = _pull_action(before, version)
                if action is not None:
                    add("PullRequestEvent", pull.updated_at, pull.user, action=action,
                        pull=pull)
            seen.pulls[pull.number] = version
            for review in pull.reviews:
                if review.id in seen.reviews or review.state == "PENDING":
                    continue
                seen.reviews.add(review.id)
                add("PullRequestReviewEvent", review.submitted_at or pull.updated_at, review.user,
                    action="created", pull=pull, review=review)
        released = {release.tag_name for release in r.releases}  # drafts too: theirs later
        for name, sha in r.tags.items():
            # a release's tag comes with the release; a deleted release leaves its tag behind,
            # already shown; a tag of a commit the world lacks has no time to show at
            commit = r.commits.get(sha)
            if name in released or name in seen.tags or commit is None:
                continue
            seen.tags.add(name)
            seen.pushed.add(name)
            obj = r.annotated.get(name)
            if obj is not None:
                add("CreateEvent", obj.date, obj.tagger, ref=name)
            else:
                add("CreateEvent", commit.date, commit.author_login, ref=name)
        for release in r.releases:
            if release.draft or release.id in seen.published:
                continue
            seen.published.add(release.id)
            at = release.published_at or release.created_at
            if release.tag_name not in seen.pushed:  # a release of a pushed tag creates none
                add("CreateEvent", at, release.author, ref=release.tag_name)
                seen.tags.add(release.tag_name)
            add("ReleaseEvent", at, release.author, action="published", release=release)
        for _, _, event in sorted(found, key=lambda f: (f[0], f[1])):
            self._next += 1
            seen.timeline.append(replace(event, id=self._next))


def _version(pull: GhPull) -> PullVersion:
    # what the listed actions report; a draft flag or a bare updated_at is not among them
    return (pull.state, pull.head_sha, pull.title, pull.body, pull.head_ref,
            pull.base_ref, tuple(pull.requested_reviewers))


def _pull_action(before: PullVersion, after: PullVersion) -> str | None:
    if before[0] != after[0]:
        return "closed" if after[0] == "closed" else "reopened"
    if before[1] != after[1]:
        return "synchronize"
    if before[2:6] != after[2:6]:
        return "edited"
    if before[6] != after[6]:
        return "review_requested" if set(after[6]) - set(before[6]) else "review_request_removed"
    return None


def render(payloads: Payloads, r: GhRepo, event: Event) -> Json:
    """The ``event`` JSON GitHub lists for ``event``."""
    actor = payloads.user(event.actor)
    body: Json = {
        "id": str(event.id),
        "type": event.type,
        "actor": {
            "id": actor["id"],
            "login": actor["login"],
            "display_login": actor["login"],
            "gravatar_id": "",
            "url": actor["url"],
            "avatar_url": actor["avatar_url"],
        },
        "repo": {"id": r.id, "name": r.full_name, "url": f"{payloads.api}/repos/{r.full_name}"},
        "payload": _payload(payloads, r, event),
        "public": not r.private,
        "created_at": ts(event.at),
    }
    owner = payloads.user(r.owner)
    if owner["type"] == "Organization":
        body["org"] = {k: owner[k] for k in ("id", "login", "gravatar_id", "url", "avatar_url")}
    return body


def _payload(payloads: Payloads, r: GhRepo, event: Event) -> Json:
    if event.type == "CreateEvent":
        return {"ref": event.ref, "ref_type": "tag", "master_branch": r.default_branch,
                "description": None, "pusher_type": "user"}
    if event.release is not None:
        return {"action": event.action, "release": payloads.release(r, event.release)}
    pull = event.pull
    assert pull is not None
    url = f"{payloads.api}/repos/{r.full_name}/pulls/{pull.number}"
    compact = {
        "url": url, "id": pull.id, "number": pull.number,
        "head": {"ref": pull.head_ref, "sha": pull.head_sha},
        "base": {"ref": pull.base_ref, "sha": event.base_sha},
    }
    if event.review is not None:
        return {"action": event.action, "review": payloads.review(r, pull, event.review),
                "pull_request": compact}
    return {"action": event.action, "number": pull.number, "pull_request": compact}
