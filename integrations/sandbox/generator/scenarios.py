"""Named scenarios: which teams a generated organisation has and how each one behaves.

A :class:`TeamPlan` is the recipe the generator follows for one team: its Jira project,
repositories, people, how fast specs get picked up, and its release rhythm. ``small`` is a
handful of items for unit tests, ``default`` scales with ``size`` (Jira items) up to
100,000, ``demo`` tells the story Crosswalk exists for (see :func:`demo_plans`), ``mixed``
has one team per release source: GitHub releases, deployments and tags.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

SCENARIOS = ("small", "default", "demo", "large", "mixed", "load")
DEFAULT_SIZE = 200
LARGE_SIZE = 100_000
ITEMS_PER_TEAM = 400  # generated teams hold about this many items each

_NAMES = (
    ("payments", "PAY"), ("checkout", "CHK"), ("orders", "ORD"), ("invoicing", "INV"),
    ("shipping", "SHP"), ("accounts", "ACC"), ("search", "SRC"), ("notifications", "NTF"),
    ("catalog", "CAT"), ("pricing", "PRC"), ("identity", "IDN"), ("reporting", "RPT"),
    ("mobile", "MOB"), ("platform", "PLT"), ("growth", "GRO"), ("support", "SUP"),
)
_REPO_SUFFIXES = ("api", "web", "worker")


@dataclass(frozen=True, slots=True)
class TeamPlan:
    """How the generator builds one team."""

    name: str
    key: str  # Jira project key
    repos: tuple[str, ...]  # "owner/name"
    items: int  # Jira items (incidents come on top)
    product: int = 1  # product people
    engineers: int = 3
    timezone: str = "Europe/London"
    pickup_hours: tuple[float, float] = (2.0, 80.0)  # log-uniform handoff → pickup, calendar
    cycle_hours: tuple[float, float] = (3.0, 120.0)  # PR opened → merged
    review_hours: tuple[float, float] = (0.5, 30.0)  # PR opened → first human review
    cadence_days: float = 14.0  # between regular releases
    release_weeks_ago: tuple[float, ...] = ()  # explicit release times instead of a cadence
    baseline_weeks_ago: float = 17.0  # a first release before the items start
    hotfix_rate: float = 0.2  # share of regular releases followed by a hotfix
    revert_rate: float = 0.15  # share of regular releases followed by a merged revert
    incident_rate: float = 0.2  # share of regular releases followed by an incident
    prerelease_rate: float = 0.2  # share of regular releases preceded by a release candidate
    draft_next: bool = True  # a draft of the next release sits unpublished at ``now``
    backlog_share: float = 0.3  # items never handed off
    people_offset: int = 0  # other-timezone people: every n-th person (0: none)
    stage_alerts: bool = False  # add items whose waits are past the alert thresholds at now
    ships_by: str = "releases"  # "deployments" (generator/deployed.py) or "tags" (annotated)


def team_plans(scenario: str, size: int | None, seed: int) -> list[TeamPlan]:
    """The teams of a named scenario."""
    if scenario == "small":
        return [
            TeamPlan("payments", "PAY", ("acme/payments-api",), items=size or 6, engineers=2),
            TeamPlan("checkout", "CHK", ("acme/checkout-web",), items=size or 6, engineers=2,
                     timezone="America/New_York", cadence_days=7.0),
        ]
    if scenario == "demo":
        return demo_plans(size or 90)
    if scenario == "mixed":
        each = max((size or 120) // 3, 10)
        return [
            TeamPlan("payments", "PAY", ("acme/payments-api",), items=each, cadence_days=7.0),
            TeamPlan("storefront", "STO", ("acme/storefront",), items=each, cadence_days=3.0,
                     hotfix_rate=0.0, revert_rate=0.0, incident_rate=0.0, prerelease_rate=0.0,
                     draft_next=False, ships_by="deployments"),
            TeamPlan("ledger", "LED", ("acme/ledger-api", "acme/ledger-web"), items=each,
                     cadence_days=10.0, hotfix_rate=0.5, ships_by="tags"),
        ]
    if scenario == "load":  # bench/load.py: many teams and repositories, little history each
        return load_plans(size or 2_000, seed)
    if scenario in ("default", "large"):
        total = size or (LARGE_SIZE if scenario == "large" else DEFAULT_SIZE)
        return generated_plans(total, seed)
    raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")


def demo_plans(size: int) -> list[TeamPlan]:
    """Payments: quarterly releases, specs waiting weeks, a hotfix after every release.

    Checkout: a two-week cadence, pickups within hours, small releases.

    Storefront: deploys to production from CI several times a week (no GitHub releases),
    with a failed attempt and a rollback.
    """
    half = max(size // 2, 10)
    payments = TeamPlan(
        "payments", "PAY", ("acme/payments-api", "acme/payments-web"), items=half,
        product=2, engineers=4, pickup_hours=(60.0, 700.0), cycle_hours=(20.0, 200.0),
        review_hours=(4.0, 60.0), release_weeks_ago=(10.0, 2.3), baseline_weeks_ago=23.0,
        hotfix_rate=1.0, revert_rate=0.5, incident_rate=1.0, prerelease_rate=0.5,
        backlog_share=0.15, people_offset=3, stage_alerts=True,
    )
    checkout = TeamPlan(
        "checkout", "CHK", ("acme/checkout-web",), items=half, product=1, engineers=3,
        pickup_hours=(0.5, 8.0), cycle_hours=(2.0, 30.0), review_hours=(0.3, 6.0),
        cadence_days=14.0, baseline_weeks_ago=17.0, hotfix_rate=0.0, revert_rate=0.1,
        incident_rate=0.1, prerelease_rate=0.0, backlog_share=0.15, people_offset=4,
        timezone="Europe/London",
    )
    storefront = TeamPlan(
        "storefront", "STO", ("acme/storefront",), items=max(size // 3, 10), product=1,
        engineers=3, pickup_hours=(0.5, 6.0), cycle_hours=(2.0, 20.0), review_hours=(0.3, 4.0),
        cadence_days=2.5, baseline_weeks_ago=17.0, hotfix_rate=0.0, revert_rate=0.0,
        incident_rate=0.0, prerelease_rate=0.0, draft_next=False, backlog_share=0.15,
        ships_by="deployments",
    )
    return [payments, checkout, storefront]


LOAD_TEAMS, LOAD_REPOS_PER_TEAM = 100, 5


def load_plans(total: int, seed: int) -> list[TeamPlan]:
    """100 teams of five repositories each (500), ``total`` items between them."""
    plans = generated_plans(LOAD_TEAMS * ITEMS_PER_TEAM, seed)  # varied habits, 100 teams
    out = []
    for index, plan in enumerate(plans):
        name, key = f"team{index:03d}", f"T{index:03d}"
        repos = tuple(f"acme/{name}-{n}" for n in range(LOAD_REPOS_PER_TEAM))
        out.append(replace(plan, name=name, key=key, repos=repos,
                           items=max(total // LOAD_TEAMS, 2)))
    return out


def generated_plans(total: int, seed: int) -> list[TeamPlan]:
    """Teams for ``total`` items, about :data:`ITEMS_PER_TEAM` each, with varied habits."""
    rng = random.Random(f"teams:{seed}")
    count = max(2, -(-total // ITEMS_PER_TEAM))
    plans: list[TeamPlan] = []
    for index in range(count):
        base, key = _NAMES[index % len(_NAMES)]
        round_ = index // len(_NAMES)
        name = base if round_ == 0 else f"{base}-{round_ + 1}"
        key = key if round_ == 0 else f"{key}{round_ + 1}"
        items = total // count + (1 if index < total % count else 0)
        repos = tuple(f"acme/{name}-{s}" for s in _REPO_SUFFIXES[: rng.randint(1, 3)])
        fast = rng.random() < 0.5
        plans.append(TeamPlan(
            name, key, repos, items=items, product=rng.randint(1, 2),
            engineers=rng.randint(2, 6),
            timezone="America/New_York" if rng.random() < 0.25 else "Europe/London",
            pickup_hours=(1.0, 24.0) if fast else (8.0, 400.0),
            cadence_days=rng.choice((7.0, 14.0, 21.0, 42.0)),
            hotfix_rate=rng.choice((0.0, 0.2, 0.5)), people_offset=rng.choice((0, 3, 4)),
            backlog_share=0.55,
        ))
    return plans
