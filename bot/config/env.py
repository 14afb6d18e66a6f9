"""The process environment (README "Configuration", docs/operations.md), read once by the CLI.

Nothing below the CLI reads ``os.environ``: the CLI builds an ``Env`` from it and passes it
down. ``required_env`` says which variables a command needs with a given config, so each
command asks only for the services it uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING
from urllib.parse import unquote, unquote_plus

from bot.core.errors import ConfigError

if TYPE_CHECKING:
    from bot.config.settings import Settings

DEFAULT_CONFIG = "config/crosswalk.yaml"
DEFAULT_DATABASE_URL = "sqlite:///crosswalk.db"
DEFAULT_GITHUB_API_URL = "https://api.github.com"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000

# What each variable is for, in the words of an error message.
# The standard proxy variables requests and httpx honour (either case).
PROXY_VARIABLES = tuple(
    name for base in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY") for name in (base, base.lower())
)
# Certificate bundles the HTTP libraries read from the environment: they need it consulted too.
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")

DESCRIPTIONS: dict[str, str] = {
    "CROSSWALK_CONFIG": "path of the YAML config",
    "DATABASE_URL": "SQLAlchemy database URL",
    "JIRA_URL": "Jira base URL, e.g. https://acme.atlassian.net",
    "JIRA_EMAIL": "Jira account email (Jira Cloud; or set JIRA_PAT for Server/Data Center)",
    "JIRA_API_TOKEN": "Jira API token (Jira Cloud; or set JIRA_PAT for Server/Data Center)",
    "JIRA_PAT": "Jira Server/Data Center personal access token",
    "GITHUB_TOKEN": "GitHub token (or a GitHub App: GITHUB_APP_ID and its installation)",
    "GITHUB_APP_ID": "GitHub App id (instead of GITHUB_TOKEN)",
    "GITHUB_APP_INSTALLATION_ID": "GitHub App installation id",
    "GITHUB_APP_PRIVATE_KEY": "GitHub App private key (PEM)",
    "GITHUB_APP_PRIVATE_KEY_FILE": "path of the GitHub App private key (PEM)",
    "GITHUB_API_URL": "GitHub API root",
    "SLACK_BOT_TOKEN": "Slack bot token (xoxb-...)",
    "SLACK_SIGNING_SECRET": "Slack request signing secret",
    "SLACK_APP_TOKEN": "Slack app-level token for Socket Mode (xapp-...)",
    "SLACK_API_URL": "Slack Web API root",
    "PORT": "HTTP port of serve",
}
SECRET_VARIABLES = frozenset(
    {
        "JIRA_API_TOKEN",
        "JIRA_PAT",
        "GITHUB_TOKEN",
        "GITHUB_APP_PRIVATE_KEY",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
    }
)
# The password runs to the last "@" of the URL (it may hold "/" or ":" unencoded, which
# SQLAlchemy accepts); libpq URLs may carry it as a ``password=`` query parameter instead.
_URL_PASSWORD = re.compile(r"(?P<head>://[^/:@\s]*:)(?P<password>\S*)(?P<tail>@[^@\s]*)$")
_QUERY_PASSWORD = re.compile(r"(?i)(?P<head>[?&]password=)(?P<password>[^&#\s]*)")


def mask_url(url: str) -> str:
    """A URL with any password replaced by ``***`` (for messages and logs)."""
    url = _URL_PASSWORD.sub(r"\g<head>***\g<tail>", url.strip())
    return _QUERY_PASSWORD.sub(r"\g<head>***", url)


def url_passwords(url: str) -> list[str]:
    """Every password ``url`` carries, as written and percent-decoded."""
    found: list[str] = []
    for pattern in (_URL_PASSWORD, _QUERY_PASSWORD):
        for match in pattern.finditer(url.strip()):
            raw = match.group("password")
            found += [raw, unquote(raw), unquote_plus(raw)] if raw else []
    return sorted(set(found))


@dataclass(frozen=True, slots=True, repr=False)
class Env:
    """The environment variables Crosswalk reads; empty values count as unset."""

    crosswalk_config: str = DEFAULT_CONFIG
    database_url: str = DEFAULT_DATABASE_URL
    jira_url: str | None = None
    jira_email: str | None = None
    jira_api_token: str | None = None
    jira_pat: str | None = None
    github_token: str | None = None
    github_app_id: str | None = None
    github_app_installation_id: str | None = None
    github_app_private_key: str | None = None
    github_app_private_key_file: str | None = None
    github_api_url: str = DEFAULT_GITHUB_API_URL
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = DEFAULT_PORT
    # A proxy or CA-bundle variable is set: only then do the HTTP clients consult the
    # environment per request (requests' proxy discovery costs about 170 µs a request).
    trust_env: bool = False
    proxy_passwords: tuple[str, ...] = field(default=(), repr=False)  # redacted like tokens

    @classmethod
    def from_mapping(cls, environ: Mapping[str, str]) -> Env:
        """Read the variables from ``environ``; ``ConfigError`` names every malformed one."""
        values: dict[str, object] = {}
        problems: list[str] = []
        proxies = [raw for name in PROXY_VARIABLES if (raw := (environ.get(name) or "").strip())]
        values["trust_env"] = bool(proxies) or any(
            (environ.get(name) or "").strip() for name in CA_VARIABLES)
        values["proxy_passwords"] = tuple(p for url in proxies for p in url_passwords(url))
        for spec in fields(cls):
            if spec.name in ("trust_env", "proxy_passwords"):
                continue
            raw = (environ.get(spec.name.upper()) or "").strip()
            if raw:
                values[spec.name] = raw
        for name in ("jira_url", "github_api_url", "slack_api_url"):
            url = values.get(name)
            if isinstance(url, str) and not url.startswith(("https://", "http://")):
                problems.append(f"{name.upper()}: expected an http(s) URL, got {mask_url(url)!r}")
        port = values.get("port")
        if isinstance(port, str):
            if port.isdigit() and 0 < int(port) < 65536:
                values["port"] = int(port)
            else:
                problems.append(f"PORT: expected a port number (1-65535), got {port!r}")
        if problems:
            raise ConfigError("\n".join(problems))
        return cls(**values)  # type: ignore[arg-type]  # values hold str/int per field

    def get(self, name: str) -> str | int | None:
        """The value of variable ``name`` (e.g. ``"JIRA_URL"``)."""
        if name not in DESCRIPTIONS:
            raise KeyError(name)
        value: str | int | None = getattr(self, name.lower())
        return value

    def missing(self, *names: str) -> list[str]:
        """Those of ``names`` that are not set."""
        return [name for name in names if self.get(name) in (None, "")]

    def require(self, *names: str) -> None:
        """Raise ``ConfigError`` naming each of ``names`` that is not set."""
        absent = self.missing(*names)
        if absent:
            raise ConfigError(
                "\n".join(
                    f"{name}: missing environment variable ({DESCRIPTIONS[name]})"
                    for name in absent
                )
            )

    @property
    def jira_uses_pat(self) -> bool:
        """Whether Jira auth is a Server/Data Center PAT rather than Cloud email + token."""
        return bool(self.jira_pat) and not (self.jira_email and self.jira_api_token)

    @property
    def github_uses_app(self) -> bool:
        """Whether GitHub auth is a GitHub App installation rather than a token."""
        return bool(self.github_app_id) and not self.github_token

    def secrets(self) -> list[str]:
        """Every secret value set, including a database password, for log redaction."""
        found = [str(self.get(name)) for name in sorted(SECRET_VARIABLES) if self.get(name)]
        return found + url_passwords(self.database_url) + list(self.proxy_passwords)

    def __repr__(self) -> str:
        shown = []
        for spec in fields(self):
            if spec.name == "proxy_passwords":
                continue
            name = spec.name.upper()
            value = getattr(self, spec.name)
            if value is not None and name in SECRET_VARIABLES:
                value = "***"
            elif name == "DATABASE_URL":
                value = mask_url(str(value))
            shown.append(f"{name}={value!r}")
        return f"Env({', '.join(shown)})"

    __str__ = __repr__


# ------------------------------------------------------------------ what each command needs

JIRA_CLOUD = ("JIRA_URL", "JIRA_EMAIL", "JIRA_API_TOKEN")
JIRA_SERVER = ("JIRA_URL", "JIRA_PAT")
GITHUB = ("GITHUB_TOKEN",)
GITHUB_APP = ("GITHUB_APP_ID", "GITHUB_APP_INSTALLATION_ID")  # + a key, checked when read
SLACK_POST = ("SLACK_BOT_TOKEN",)
SLACK_APP = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET")

# Commands that poll the services; digest and alerts read the store and only post to Slack.
_POLLING = frozenset({"sync", "backfill", "serve", "check"})
_NEEDS_NOTHING = frozenset({"report", "review", "demo", "sandbox", "db", "init"})


def jira_env(env: Env | None = None) -> tuple[str, ...]:
    """Jira variables: the PAT pair when ``env`` holds a PAT only, else the Cloud triple."""
    return JIRA_SERVER if env is not None and env.jira_uses_pat else JIRA_CLOUD


def required_env(
    command: str, settings: Settings, env: Env | None = None, *, dry_run: bool = False
) -> list[str]:
    """The variables ``command`` needs with ``settings`` (``env`` picks the Jira auth kind)."""
    needed: list[str] = []
    if command in _POLLING:
        if settings.uses_jira:
            needed += jira_env(env)
        if settings.uses_github:
            needed += GITHUB_APP if env is not None and env.github_uses_app else GITHUB
    if command in {"serve", "check"}:
        needed += SLACK_APP
    elif command in {"digest", "alerts"}:
        if not dry_run:
            needed += SLACK_POST
    elif command not in _POLLING | _NEEDS_NOTHING:
        raise ValueError(f"unknown command {command!r}")
    return _unique(needed)


def require_for(command: str, settings: Settings, env: Env, *, dry_run: bool = False) -> None:
    """Raise ``ConfigError`` naming every variable ``command`` needs and ``env`` lacks."""
    env.require(*required_env(command, settings, env, dry_run=dry_run))


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))
